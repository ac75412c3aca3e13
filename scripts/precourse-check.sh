#!/usr/bin/env bash
# Before the first class: check this environment against the course profile, then write
# envcheck-report.md and envcheck-report.json to hand in (secrets redacted).
#
#   scripts/precourse-check.sh [PROFILE|REQUIREMENTS] [--code COURSE_DIR]... [--python PYTHON] [--out DIR]
#
# One implementation for every platform: this runs scripts/precourse_check.py (standard library only; its --help
# says more), which Windows users run as `py scripts\precourse_check.py`. It finds the project's .venv itself.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  printf "precourse-check: error: no '%s' on PATH: install Python 3 first, or set PYTHON\n" "$python" >&2
  exit 1
fi
exec "$python" "$here/precourse_check.py" "$@"
