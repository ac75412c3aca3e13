"""Probes gather facts and do all the I/O; each pairs a thin reader with a pure parser."""

from __future__ import annotations


def read_text(path: str) -> str | None:
    """A small text file (/proc, /sys, captured outputs) as text; None when it cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            return stream.read()
    except OSError:
        return None
