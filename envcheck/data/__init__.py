"""Facts with sources, as TOML tables shipped in the package; `load(name)` reads one.

The one place envcheck reads TOML: `toml()` is the parser (tomllib, or tomli before 3.11) for the
profiles too, imported only when a table is read (it costs a few ms the fast paths do not spend).
"""

from __future__ import annotations

import functools
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TENSORFLOW_BUILDS = "tensorflow_builds.toml"  # TensorFlow's tested builds: CUDA, cuDNN, Python per release


def toml():
    """The TOML parser module: `tomllib` from 3.11, the same parser as `tomli` before."""
    if sys.version_info >= (3, 11):
        import tomllib  # standard library from 3.11; local: only when TOML is read
    else:  # pragma: no cover - exercised on 3.9/3.10 only
        import tomli as tomllib  # the same parser, before 3.11; local: only when TOML is read
    return tomllib


@functools.lru_cache(maxsize=None)
def load(name: str) -> dict:
    """The parsed table `envcheck/data/<name>` (e.g. "cuda_drivers.toml")."""
    return read(os.path.join(HERE, name))


def read(path: str) -> dict:
    """A TOML file as a dict; OSError and the parser's TOMLDecodeError propagate."""
    with open(path, "rb") as stream:
        return toml().load(stream)


def tensorflow_row(version: str | None, builds: dict | None = None) -> tuple[str, dict] | None:
    """(row version, row) of tensorflow_builds.toml for a TensorFlow version ('2.21.0' -> row '2.21'),
    or for the newest row when `version` is None (TensorFlow not installed: what would a fresh install
    get?). None when the table has no such row. `builds` defaults to the shipped table."""
    rows = (load(TENSORFLOW_BUILDS) if builds is None else builds).get("tf") or {}
    rows = {str(key): row for key, row in rows.items() if isinstance(row, dict)}
    if not rows:
        return None
    if version is None:
        from packaging.version import InvalidVersion, Version  # ordering releases; only without a version

        def key(text: str):
            try:
                return Version(text)
            except InvalidVersion:
                return Version("0")

        newest = max(rows, key=key)
        return newest, rows[newest]
    major_minor = ".".join(version.split(".")[:2])
    if major_minor in rows:
        return major_minor, rows[major_minor]
    found = next((v for v in rows if version.startswith(v + ".") or v == version), None)
    return (found, rows[found]) if found else None


def tensorflow_python_range(version: str | None, builds: dict | None = None) -> tuple[str, str] | None:
    """(row version, Python specifier such as '>=3.10,<3.14') TensorFlow's tested builds give, or None."""
    found = tensorflow_row(version, builds)
    if found is None or not isinstance(found[1].get("python"), str):
        return None
    return found[0], found[1]["python"]

