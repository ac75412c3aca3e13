"""The interpreter itself: version, implementation, whether it is a venv or a conda env, pip present.

Reads the TargetPython (already asked once) and the package scan; no child process of its own.
"""

from __future__ import annotations

import os

from envcheck.model import PythonFacts  # noqa: F401 (the record lives in the model; re-exported)
from envcheck.probes import packages
from envcheck.target import TargetPython


def environment_kind(python: TargetPython) -> str:
    """conda when the prefix holds conda-meta/ (also a conda base), venv when prefix != base_prefix."""
    if os.path.isdir(os.path.join(python.prefix, "conda-meta")):
        return "conda"
    return "venv" if python.is_venv else "system"


def read(python: TargetPython, scan: packages.Scan) -> PythonFacts:
    pip = next((found for found in scan.found if found.canonical_name == "pip"), None)
    pip_version = None
    if pip is not None:
        pip_version = packages.describe(pip, []).version or None
    kind = environment_kind(python)
    return PythonFacts(
        executable=python.executable,
        version=python.version_text,
        implementation=python.implementation,
        prefix=python.prefix,
        kind=kind,
        env_name=os.path.basename(python.prefix.rstrip(os.sep)) if kind != "system" else None,
        pip_version=pip_version,
    )
