"""Which Python versions each TensorFlow release supports, from envcheck/data/tensorflow_builds.toml.

The table is check-cuda's (each row names its public source); doctor and verify only read the
Python range. Returns None when the table or the row is missing: a fact we do not have, not an error.
"""

from __future__ import annotations

from pathlib import Path

TABLE = Path(__file__).resolve().parent.parent / "data" / "tensorflow_builds.toml"


def load(path: Path = TABLE) -> dict:
    from envcheck import data  # the TOML parser: only when the table is read

    try:
        return data.read(str(path))
    except OSError:
        return {}


def _rows(table: dict) -> dict[str, dict]:
    """version ("2.21") -> row, whatever the top-level table is called."""
    for key in ("tensorflow", "tf", "builds", "release"):
        rows = table.get(key)
        if isinstance(rows, dict):
            return {str(version): row for version, row in rows.items() if isinstance(row, dict)}
        if isinstance(rows, list):
            return {str(row.get("version")): row for row in rows if isinstance(row, dict) and row.get("version")}
    return {}


def python_range(tf_version: str | None, table: dict | None = None) -> tuple[str, str] | None:
    """(row version, Python specifier) for this TensorFlow's minor release, or for the newest row
    when `tf_version` is None (TensorFlow not installed yet: what would a fresh install support?)."""
    rows = _rows(load() if table is None else table)
    if not rows:
        return None
    from packaging.version import InvalidVersion, Version  # ordering releases

    def key(version: str):
        try:
            return Version(version)
        except InvalidVersion:
            return Version("0")

    if tf_version is None:
        version = max(rows, key=key)
    else:
        parts = tf_version.split(".")
        version = ".".join(parts[:2])
        if version not in rows:
            version = next((v for v in rows if tf_version.startswith(v + ".") or v == tf_version), None)
            if version is None:
                return None
    spec = rows[version].get("python")
    return (version, spec) if isinstance(spec, str) else None
