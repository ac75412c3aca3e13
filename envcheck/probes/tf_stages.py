"""doctor's shared TensorFlow child: one import for TensorFlow's facts, its GPUs and the smoke training.

`SharedChild(python)` starts `probes/inside/tf_stages.py` in the target interpreter at once and reads
its stages while it runs (envcheck.runner.stream), in a thread: `import`, then `gpu`, then `train`,
each a JSON line printed the moment the child has it. `result(stage)` waits for one stage and returns
a `StageResult`: its answer, or the failure that took it, naming the stage.

Isolation, as with one child per check: each stage has its own deadline (TensorFlow's import and GPU
listing within `tf_timeout`, the training within `train_timeout` after that); a stage that raises is
that stage's error and the next still runs; when the child dies (a signal, an exit, a hang stopped at
the deadline) in a stage, that stage gets the failure and every stage that already answered keeps its
answer. The stages after the failed one run again in a fresh child, so each is answered, or fails, on
its own — unless the import failed, which every later stage needs: they get the import's failure.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Mapping
from typing import NamedTuple

from envcheck import runner
from envcheck.i18n import N_, _
from envcheck.i18n import gettext as translate

SCRIPT = "tf_stages.py"
STAGES = ("import", "gpu", "train")
MARKER = "envcheck-stage-done"  # written to stderr by the child after each stage's line
# What the child was doing when it died, for people; smoke-train's phase names for the training check.
STAGE_WORDS = {
    "import": N_("while importing TensorFlow"),
    "gpu": N_("while listing GPUs (tf.config.list_physical_devices)"),
    "train": N_("while training the smoke network"),
}
PHASES = {"import": "import tensorflow", "gpu": "list GPUs", "train": "train"}
IMPORT_TIMEOUT = 90.0  # import and GPU listing, as check-cuda's --tf-timeout
TRAIN_TIMEOUT = 120.0  # the training, as smoke-train's --timeout
EXIT_WAIT = 5.0  # how long a child that gave its last answer may take to exit before it is stopped


class StageResult(NamedTuple):
    """One stage: its answer, or why there is none."""

    stage: str
    answer: dict | None  # the child's answer (None when the stage failed)
    error: str | None = None  # the stage raised inside the child, in words
    command: runner.CommandResult | None = None  # how the child ended, when it died in this stage
    died_in: str | None = None  # the stage the child died in (this one, or the import it needed)
    stderr: str = ""  # what the child logged up to this stage's answer
    seconds: float = 0.0  # from the child's start
    retried: bool = False  # answered (or failed) in the second, fresh child
    limit: float | None = None  # the deadline this stage ran under, in seconds

    @property
    def ok(self) -> bool:
        return self.answer is not None

    @property
    def problem(self) -> str | None:
        """What went wrong, in words naming the stage; None when the stage answered."""
        if self.answer is not None:
            return None
        if self.error is not None:
            return _("{error}, raised {where}").format(error=self.error, where=translate(STAGE_WORDS[self.stage]))
        stage = self.died_in or self.stage
        where = translate(STAGE_WORDS[stage]) if stage in STAGE_WORDS else ""
        what = self.command.describe() if self.command is not None else _("the child gave no answer")
        if self.command is not None and self.command.status == runner.TIMED_OUT:
            what = _("TensorFlow's child did not finish within {seconds} s and was stopped").format(
                seconds=f"{self.limit:g}")
        elif self.command is not None and self.command.status == runner.OK:
            what = _("{name} ended without answering").format(name=os.path.basename(self.command.argv[0]))
        return f"{what} {where}".strip()


class SharedChild:
    """The stages of one TensorFlow child (and, if it dies, a second for what it left), read in a thread."""

    def __init__(self, python: str, tf_timeout: float = IMPORT_TIMEOUT, train_timeout: float = TRAIN_TIMEOUT,
                 env: Mapping[str, str] | None = None, train: bool = True) -> None:
        self.python = python
        self.stages = STAGES if train else STAGES[:2]  # no training asked for: the child stops after the GPUs
        self.tf_timeout = tf_timeout
        self.train_timeout = train_timeout
        self.env = dict(os.environ if env is None else env)
        self.env["TF_CPP_MIN_LOG_LEVEL"] = "0"  # a user's 2 or 3 would hide the lines check-cuda classifies
        self.children = 0  # how many TensorFlow children it took (2 when one died and the rest was retried)
        self.ended: list[runner.CommandResult] = []  # how each child ended, once it has
        self._results: dict[str, StageResult] = {}
        self._ready = {stage: threading.Event() for stage in STAGES}
        self._thread = threading.Thread(target=self._run, daemon=True, name="doctor-tensorflow")
        self._thread.start()

    def result(self, stage: str) -> StageResult:
        """Wait for `stage` (its deadline bounds the wait) and return it."""
        self._ready[stage].wait()
        return self._results[stage]

    def _set(self, result: StageResult) -> None:
        if result.stage not in self._results:
            self._results[result.stage] = result
            self._ready[result.stage].set()

    def _run(self) -> None:
        try:
            died = self._attempt(self.stages, retried=False)
            left = [stage for stage in self.stages if stage not in self._results]
            if died is not None and died.stage != "import" and left:
                self._attempt(["import", *left], retried=True)
        finally:  # whatever happened above, no area waits forever
            for stage in STAGES:
                self._set(StageResult(stage, None, error=_("not asked for") if stage not in self.stages
                                      else _("envcheck stopped reading TensorFlow's child")))

    def _attempt(self, stages, retried: bool) -> StageResult | None:
        """One child for `stages` (import first); the failure of the stage it died in, or None."""
        self.children += 1
        limits = {"import": self.tf_timeout, "gpu": self.tf_timeout, "train": self.train_timeout}
        started = time.monotonic()
        deadline = {"import": started + self.tf_timeout, "gpu": started + self.tf_timeout}
        args = ["--stages", ",".join(stage for stage in stages if stage != "import")]
        total = self.tf_timeout + self.train_timeout
        with runner.stream_target_script(self.python, SCRIPT, args, timeout=total, env=self.env) as child:
            for stage in stages:
                until = deadline.get(stage, time.monotonic() + self.train_timeout)
                data = _next_answer(child, stage, until)
                if data is None:  # the child died, hung or stopped answering in this stage
                    command = child.finish()
                    self.ended.append(command)
                    failed = StageResult(stage, None, command=command, died_in=stage, stderr=command.stderr,
                                         seconds=command.seconds, retried=retried, limit=limits[stage])
                    if not (retried and stage == "import"):
                        self._set(failed)
                    if stage == "import":  # every later stage needed the import: it fails with it
                        for later in stages[1:]:
                            self._set(failed._replace(stage=later, limit=limits[later]))
                    return failed
                child.wait_stderr(f"{MARKER} {stage}\n", 2.0)  # TensorFlow's log lines up to this answer
                if stage == stages[-1]:
                    # The child leaves right after its last line (os._exit): wait for it before handing
                    # the answer over, so nothing outlives doctor and its CPU time is its parent's to count.
                    self.ended.append(child.finish(EXIT_WAIT))
                self._set(StageResult(stage, data.get("answer"), data.get("error"), stderr=child.stderr,
                                      seconds=time.monotonic() - started, retried=retried, limit=limits[stage]))
        return None


def _next_answer(child: runner.Stream, stage: str, until: float) -> dict | None:
    """The child's JSON line for `stage`, skipping anything else it printed; None if it never came."""
    while True:
        line = child.next_line(max(0.0, until - time.monotonic()))
        if line is None:
            return None
        if not line.startswith("{"):
            continue  # a print from site-packages or a sitecustomize: not ours
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("stage") == stage:
            return data


def as_target_result(result: StageResult, script: str) -> runner.TargetResult:
    """A stage as the TargetResult a single-purpose child (tf_facts.py, smoke_net.py) would have given,
    so check-cuda's and smoke-train's parsers read it unchanged."""
    if result.command is not None:  # the child died in (or before) this stage
        return runner.TargetResult(result.command, None, result.problem)
    command = runner.CommandResult((script,), runner.OK, 0, "", result.stderr, result.seconds, result.limit)
    if result.answer is None:
        return runner.TargetResult(command._replace(status=runner.EXITED, returncode=1), None, result.problem)
    return runner.TargetResult(command, result.answer, None)
