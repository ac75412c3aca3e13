"""Shared records: a finding (code, severity, message with the numbers, fix), the facts that cross
layers (installed distributions, the machine), a doctor area, and the helpers around them.

Convention (CONTRIBUTING.md): a record is a `typing.NamedTuple` with a `to_dict()` method. It is
cheap to import (no dataclasses on the fast paths), immutable, and JSON only at the edge.
"""

from __future__ import annotations

from typing import Any, NamedTuple  # not dataclasses: ~15 ms less start-up on the fast paths

from envcheck import exitcodes

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)
OK = "ok"  # an area or a check with no error and no warning


class Finding(NamedTuple):
    code: str  # stable, e.g. DRIVER_TOO_OLD
    severity: str  # error / warning / info
    message: str  # what is wrong, with the numbers
    fix: str | None = None  # the command or step that fixes it

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "message": self.message, "fix": self.fix}


def pip_install(python: str, *requirements: str) -> str:
    """The fix command that installs `requirements` into `python`, quoted for a POSIX shell."""
    quoted = " ".join(f"'{req}'" if any(c in req for c in "<>=!~;[ *") else req for req in requirements)
    return f"{python} -m pip install {quoted}"


def worst(findings) -> str | None:
    """The most severe severity among findings, or None when there are none."""
    present = {finding.severity for finding in findings}
    return next((severity for severity in SEVERITIES if severity in present), None)


def status(findings) -> str:
    """ok / warning / error: the worst finding's severity, where info counts as ok."""
    level = worst(findings)
    return level if level in (ERROR, WARNING) else OK


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

# Instruction sets TensorFlow's x86-64 wheels are built for (AVX since 1.6; the 2.x wheels also use
# AVX2/FMA where present). Without AVX, `import tensorflow` dies with SIGILL.
TF_CPU_FLAGS = ("avx", "avx2", "fma", "avx512f")


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


def gib(value: int | None) -> str:
    """Bytes as a short GiB figure for humans ("23 GiB", "0.5 GiB"); "?" when unknown."""
    if value is None:
        return "?"
    amount = value / 2**30
    return f"{amount:.0f} GiB" if amount >= 10 else f"{amount:.1f} GiB"


# What `envcheck verify` says of one requirement.
PASS = "pass"  # it holds
FAIL = "fail"  # it does not: detail says why, fix says what to run
SKIP = "skip"  # its environment marker is false for the target interpreter, so it does not apply here
NOT_CHECKED = "not-checked"  # envcheck cannot check it offline (a URL, a VCS link, a local path, -e): detail says why


class Outcome(NamedTuple):
    requirement: str  # as the user wrote it: "python >=3.10", "package numpy>=1.26", "tensorflow[and-cuda]>=2.16"
    status: str  # PASS / FAIL / SKIP / NOT_CHECKED
    detail: str  # what was found, or what is wrong (with the numbers)
    fix: str | None = None  # the one command that fixes a FAIL
    source: str | None = None  # FILE:LINE the requirement came from (requirement files)
    seconds: float = 0.0

    @property
    def title(self) -> str:
        """The requirement as a user finds it again: `FILE:LINE requirement` when it came from a file."""
        return f"{self.source} {self.requirement}" if self.source else self.requirement

    @property
    def passed(self) -> bool | None:
        """True for PASS and SKIP, False for FAIL, None when it was not checked."""
        return None if self.status == NOT_CHECKED else self.status != FAIL

    def to_dict(self) -> dict:
        return {"requirement": self.requirement, "status": self.status, "passed": self.passed, "detail": self.detail,
                "fix": self.fix, "source": self.source, "seconds": round(self.seconds, 3)}
