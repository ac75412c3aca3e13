"""smoke-train's results in words: the task names people read and the one-line summary doctor shows. Pure."""

from __future__ import annotations

TASK_NAMES = {"xor": "XOR", "circles": "two circles"}  # in words, for people


def summary(result: dict) -> str:
    """One line for a summary such as doctor's: 'XOR learned in 0.22 s on CPU:0' or what failed."""
    task = TASK_NAMES.get(result.get("task"), result.get("task"))
    if result.get("passed"):
        train = (result.get("timings") or {}).get("train_s")
        took = f" in {train:.2f} s" if train is not None else ""
        return f"{task} learned{took} on {result.get('device') or 'an unknown device'}"
    return result.get("failure") or f"{task} not learned"


def failed_names(result: dict) -> list[str]:
    return [c["name"] for c in result.get("checks", []) if not c.get("passed")]
