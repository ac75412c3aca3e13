"""Shared records: a finding (code, severity, message with the numbers, fix), the facts that cross
layers (installed distributions, the machine), a doctor area, and the helpers around them.

Convention (CONTRIBUTING.md): a record is a `typing.NamedTuple` with a `to_dict()` method. It is
cheap to import (no dataclasses on the fast paths), immutable, and JSON only at the edge.
"""

from __future__ import annotations

from typing import NamedTuple  # not dataclasses: ~15 ms less start-up on the fast paths

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
