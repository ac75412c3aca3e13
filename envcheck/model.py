"""Shared records: a finding (code, severity, message with the numbers, fix) and the helpers around it."""

from __future__ import annotations

from typing import NamedTuple  # not dataclasses: ~15 ms less start-up on the fast paths

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)


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
