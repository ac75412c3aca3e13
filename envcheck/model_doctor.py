"""The records doctor, smoke-train, report and verify share, off the fast paths: a doctor area and
report, smoke-train's report, installed distributions, the interpreter and the machine.

Import them from `envcheck.model` (which loads this module on first use); see that module for the
record convention (typing.NamedTuple with to_dict()).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from envcheck import exitcodes
from envcheck.model import ERROR, TF_CPU_FLAGS, WARNING, status


class Area(NamedTuple):
    """One line of doctor (or one requirement of verify): the answer for an area, its findings, its facts."""

    key: str  # stable: python, packages, numpy, tensorflow, gpu, smoke, system
    title: str  # for people: "Smoke training"
    summary: str  # one line: the answer for this area
    findings: list = []  # list[Finding]; never mutated in place
    facts: dict = {}  # JSON-able facts behind the summary; never mutated in place
    seconds: float = 0.0

    @property
    def status(self) -> str:
        return status(self.findings)

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "status": self.status,
            "summary": self.summary,
            "findings": [finding.to_dict() for finding in self.findings],
            "facts": self.facts,
            "seconds": round(self.seconds, 3),
        }


class DoctorReport(NamedTuple):
    """envcheck doctor's answer: one Area per check, in order, and what the shared sources gathered."""

    SCHEMA = "envcheck.doctor/1"

    python: Any  # envcheck.target.TargetPython: the inspected interpreter
    areas: tuple  # tuple[Area, ...]
    seconds: float
    sources: dict = {}  # name -> value of each shared source that answered (report reads "installed")

    @property
    def errors(self) -> int:
        return sum(1 for area in self.areas for f in area.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for area in self.areas for f in area.findings if f.severity == WARNING)

    def exit_code(self, strict: bool = False) -> int:
        return exitcodes.NOT_OK if self.errors or (strict and self.warnings) else exitcodes.OK

    def to_dict(self) -> dict:
        return {
            "schema": self.SCHEMA,
            "python": self.python.to_dict(),
            "areas": [area.to_dict() for area in self.areas],
            "errors": self.errors,
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
        }


class SmokeCheck(NamedTuple):
    """One of smoke-train's checks (forward, gradients, learning, device, gradient flow, ...)."""

    name: str
    passed: bool
    detail: str

    def to_dict(self) -> dict:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


class SmokeReport(NamedTuple):
    """smoke-train's answer (`envcheck.smoke-train/1`): passed, the checks, and what the child measured."""

    SCHEMA = "envcheck.smoke-train/1"

    passed: bool
    failure: str | None  # in words, or None
    fix: str | None
    backend: str
    task: str
    activation: str
    device_requested: str
    device: str | None  # where it trained ("CPU:0"), None when it never got that far
    python: dict  # the inspected interpreter (TargetPython.to_dict())
    versions: dict  # python, numpy, tensorflow
    checks: tuple  # tuple[SmokeCheck, ...]
    timings: dict  # import_s, checks_s, train_s, total_s, wall_s
    details: dict = {}  # the child's other facts, in its order: network, loss_curve, initial_loss, ...

    @property
    def network(self) -> dict:
        return self.details.get("network") or {}

    @property
    def loss_curve(self) -> list:
        return self.details.get("loss_curve") or []

    @property
    def initial_loss(self) -> float | None:
        return self.details.get("initial_loss")

    @property
    def final_loss(self) -> float | None:
        return self.details.get("final_loss")

    @property
    def steps(self) -> int | None:
        return self.details.get("steps")

    @property
    def failed_names(self) -> list:
        return [check.name for check in self.checks if not check.passed]

    def to_dict(self) -> dict:
        return {
            "schema": self.SCHEMA,
            "passed": self.passed,
            "failure": self.failure,
            "fix": self.fix,
            "backend": self.backend,
            "task": self.task,
            "activation": self.activation,
            "device_requested": self.device_requested,
            "device": self.device,
            "python": self.python,
            "versions": self.versions,
            "checks": [check.to_dict() for check in self.checks],
            "timings": self.timings,
            **self.details,
        }

    @classmethod
    def from_dict(cls, data: dict) -> SmokeReport:
        """A report read back from its JSON (another process's, a saved file): the one place a dict
        becomes a SmokeReport. Missing keys take smoke-train's defaults."""
        fields = set(cls._fields) | {"schema"}
        return cls(
            passed=bool(data.get("passed")),
            failure=data.get("failure"),
            fix=data.get("fix"),
            backend=data.get("backend", "tensorflow"),
            task=data.get("task", "xor"),
            activation=data.get("activation", "relu"),
            device_requested=data.get("device_requested", "auto"),
            device=data.get("device"),
            python=data.get("python") or {},
            versions=data.get("versions") or {},
            checks=tuple(SmokeCheck(c.get("name", "?"), bool(c.get("passed")), c.get("detail", ""))
                         for c in data.get("checks") or []),
            timings=data.get("timings") or {},
            details={key: value for key, value in data.items() if key not in fields},
        )


# --- installed distributions (probes/requirements reads them; diagnose rules use them) ---------


class Broken(NamedTuple):
    """One line of `pip check`."""

    name: str  # canonical name of the distribution that requires
    version: str
    requirement: str  # as written in its metadata, normalised by packaging
    dependency: str  # canonical name of what it requires
    installed: str | None  # the installed version, or None when missing

    def line(self) -> str:
        if self.installed is None:
            return f"{self.name} {self.version} requires {self.dependency}, which is not installed."
        return (
            f"{self.name} {self.version} has requirement {self.requirement}, "
            f"but you have {self.dependency} {self.installed}."
        )

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "requirement": self.requirement,
            "dependency": self.dependency,
            "installed": self.installed,
        }


class Installed(NamedTuple):
    """A distribution with what it requires: enough for pip check and for version-fit rules."""

    name: str  # canonical
    display_name: str
    version: str
    requires: tuple  # tuple[str, ...]: raw Requires-Dist strings
    requires_python: str | None
    extras: tuple = ()  # tuple[str, ...]: Provides-Extra, as written (an egg-info's requires.txt sections)

    def to_dict(self) -> dict:
        return {"name": self.display_name, "version": self.version, "requires": list(self.requires),
                "requires_python": self.requires_python, "extras": list(self.extras)}


# --- the interpreter (probes/python_env reads it; diagnose rules use it) ---------------------


class PythonFacts(NamedTuple):
    executable: str
    version: str
    implementation: str
    prefix: str
    kind: str  # "venv", "conda", "system"
    env_name: str | None  # the venv or conda env's directory name
    pip_version: str | None  # None when pip is not installed in the environment

    def to_dict(self) -> dict:
        return {
            "executable": self.executable,
            "version": self.version,
            "implementation": self.implementation,
            "prefix": self.prefix,
            "kind": self.kind,
            "env_name": self.env_name,
            "pip": self.pip_version,
        }


# --- the machine (probes/system reads it; diagnose rules use it) ------------------------------


class Cpu(NamedTuple):
    model: str | None
    logical_cpus: int | None
    flags: frozenset = frozenset()  # frozenset[str]
    machine: str = ""

    def has(self, flag: str) -> bool:
        return flag in self.flags

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "logical_cpus": self.logical_cpus,
            "machine": self.machine,
            "instruction_sets": {flag: flag in self.flags for flag in TF_CPU_FLAGS} if self.flags else None,
        }


class SystemFacts(NamedTuple):
    cpu: Cpu
    ram_total: int | None  # bytes
    ram_available: int | None
    disk_free: int | None  # bytes free where the environment lives
    disk_path: str | None
    os_name: str | None  # "Ubuntu 24.04.3 LTS"
    kernel: str | None
    wsl: bool

    def to_dict(self) -> dict:
        return {
            "cpu": self.cpu.to_dict(),
            "ram_total_bytes": self.ram_total,
            "ram_available_bytes": self.ram_available,
            "disk_free_bytes": self.disk_free,
            "disk_path": self.disk_path,
            "os": self.os_name,
            "kernel": self.kernel,
            "wsl": self.wsl,
        }
