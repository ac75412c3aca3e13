"""The smoke training check: run `probes/inside/smoke_net.py` in the target interpreter, read its answer.

The child trains a tiny network (weighted sum plus bias, an activation, forward propagation, a
cross-entropy loss, backpropagation, Adam) and checks it with numbers. This module runs it with a
timeout and turns whatever happens — an answer, a crash by signal, a hang, an import error, NaN
gradients — into the `envcheck.smoke-train/1` dict: `passed`, named `checks`, and `failure` in words.

Defaults (chosen so XOR is learned on every seed we test, in well under a second of training):
a 2-8-1 network (`hidden=8`, `depth=1` hidden layer), relu, Adam with learning rate 0.05 for 300
full-batch steps on either task (`steps=None`, `lr=None` let the child pick these per task).
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
import time
from typing import Callable

from envcheck import runner, target
from envcheck.diagnose.smoke import (  # noqa: F401 (the choices and words live there; re-exported)
    ACTIVATIONS,
    BACKENDS,
    DEFAULT_LR,
    DEFAULT_STEPS,
    DEVICES,
    TASK_NAMES,
    TASKS,
    detail,
    failed_names,
    summary,
)
from envcheck.errors import UsageError
from envcheck.i18n import N_, _
from envcheck.i18n import gettext as translate
from envcheck.model import SmokeCheck, SmokeReport, pip_install
from envcheck.target import TargetPython

SCHEMA = SmokeReport.SCHEMA
SCRIPT = "smoke_net.py"

LIMITS = {"hidden": (1, 1024), "depth": (1, 64), "steps": (1, 1_000_000)}


def validate(*, backend: str = "tensorflow", task: str = "xor", activation: str = "relu", hidden: int = 8,
             depth: int = 1, steps: int | None = None, lr: float | None = None, seed: int = 0,
             device: str = "auto", timeout: float = 120.0) -> None:
    """Raise UsageError (one line) for a value the child would refuse or that makes no sense."""
    for name, value, allowed in (("backend", backend, BACKENDS), ("task", task, TASKS),
                                 ("activation", activation, ACTIVATIONS), ("device", device, DEVICES)):
        if value not in allowed:
            raise UsageError(_("--{name} {value}: choose one of {choices}").format(
                name=name, value=repr(value), choices=", ".join(allowed)))
    for name, value in (("hidden", hidden), ("depth", depth), ("steps", steps)):
        if value is None:
            continue
        low, high = LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise UsageError(_("--{name} {value}: must be a whole number from {low} to {high}").format(
                name=name, value=repr(value), low=low, high=high))
    if lr is not None and not (isinstance(lr, (int, float)) and math.isfinite(lr) and 0 < lr <= 10):
        raise UsageError(_("--lr {value}: must be a number above 0 and at most 10").format(value=repr(lr)))
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise UsageError(_("--seed {value}: must be a whole number from 0 to {high}").format(
            value=repr(seed), high=2**32 - 1))
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise UsageError(_("--timeout {value}: must be a number of seconds above 0").format(value=repr(timeout)))
    if backend == "numpy" and device == "gpu":  # a contradiction, not a failed check
        raise UsageError(_("--device gpu needs --backend tensorflow: the numpy backend runs on the CPU only"))


def check(python: TargetPython, *, backend: str = "tensorflow", task: str = "xor", activation: str = "relu",
          hidden: int = 8, depth: int = 1, steps: int | None = None, lr: float | None = None, seed: int = 0,
          device: str = "auto", timeout: float = 120.0) -> dict:
    """Train the smoke network in `python` and return the `envcheck.smoke-train/1` dict (`run()` returns
    the same as a SmokeReport). `python` may also be an interpreter's path, a venv, or None for this one.

    Never raises for anything the environment does (missing TensorFlow, a crash, a hang): those
    come back as `passed: False` with `failure` in words. Raises UsageError for bad argument values.
    """
    return run(python, backend=backend, task=task, activation=activation, hidden=hidden, depth=depth, steps=steps,
               lr=lr, seed=seed, device=device, timeout=timeout).to_dict()


def run(python: TargetPython | str | None, **options) -> SmokeReport:
    """check()'s answer as a typed SmokeReport (what doctor and the renderers use)."""
    return check_with_progress(python, None, **options)


def check_with_progress(python: TargetPython | str | None, on_progress: Callable[[str], None] | None,
                        **options) -> SmokeReport:
    """run(), calling on_progress(line) for each progress line the child writes while it runs.

    Lines: `import tensorflow`, `train N`, `step K N LOSS`. The child writes them to a file this
    side watches, so its stdout stays one JSON answer and the runner stays the only subprocess helper.
    """
    validate(**options)
    python = target.of(python)
    timeout = float(options.pop("timeout", 120.0))
    args = _child_args(options)
    handle, progress_path = tempfile.mkstemp(prefix="envcheck-smoke-", suffix=".progress")
    os.close(handle)
    watcher = _Watcher(progress_path, on_progress)
    try:
        watcher.start()
        started = time.perf_counter()
        result = runner.run_target_script(python.executable, SCRIPT, [*args, "--progress", progress_path],
                                          timeout=timeout)
        wall = time.perf_counter() - started
        watcher.stop()
        phase = watcher.phase
    finally:
        watcher.stop()
        os.unlink(progress_path)
    return interpret(result, python, options, timeout, wall, phase)


def _child_args(options: dict) -> list[str]:
    args = []
    for name in ("backend", "task", "activation", "hidden", "depth", "steps", "lr", "seed", "device"):
        value = options.get(name)
        if value is not None:
            args += [f"--{name}", repr(value) if isinstance(value, float) else str(value)]
    return args


class _Watcher:
    """Follows the child's progress file from a thread; remembers the last phase for crash reports."""

    def __init__(self, path: str, on_line: Callable[[str], None] | None):
        self.path, self.on_line = path, on_line
        self.phase: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._offset = 0
        self._partial = ""

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if not self._done.is_set():
            self._done.set()
            self._thread.join()
            self._read()  # what the child wrote after the last poll

    def _follow(self) -> None:
        while not self._done.wait(0.05):
            self._read()

    def _read(self) -> None:
        try:
            with open(self.path, encoding="utf-8", errors="replace") as stream:
                stream.seek(self._offset)
                chunk = stream.read()
                self._offset = stream.tell()
        except FileNotFoundError:
            return
        text = self._partial + chunk
        *lines, self._partial = text.split("\n")
        for line in lines:
            if not line.startswith("step "):
                self.phase = line
            if self.on_line:
                self.on_line(line)


def _phase_words(phase: str | None) -> str:
    if phase is None:
        return _("while starting")
    if phase.startswith("import"):
        return _("while importing TensorFlow")
    if phase.startswith("train"):
        return _("while training")
    if phase.startswith("list GPUs"):
        return _("while listing GPUs")
    return _("during '{phase}'").format(phase=phase)


# What to do when a check fails for a reason the person can act on (the rest say it in their detail), the
# cause first: where several fail, the first here is the one to act on.
_FIXES = {
    "device": N_("run check-cuda to see why TensorFlow cannot use a GPU here"),
    "activation": N_("train with a differentiable activation: --activation relu (or sigmoid, tanh)"),
    "gradient flow": N_("for deep networks use --activation relu, whose derivative is 1 wherever it is active"),
}


def interpret(result: runner.TargetResult, python: TargetPython, options: dict, timeout: float,
              wall: float, phase: str | None = None) -> SmokeReport:
    """The child's answer (or its absence) as a SmokeReport. Pure."""
    typed = {
        "backend": options.get("backend", "tensorflow"),
        "task": options.get("task", "xor"),
        "activation": options.get("activation", "relu"),
        "device_requested": options.get("device", "auto"),
        "device": None,
        "python": python.to_dict(),
        "versions": {},
    }
    data = result.data
    if data is None:
        command = result.command
        if command.status == runner.TIMED_OUT:
            failure = _("the training child did not finish within {seconds} s {phase} and was stopped (it hung)")
            failure = failure.format(seconds=f"{timeout:g}", phase=_phase_words(phase))
            fix = _("rerun with a larger --timeout; if it hangs again, TensorFlow or its GPU set-up is stuck")
        elif command.status == runner.SIGNALLED:
            # describe() reads "python3 crashed (SIGSEGV: segmentation fault)": keep what follows the name
            failure = _("the training child {what} {phase}").format(
                what=command.describe().split(" ", 1)[1], phase=_phase_words(phase))
            fix = None
            if phase and phase.startswith("import"):
                fix = _("a crash while importing usually means a TensorFlow build this CPU or system cannot run; "
                        "reinstall with: {command}").format(
                    command=pip_install(python.executable, "--force-reinstall", "tensorflow"))
        else:
            failure = _("the training child failed {phase}: {problem}").format(
                phase=_phase_words(phase), problem=result.problem)
            fix = None
        stderr = runner.last_line(command.stderr)
        return SmokeReport(passed=False, failure=failure, fix=fix, checks=(SmokeCheck("run", False, failure),),
                           timings={"wall_s": round(wall, 4)},
                           details={"stderr_last_line": stderr} if stderr else {}, **typed)

    details = {}
    for key, value in data.items():
        if key in ("passed", "error", "missing", "checks", "timings"):
            continue
        if key in typed:
            typed[key] = value
        else:
            details[key] = value
    timings = dict(data.get("timings") or {}, wall_s=round(wall, 4))
    checks = [SmokeCheck(c.get("name"), bool(c.get("passed")), detail(c.get("parts"), c.get("detail")),
                         tuple(tuple(p) for p in c.get("parts") or ()))
              for c in data.get("checks") or []]
    failure = fix = None
    missing = data.get("missing")
    if missing == "tensorflow":
        failure = _("TensorFlow is not installed for {executable}").format(executable=python.executable)
        fix = _("install it with: {command} (or use --backend numpy to check NumPy alone)").format(
            command=pip_install(python.executable, "tensorflow"))
    elif missing == "numpy":
        failure = _("NumPy is not installed for {executable}").format(executable=python.executable)
        # the tensorflow backend needs both: installing NumPy alone would only move the failure to TensorFlow
        needed = ("numpy", "tensorflow") if typed["backend"] == "tensorflow" else ("numpy",)
        fix = _("install it with: {command}").format(command=pip_install(python.executable, *needed))
    elif data.get("error"):
        failure = _("the training child failed {phase}: {problem}").format(
            phase=_phase_words(phase), problem=data["error"])
        checks.append(SmokeCheck("run", False, failure))
    failed = [c for c in checks if not c.passed]
    if failed and failure is None:
        failure = "; ".join(f"{c.name}: {c.detail}" for c in failed)
        names = {c.name for c in failed}  # _FIXES is in order of cause: a step activation is why gradients vanish
        fix = next((translate(text) for name, text in _FIXES.items() if name in names), None)
    passed = bool(checks) and not failed and failure is None
    return SmokeReport(passed=passed, failure=failure, fix=fix, checks=tuple(checks), timings=timings,
                       details=details, **typed)


def from_stage(result, python: TargetPython) -> SmokeReport:
    """The smoke-train report from doctor's shared TensorFlow child (a probes.tf_stages StageResult for
    `train`): smoke_net.py's own answer, or the failure of the stage the child died in."""
    from envcheck.probes import tf_stages  # doctor only

    phase = tf_stages.PHASES.get(result.died_in) if result.command is not None else None
    options = {"backend": "tensorflow", "task": "xor", "activation": "relu", "device": "auto"}
    report = interpret(tf_stages.as_target_result(result, SCRIPT), python, options, result.limit or 120.0,
                       result.seconds, phase)
    if result.retried and result.command is not None and report.failure:
        # a second child, on its own, failed too: the training itself (or what it needs) is the trouble
        report = report._replace(failure=_("{failure} (in a fresh child too, after the shared one died)").format(
            failure=report.failure))
    return report
