"""Facts with sources, as TOML tables shipped in the package; `load(name)` reads one.

The one place envcheck reads TOML: `toml()` is the parser (tomllib, or tomli before 3.11) for the
profiles too, imported only when a table is read (it costs a few ms the fast paths do not spend).
"""

from __future__ import annotations

import functools
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


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
