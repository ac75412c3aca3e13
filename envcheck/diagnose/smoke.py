"""smoke-train's results in words: the task names people read and the one-line summary doctor shows. Pure."""

from __future__ import annotations

from envcheck.model import SmokeReport

# The choices smoke_net.py accepts, in one home (the child is standalone and keeps its own copy;
# tests/probes/test_smoke_net.py keeps the two equal). The CLI, the checks and the profiles use these.
BACKENDS = ("tensorflow", "numpy")
TASKS = ("xor", "circles")
ACTIVATIONS = ("relu", "sigmoid", "tanh", "step")
DEVICES = ("auto", "cpu", "gpu")
DEFAULT_STEPS = 300
DEFAULT_LR = 0.05
TASK_NAMES = {"xor": "XOR", "circles": "two circles"}  # in words, for people


def summary(report: SmokeReport) -> str:
    """One line for a summary such as doctor's: 'XOR learned in 0.22 s on CPU:0' or what failed."""
    task = TASK_NAMES.get(report.task, report.task)
    if report.passed:
        train = report.timings.get("train_s")
        took = f" in {train:.2f} s" if train is not None else ""
        return f"{task} learned{took} on {report.device or 'an unknown device'}"
    return report.failure or f"{task} not learned"


def failed_names(report: SmokeReport) -> list[str]:
    return report.failed_names
