"""envcheck doctor's engine: every area at once, each isolated, one result.

An *area* (Python, Packages, NumPy, TensorFlow, GPU, Smoke training, System) is a function
`area(gather) -> Area`. Areas run concurrently; the slow work in them (importing TensorFlow,
training) runs in child processes with their own timeouts. What areas need in common (the package
scan, check-cuda's report) comes from `Gather`, which computes each source once, on first demand,
and hands the same value (or the same failure) to every area that asks.

Each area's answer and each shared source is a `concurrent.futures.Future`, and the deadline is
`concurrent.futures.wait`. The areas run in daemon threads of their own rather than in a
ThreadPoolExecutor: the executor's workers are joined when the interpreter exits, so one area stuck
in Python code would keep `envcheck doctor` alive after it has printed its answer.

Isolation: an area that raises becomes a named ✗ (AREA_FAILED) with the error in one line; one that
has not answered by its deadline becomes a named ✗ (AREA_TIMED_OUT) and is left behind (its thread
is a daemon, its children have their own timeouts); every other area still reports.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, wait
from typing import Any, Callable, NamedTuple

from envcheck import data, runner, target
from envcheck.checks import cuda, smoke  # check-cuda's and smoke-train's library functions
from envcheck.diagnose import doctor as rules
from envcheck.model import ERROR, Area, DoctorReport, Finding  # noqa: F401 (Area lives in the model; re-exported)
from envcheck.probes import packages, python_env, requirements, system, tf_stages
from envcheck.probes import tensorflow as tf_probe
from envcheck.target import TargetPython

SCHEMA = DoctorReport.SCHEMA
DoctorResult = DoctorReport  # the name the README and callers used before the typed reports
# Long enough for check-cuda's TensorFlow import (90 s) and a smoke run (120 s) to hit their own
# timeouts first, so their findings name what hung rather than this catch-all.
AREA_TIMEOUT = 150.0


class AreaSpec(NamedTuple):
    key: str
    title: str
    run: Callable[[Gather], Area]


class SourceFailed(Exception):
    """A shared source raised; every area that needed it reports this, naming the source."""

    def __init__(self, name: str, error: BaseException):
        super().__init__(f"{name}: {type(error).__name__}: {error}")
        self.name = name
        self.error = error


class Gather:
    """Shared, lazily computed facts: each provider runs once, in the first thread that asks; the
    others wait on the same Future."""

    def __init__(self, python: TargetPython, providers: dict[str, Callable[[Gather], Any]],
                 options: dict | None = None):
        self.python = python
        self.options = dict(options or {})
        self._providers = providers
        self._lock = threading.Lock()
        self._futures: dict[str, Future] = {}

    def get(self, name: str) -> Any:
        with self._lock:
            future = self._futures.get(name)
            owner = future is None
            if owner:
                future = self._futures[name] = Future()
        if owner:
            try:
                future.set_result(self._providers[name](self))
            except Exception as error:  # kept and re-raised, named, to every area that needs this source
                future.set_exception(error)
        try:
            return future.result()
        except Exception as error:
            raise SourceFailed(name, error) from None

    def values(self) -> dict[str, Any]:
        """Every source computed so far (for report): name -> value, failures left out."""
        with self._lock:
            items = list(self._futures.items())
        return {name: f.result() for name, f in items if f.done() and f.exception() is None}


def run(
    python: TargetPython | str | None,
    specs: list[AreaSpec] | None = None,
    providers: dict[str, Callable[[Gather], Any]] | None = None,
    options: dict | None = None,
    area_timeout: float = AREA_TIMEOUT,
    on_event: Callable[[str, str, Area | None], None] | None = None,
) -> DoctorReport:
    """Run every area concurrently and wait at most `area_timeout` seconds for them.

    `python` is a TargetPython, or what a user has: an interpreter's path, a venv, or None for this one.
    `on_event(key, "start" | "done", area)` is called from worker threads (for a live display).
    """
    python = target.of(python)
    specs = AREAS if specs is None else specs
    providers = PROVIDERS if providers is None else providers
    options = dict(options or {})
    # The shared TensorFlow child trains only for doctor's own smoke area (verify runs its own smoke-train).
    options.setdefault("tf_train", any(spec.run is smoke_area for spec in specs))
    gather = Gather(python, providers, options)
    started = time.monotonic()
    futures = [(spec, _start(spec, gather, on_event)) for spec in specs]
    wait([future for _, future in futures], timeout=area_timeout)
    areas = []
    for spec, future in futures:
        if future.done():
            area = future.result()
        else:  # still running at the deadline: named, and left behind
            area = _broken_area(spec, f"did not finish within {area_timeout:g} s", Finding(
                "AREA_TIMED_OUT", ERROR,
                f"The {spec.title} check did not finish within {area_timeout:g} s and was abandoned; "
                "the other checks still report.",
                f"Run the single check for this area to see where it hangs (e.g. `{_single_command(spec.key)}`).",
            ))._replace(seconds=time.monotonic() - started)
            if on_event:
                on_event(spec.key, "done", area)
        areas.append(area)
    return DoctorReport(python, tuple(areas), time.monotonic() - started, gather.values())


def _start(spec: AreaSpec, gather: Gather, on_event) -> Future:
    """Run one area in a daemon thread; its Future gets the Area (never an exception)."""
    future: Future = Future()
    thread = threading.Thread(target=lambda: future.set_result(_run_area(spec, gather, on_event)), daemon=True,
                              name=f"doctor-{spec.key}")
    thread.start()
    return future


def _run_area(spec: AreaSpec, gather: Gather, on_event) -> Area:
    if on_event:
        on_event(spec.key, "start", None)
    started = time.monotonic()
    try:
        area = spec.run(gather)
    except Exception as error:  # isolation: one broken area is a named ✗, never the end of doctor
        shown = error.error if isinstance(error, SourceFailed) else error
        where = f" while reading {error.name}" if isinstance(error, SourceFailed) else ""
        area = _broken_area(spec, f"the check itself failed{where}", Finding(
            "AREA_FAILED", ERROR,
            f"The {spec.title} check failed{where}: {type(shown).__name__}: {shown}",
            f"Run `{_single_command(spec.key)}` for details; "
            "if it is envcheck's fault, report it with `envcheck report`.",
        ))
    area = area._replace(seconds=time.monotonic() - started)
    if on_event:
        on_event(spec.key, "done", area)
    return area


def _broken_area(spec: AreaSpec, summary: str, finding: Finding) -> Area:
    """An area that could not answer: a named error, so doctor still reports every other area."""
    return Area(spec.key, spec.title, summary, [finding])


def _single_command(key: str) -> str:
    return {
        "gpu": "check-cuda",
        "tensorflow": "check-cuda",
        "smoke": "smoke-train",
        "packages": "pip check",
        "numpy": 'python -c "import numpy; numpy.show_config()"',
    }.get(key, "envcheck doctor -v --format json")


# --- the real areas: where each one's facts come from ---------------------------------------

NUMPY_TIMEOUT = 60.0


def _scan(g: Gather):
    return packages.scan(g.python.path)


def _installed(g: Gather):
    return requirements.read_installed(g.get("scan"))


def _tf_child(g: Gather):
    """One TensorFlow child for the TensorFlow, GPU and smoke areas (probes.tf_stages), or None when
    TensorFlow is not installed (then check-cuda's child and NumPy's smoke run are cheap on their own)."""
    if rules.installed_tensorflow(g.get("installed")) is None:
        return None
    return tf_stages.SharedChild(g.python.executable, tf_timeout=g.options.get("tf_timeout", 90.0),
                                 train_timeout=g.options.get("smoke_timeout", 120.0),
                                 train=g.options.get("tf_train", True))


def _cuda(g: Gather) -> cuda.CudaReport:
    child = g.get("tf_child")
    tf_source = None
    if child is not None:
        def tf_source():
            return tf_probe.from_stages(child.result("import"), child.result("gpu"))

    return cuda.check(g.python, include_tf=True, tf_timeout=g.options.get("tf_timeout", 90.0), tf_source=tf_source)


def _tf_python_range(g: Gather):
    tf = rules.installed_tensorflow(g.get("installed"))
    try:
        return data.tensorflow_python_range(tf.version if tf else None)
    except OSError:
        return None  # the shipped table is missing: a fact we do not have, not an error


def python_area(g: Gather) -> Area:
    facts = python_env.read(g.python, g.get("scan"))
    installed = g.get("installed")
    return rules.python_area(facts, rules.installed_tensorflow(installed), g.get("tf_python_range"))


def packages_area(g: Gather) -> Area:
    scan = g.get("scan")
    installed = g.get("installed")
    environment = requirements.marker_environment(g.python.version, g.python.platform)
    broken, problems = requirements.check(installed, environment)
    tf_rows = sorted(
        ((d.display_name, d.version) for name, d in installed.items()
         if name.startswith(("tensor", "tf-", "keras"))),
        key=lambda row: packages.canonicalize(row[0]),
    )
    return rules.packages_area(len(scan.found), tf_rows, broken, g.python.executable, list(scan.problems) + problems)


def numpy_area(g: Gather) -> Area:
    answer = runner.run_target_script(g.python.executable, "numpy_facts.py", timeout=NUMPY_TIMEOUT)
    installed = g.get("installed")
    tf = rules.installed_tensorflow(installed)
    tf_numpy = []
    if tf is not None:
        from packaging.requirements import InvalidRequirement, Requirement  # only to pick TF's numpy requirement

        environment = requirements.marker_environment(g.python.version, g.python.platform)
        for line in tf.requires:
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue  # the Packages line reports unparsable requirements
            if req.name.lower() == "numpy" and (req.marker is None or req.marker.evaluate(environment)):
                tf_numpy.append(str(req))
    return rules.numpy_area(answer.data, answer.problem, installed, tf_numpy, g.python.executable)


def tensorflow_area(g: Gather) -> Area:
    installed = g.get("installed")
    tf = rules.installed_tensorflow(installed)
    if tf is None:
        return rules.tensorflow_area(None, installed.get("keras"), None, g.python.executable)
    report = g.get("cuda")
    return rules.tensorflow_area(tf, installed.get("keras"), report.tf, g.python.executable, report.findings)


def gpu_area(g: Gather) -> Area:
    return rules.gpu_area(g.get("cuda"))


def smoke_area(g: Gather) -> Area:
    child = g.get("tf_child")
    if child is not None:  # TensorFlow installed: the training is the shared child's last stage
        return rules.smoke_area(smoke.from_stage(child.result("train"), g.python))
    report = smoke.run(g.python, backend="numpy", timeout=g.options.get("smoke_timeout", 120.0))
    return rules.smoke_area(report)


def system_area(g: Gather) -> Area:
    from envcheck.checks import platform as platform_check  # Rosetta 2 on Apple silicon, Intel Macs

    return rules.system_area(system.read(disk_path=g.python.prefix), platform_check.system_findings(g.python))


PROVIDERS: dict[str, Callable[[Gather], Any]] = {
    "scan": _scan,
    "installed": _installed,
    "cuda": _cuda,
    "tf_child": _tf_child,
    "tf_python_range": _tf_python_range,
}

AREAS = [
    AreaSpec("python", "Python", python_area),
    AreaSpec("packages", "Packages", packages_area),
    AreaSpec("numpy", "NumPy", numpy_area),
    AreaSpec("tensorflow", "TensorFlow", tensorflow_area),
    AreaSpec("gpu", "GPU", gpu_area),
    AreaSpec("smoke", "Smoke training", smoke_area),
    AreaSpec("system", "System", system_area),
]
