"""Small real wheels for tests that build virtual environments: pip installs them offline.

A wheel is a zip with a .dist-info holding METADATA, WHEEL and RECORD (PEP 427); writing one takes a few
milliseconds, where `pip wheel` of a project takes seconds, and pip installs both the same way.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path


def build_wheel(
    directory: Path, name: str, version: str, requires: tuple[str, ...] = (), extras: tuple[str, ...] = ()
) -> Path:
    """Write `name-version-py3-none-any.whl` into `directory`, declaring `extras` and `requires` (Requires-Dist)."""
    module = name.replace("-", "_")
    info = f"{module}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Provides-Extra: {extra}\n" for extra in extras)
    metadata += "".join(f"Requires-Dist: {line}\n" for line in requires)
    files = {
        f"{module}/__init__.py": f"__version__ = {version!r}\n",
        f"{info}/METADATA": metadata,
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: envcheck-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = "\n".join(record) + "\n"
    wheel = directory / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def make_venv(path: Path, wheelhouse: Path, *requirements: str) -> Path:
    """A real venv (with pip) at `path` with `requirements` installed offline from `wheelhouse`, without their
    dependencies (so a test decides exactly what is installed); returns its python."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, capture_output=True)
    python = path / "bin" / "python"
    if requirements:
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "--no-index",
                "--find-links",
                str(wheelhouse),
                "--no-deps",
                *requirements,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    return python


def pip_would_change_nothing(python: Path, requirements_file: Path, empty: Path) -> bool:
    """The oracle: `python -m pip install --dry-run --no-index --find-links EMPTY -r FILE` succeeds and would install
    nothing exactly when the environment already satisfies the file (pip can download nothing to fix it)."""
    done = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--disable-pip-version-check",
            "--no-index",
            "--find-links",
            str(empty),
            "-r",
            str(requirements_file),
        ],
        capture_output=True,
        text=True,
    )
    return done.returncode == 0 and "Would install" not in done.stdout
