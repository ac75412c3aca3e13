#!/usr/bin/env bash
# For a CI step: verify the environment against a profile or a requirements file, write JUnit XML.
#
#   scripts/ci-validate.sh PROFILE|REQUIREMENTS [JUNIT_XML] [--python PYTHON]
#
# One implementation for every platform: this runs scripts/ci_validate.py (standard library only; its --help
# says more), which Windows users run as `py scripts\ci_validate.py`. It finds the project's .venv itself.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1; then
  printf "ci-validate: error: no '%s' on PATH: install Python 3 first, or set PYTHON\n" "$python" >&2
  exit 1
fi
exec "$python" "$here/ci_validate.py" "$@"
