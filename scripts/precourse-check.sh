#!/usr/bin/env bash
# Before the first class: check this environment against the course profile, then write
# envcheck-report.md and envcheck-report.json to hand in (secrets redacted).
#
#   scripts/precourse-check.sh [PROFILE|REQUIREMENTS] [--python PYTHON] [--out DIR]
#
# PROFILE is a TOML file or a profile shipped with envcheck (default: cpu-course), or a requirements
# file the course ships: a *.txt / *.in file in pip's format, or a pyproject.toml.
# Exit status: 0 when every requirement is met, 1 when one is not (the reports are written either
# way: hand them in), 2 for bad usage, a bad profile or a bad requirements file.
set -euo pipefail

say() { printf 'precourse-check: %s\n' "$*" >&2; }
die() { say "error: $1"; exit "${2:-1}"; }

envcheck=${ENVCHECK:-envcheck}
profile=cpu-course
out=.
python_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --python) [ $# -ge 2 ] || die "--python needs an interpreter" 2; python_args=(--python "$2"); shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory" 2; out=$2; shift ;;
    -h|--help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" 2 ;;
    *) profile=$1 ;;
  esac
  shift
done
command -v "$envcheck" >/dev/null 2>&1 || die "'$envcheck' not found: run scripts/setup-venv.sh, then activate .venv" 2
mkdir -p "$out"
case "$profile" in
  *.txt|*.in|pyproject.toml|*/pyproject.toml) against=(--requirements "$profile") ;;
  *) against=(--profile "$profile") ;;
esac

say "checking this environment against '$profile'"
status=0
"$envcheck" verify "${against[@]}" ${python_args[@]+"${python_args[@]}"} || status=$?
if [ "$status" -eq 2 ]; then
  exit 2
fi

say "writing $out/envcheck-report.md and $out/envcheck-report.json"
"$envcheck" report --format json ${python_args[@]+"${python_args[@]}"} --output "$out/envcheck-report.json"
"$envcheck" report --from "$out/envcheck-report.json" --format markdown --output "$out/envcheck-report.md"

if [ "$status" -eq 0 ]; then
  say "ready for the course. Hand in envcheck-report.md and envcheck-report.json."
else
  say "some requirements are not met (above, each with its fix). Fix what you can, rerun, and hand in the reports either way."
fi
exit "$status"
