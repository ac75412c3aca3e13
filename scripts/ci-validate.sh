#!/usr/bin/env bash
# For a CI step: verify the environment against a profile or a requirements file, write JUnit XML.
#
#   scripts/ci-validate.sh PROFILE|REQUIREMENTS [JUNIT_XML] [--python PYTHON]
#
# A *.txt / *.in file or a pyproject.toml is a requirements file; anything else a profile. JUNIT_XML
# defaults to envcheck-junit.xml. Exit status is verify's: 0 all requirements met, 1 one is not (the
# step fails), 2 a bad profile, a bad requirements file or bad usage.
set -euo pipefail

say() { printf 'ci-validate: %s\n' "$*" >&2; }
die() { say "error: $1"; exit "${2:-1}"; }

envcheck=${ENVCHECK:-envcheck}
positional=()
python_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --python) [ $# -ge 2 ] || die "--python needs an interpreter" 2; python_args=(--python "$2"); shift ;;
    -h|--help) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) die "unknown option '$1' (see --help)" 2 ;;
    *) positional+=("$1") ;;
  esac
  shift
done
[ "${#positional[@]}" -ge 1 ] && [ "${#positional[@]}" -le 2 ] || die "usage: ci-validate.sh PROFILE|REQUIREMENTS [JUNIT_XML] [--python PYTHON]" 2
profile=${positional[0]}
junit=${positional[1]:-envcheck-junit.xml}
case "$profile" in
  *.txt|*.in|pyproject.toml|*/pyproject.toml) against=(--requirements "$profile") ;;
  *) against=(--profile "$profile") ;;
esac
command -v "$envcheck" >/dev/null 2>&1 || die "'$envcheck' not found: pip install envcheck in this job first" 2

status=0
"$envcheck" verify "${against[@]}" --junit-xml "$junit" --format text ${python_args[@]+"${python_args[@]}"} || status=$?
case "$status" in
  0) say "all requirements of '$profile' are met (JUnit report: $junit)" ;;
  1) say "requirements of '$profile' are not met (JUnit report: $junit)" ;;
  *) say "verify could not run (exit $status)" ;;
esac
exit "$status"
