#!/usr/bin/env bash
# Create (or reuse) a virtual environment with TensorFlow and envcheck, then run `envcheck doctor`.
#
#   scripts/setup-venv.sh [--cpu | --gpu] [--venv DIR] [--python PYTHON] [--dry-run]
#
# TensorFlow's GPU build (tensorflow[and-cuda]) is chosen when `check-cuda --no-tf` finds a working
# NVIDIA driver and GPU on Linux; plain `tensorflow` otherwise. --cpu / --gpu override that choice.
# Safe to rerun: an existing environment is reused and pip only installs what is missing.
# Exit status: doctor's (0 ready, 1 problems found), 2 for bad usage, or the failing step's.
set -euo pipefail

usage() {
  sed -n '2,9s/^# \{0,1\}//p' "$0"
}
say() { printf 'setup-venv: %s\n' "$*" >&2; }
die() { say "error: $1"; exit "${2:-1}"; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mode=auto
venv=.venv
python=${PYTHON:-python3}
dry_run=0
# Where envcheck comes from: this checkout when the script runs from one, else the package index.
if [ -f "$here/../pyproject.toml" ]; then
  envcheck_source=${ENVCHECK_SOURCE:-$(cd "$here/.." && pwd)}
else
  envcheck_source=${ENVCHECK_SOURCE:-envcheck}
fi

while [ $# -gt 0 ]; do
  case "$1" in
    --cpu) mode=cpu ;;
    --gpu) mode=gpu ;;
    --venv) [ $# -ge 2 ] || die "--venv needs a directory" 2; venv=$2; shift ;;
    --python) [ $# -ge 2 ] || die "--python needs an interpreter" 2; python=$2; shift ;;
    --dry-run) dry_run=1 ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" 2 ;;
  esac
  shift
done

step() {
  say "$*"
  if [ "$dry_run" -eq 0 ]; then "$@"; fi
}

vpy="$venv/bin/python"
if [ -x "$vpy" ]; then
  say "reusing the virtual environment in $venv"
else
  command -v "$python" >/dev/null 2>&1 || die "no '$python' on PATH: install Python 3.10-3.13 first, or pass --python"
  step "$python" -m venv "$venv"
fi
step "$vpy" -m pip install --quiet --upgrade pip
step "$vpy" -m pip install --quiet "$envcheck_source"

if [ "$mode" = auto ] && [ "$dry_run" -eq 1 ]; then
  say "(dry run: would choose with $vpy -m envcheck check-cuda --no-tf -q; showing the CPU choice)"
  mode=cpu
elif [ "$mode" = auto ]; then
  if [ "$(uname -s)" = Linux ] && "$vpy" -m envcheck check-cuda --no-tf -q; then
    mode=gpu
    say "found a working NVIDIA driver and GPU: installing TensorFlow with its CUDA libraries"
  else
    mode=cpu
    say "no usable NVIDIA GPU found (or not Linux): installing the CPU build of TensorFlow"
  fi
fi
if [ "$mode" = gpu ]; then
  step "$vpy" -m pip install --quiet "tensorflow[and-cuda]"
else
  step "$vpy" -m pip install --quiet tensorflow
fi

say "checking the result with envcheck doctor"
if [ "$dry_run" -eq 1 ]; then
  say "$vpy -m envcheck doctor"
  exit 0
fi
status=0
"$vpy" -m envcheck doctor || status=$?
if [ "$status" -eq 0 ]; then
  say "done. Activate it with: source $venv/bin/activate"
else
  say "the environment is installed but doctor found problems (above); fix them and rerun this script"
fi
exit "$status"
