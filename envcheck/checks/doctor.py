"""envcheck doctor's engine: every area at once, each isolated, one result.

An *area* (Python, Packages, NumPy, TensorFlow, GPU, Smoke training, System) is a function
`area(gather) -> Area`. Areas run concurrently in daemon threads; the slow work in them (importing
TensorFlow, training) runs in child processes with their own timeouts. What areas need in common
(the package scan, check-cuda's report) comes from `Gather`, which computes each source once, on
first demand, and hands the same value (or the same failure) to every area that asks.

Isolation: an area that raises becomes a named ✗ (AREA_FAILED) with the error in one line; one that
has not answered by its deadline becomes a named ✗ (AREA_TIMED_OUT) and is left behind (its thread
is a daemon, its children have their own timeouts); every other area still reports.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from envcheck import runner
from envcheck.checks import cuda, smoke  # check-cuda's and smoke-train's library functions
from envcheck.diagnose import doctor as rules
from envcheck.model import ERROR, WARNING, Area, Finding  # noqa: F401 (Area lives in the model; re-exported)
from envcheck.probes import packages, python_env, requirements, system, tf_builds
from envcheck.target import TargetPython

SCHEMA = "envcheck.doctor/1"
# Long enough for check-cuda's TensorFlow import (90 s) and a smoke run (120 s) to hit their own
# timeouts first, so their findings name what hung rather than this catch-all.
AREA_TIMEOUT = 150.0


@dataclass(frozen=True)
class AreaSpec:
    key: str
    title: str
    run: Callable[["Gather"], Area]


class SourceFailed(Exception):
    """A shared source raised; every area that needed it reports this, naming the source."""

    def __init__(self, name: str, error: BaseException):
        super().__init__(f"{name}: {type(error).__name__}: {error}")
        self.name = name
        self.error = error


class Gather:
    """Shared, lazily computed facts: each provider runs once, in the first thread that asks."""

    def __init__(self, python: TargetPython, providers: dict[str, Callable[[Gather], Any]],
                 options: dict | None = None):
        self.python = python
        self.options = dict(options or {})
        self._providers = providers
        self._lock = threading.Lock()
        self._entries: dict[str, dict] = {}

    def get(self, name: str) -> Any:
        with self._lock:
            entry = self._entries.get(name)
            owner = entry is None
            if owner:
                entry = self._entries[name] = {"done": threading.Event(), "value": None, "error": None}
        if owner:
            try:
                entry["value"] = self._providers[name](self)
            except Exception as error:  # kept and re-raised, named, to every area that needs this source
                entry["error"] = error
            finally:
                entry["done"].set()
        else:
            entry["done"].wait()
        if entry["error"] is not None:
            raise SourceFailed(name, entry["error"])
        return entry["value"]

    def values(self) -> dict[str, Any]:
        """Every source computed so far (for report): name -> value, failures left out."""
        with self._lock:
            items = list(self._entries.items())
        return {name: e["value"] for name, e in items if e["done"].is_set() and e["error"] is None}


@dataclass
class DoctorResult:
    python: TargetPython
    areas: list[Area]
    seconds: float
    gather: Gather | None = None

    @property
    def errors(self) -> int:
        return sum(1 for area in self.areas for f in area.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for area in self.areas for f in area.findings if f.severity == WARNING)

    def exit_code(self, strict: bool = False) -> int:
        return 1 if self.errors or (strict and self.warnings) else 0

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA,
            "python": self.python.to_dict(),
            "areas": [area.to_dict() for area in self.areas],
            "errors": self.errors,
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
        }


def run(
    python: TargetPython,
    specs: list[AreaSpec] | None = None,
    providers: dict[str, Callable[[Gather], Any]] | None = None,
    options: dict | None = None,
    area_timeout: float = AREA_TIMEOUT,
    on_event: Callable[[str, str, Area | None], None] | None = None,
) -> DoctorResult:
    """Run every area concurrently and wait at most `area_timeout` seconds for each.

    `on_event(key, "start" | "done", area)` is called from worker threads (for a live display).
    """
    specs = AREAS if specs is None else specs
    providers = PROVIDERS if providers is None else providers
    gather = Gather(python, providers, options)
    started = time.monotonic()
    results: dict[str, Area] = {}
    threads = []
    for spec in specs:
        thread = threading.Thread(target=_run_area, args=(spec, gather, results, on_event), daemon=True,
                                  name=f"doctor-{spec.key}")
        thread.start()
        threads.append((spec, thread))
    deadline = started + area_timeout
    areas = []
    for spec, thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
        area = results.get(spec.key)
        if area is None:  # still running at the deadline: named, and left behind
            area = _broken_area(
                spec, "AREA_TIMED_OUT", f"did not finish within {area_timeout:g} s",
                f"The {spec.title} check did not finish within {area_timeout:g} s and was abandoned; "
                "the other checks still report.",
                f"Run the single check for this area to see where it hangs (e.g. `{_single_command(spec.key)}`).",
            )
            area = area._replace(seconds=time.monotonic() - started)
            if on_event:
                on_event(spec.key, "done", area)
        areas.append(area)
    return DoctorResult(python, areas, time.monotonic() - started, gather)


def _run_area(spec: AreaSpec, gather: Gather, results: dict, on_event) -> None:
    if on_event:
        on_event(spec.key, "start", None)
    started = time.monotonic()
    try:
        area = spec.run(gather)
    except Exception as error:  # isolation: one broken area is a named ✗, never the end of doctor
        shown = error.error if isinstance(error, SourceFailed) else error
        where = f" while reading {error.name}" if isinstance(error, SourceFailed) else ""
        area = _broken_area(
            spec, "AREA_FAILED", f"the check itself failed{where}",
            f"The {spec.title} check failed{where}: {type(shown).__name__}: {shown}",
            f"Run `{_single_command(spec.key)}` for details; "
            "if it is envcheck's fault, report it with `envcheck report`.",
        )
    area = area._replace(seconds=time.monotonic() - started)
    results[spec.key] = area
    if on_event:
        on_event(spec.key, "done", area)


def _broken_area(spec: AreaSpec, code: str, summary: str, message: str, fix: str) -> Area:
    """An area that could not answer: a named error, so doctor still reports every other area."""
    return Area(spec.key, spec.title, summary, [Finding(code, ERROR, message, fix)])


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


def _cuda(g: Gather) -> dict:
    return cuda.check(g.python, include_tf=True, tf_timeout=g.options.get("tf_timeout", 90.0))


def _tf_python_range(g: Gather):
    tf = rules.installed_tensorflow(g.get("installed"))
    return tf_builds.python_range(tf.version if tf else None)


def python_area(g: Gather) -> Area:
    facts = python_env.read(g.python, g.get("scan")).to_dict()
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
    return rules.tensorflow_area(tf, installed.get("keras"), report.get("tensorflow"), g.python.executable,
                                 rules.findings_from(report.get("findings")))


def gpu_area(g: Gather) -> Area:
    return rules.gpu_area(g.get("cuda"))


def smoke_area(g: Gather) -> Area:
    backend = "tensorflow" if rules.installed_tensorflow(g.get("installed")) else "numpy"
    report = smoke.check(g.python, backend=backend, timeout=g.options.get("smoke_timeout", 120.0))
    return rules.smoke_area(report)


def system_area(g: Gather) -> Area:
    return rules.system_area(system.read(disk_path=g.python.prefix))


PROVIDERS: dict[str, Callable[[Gather], Any]] = {
    "scan": _scan,
    "installed": _installed,
    "cuda": _cuda,
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
