"""Facts with sources, as TOML tables shipped in the package; `load(name)` reads one."""

from __future__ import annotations

import functools
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


@functools.lru_cache(maxsize=None)
def load(name: str) -> dict:
    """The parsed table `envcheck/data/<name>` (e.g. "cuda_drivers.toml")."""
    if sys.version_info >= (3, 11):
        import tomllib  # standard library from 3.11
    else:  # pragma: no cover - exercised on 3.9/3.10 only
        import tomli as tomllib  # the same parser, before 3.11

    with open(os.path.join(HERE, name), "rb") as stream:
        return tomllib.load(stream)
