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


# --- the machine (probes/system reads it; diagnose rules use it) ------------------------------

# Instruction sets TensorFlow's x86-64 wheels are built for (AVX since 1.6; the 2.x wheels also use
# AVX2/FMA where present). Without AVX, `import tensorflow` dies with SIGILL.
TF_CPU_FLAGS = ("avx", "avx2", "fma", "avx512f")


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
# The finding code and severity of a requirement that fails (AREA_FAILED / AREA_TIMED_OUT when its check could not run).
NOT_MET = ("REQUIREMENT_NOT_MET", ERROR)


class Outcome(NamedTuple):
    requirement: str  # as the user wrote it: "python >=3.10", "package numpy>=1.26", "tensorflow[and-cuda]>=2.16"
    status: str  # PASS / FAIL / SKIP / NOT_CHECKED
    detail: str  # what was found, or what is wrong (with the numbers)
    fix: str | None = None  # the one command that fixes a FAIL
    source: str | None = None  # FILE:LINE the requirement came from (requirement files)
    seconds: float = 0.0
    code: str | None = None  # a FAIL's finding code when it is not REQUIREMENT_NOT_MET (AREA_FAILED, AREA_TIMED_OUT)

    @property
    def title(self) -> str:
        """The requirement as a user finds it again: `FILE:LINE requirement` when it came from a file."""
        return f"{self.source} {self.requirement}" if self.source else self.requirement

    @property
    def passed(self) -> bool | None:
        """True for PASS and SKIP, False for FAIL, None when it was not checked."""
        return None if self.status == NOT_CHECKED else self.status != FAIL

    @property
    def finding_code(self) -> str | None:
        """The stable code of a FAIL (REQUIREMENT_NOT_MET unless its check could not run); None otherwise."""
        return (self.code or NOT_MET[0]) if self.status == FAIL else None

    def to_dict(self) -> dict:
        return {
            "requirement": self.requirement, "status": self.status, "code": self.finding_code, "passed": self.passed,
            "detail": self.detail, "fix": self.fix, "source": self.source, "seconds": round(self.seconds, 3),
        }


# --- records off the fast paths --------------------------------------------------------------
# Doctor's, smoke-train's and the environment's records (Area, DoctorReport, SmokeReport, SmokeCheck,
# Installed, Broken, PythonFacts, Cpu, SystemFacts) are defined in envcheck/model_doctor.py and loaded
# on first use (PEP 562): building a NamedTuple class costs ~0.1 ms, and check-cuda --no-tf, which
# imports this module, uses none of them. Import them from here as from any record's home.
_ELSEWHERE = frozenset({"Area", "DoctorReport", "SmokeCheck", "SmokeReport", "Broken", "Installed", "PythonFacts",
                        "Cpu", "SystemFacts"})


def __getattr__(name: str):
    if name in _ELSEWHERE:
        from envcheck import model_doctor  # first use of an off-fast-path record (see above)

        return getattr(model_doctor, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
