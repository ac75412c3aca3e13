#!/usr/bin/env bash
# Create (or reuse) a virtual environment with TensorFlow and envcheck, then run `envcheck doctor`.
#
#   scripts/setup-venv.sh [--cpu | --gpu] [--venv DIR] [--python PYTHON] [--dry-run]
#
# One implementation for every platform: this runs scripts/setup_venv.py (standard library only), which
# Windows users run directly as `py scripts\setup_venv.py`. See its --help for what each option does.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  printf "setup-venv: error: no '%s' on PATH: install Python 3.10-3.13 first, or set PYTHON\n" "$python" >&2
  exit 1
fi
exec "$python" "$here/setup_venv.py" "$@"
