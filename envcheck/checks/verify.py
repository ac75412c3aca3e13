"""envcheck verify: probes + verify's rules, one VerifyReport (an Outcome per requirement).

Each part of a profile runs as an area of doctor's engine, so parts run concurrently and in
isolation: one that raises or hangs becomes a FAIL naming why, and every other part still reports.
Only what is asked for runs: no [gpu] table, no GPU check; no required smoke test, no training.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from envcheck.checks import doctor
from envcheck.checks.doctor import Area, AreaSpec, Gather
from envcheck.diagnose import verify as rules
from envcheck.model import ERROR, FAIL, NOT_CHECKED, PASS, SKIP, Outcome
from envcheck.profile import Profile
from envcheck.target import TargetPython

SCHEMA = "envcheck.verify/1"


class VerifyReport(NamedTuple):
    python: TargetPython
    profile: Profile | None
    outcomes: tuple[Outcome, ...]
    seconds: float

    @property
    def name(self) -> str:
        """What was verified against, for the tally and the JUnit suite: the profile's name."""
        return self.profile.name if self.profile else ""

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def passed(self) -> bool:
        return self.count(FAIL) == 0

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, "profile": self.name or None, "path": self.profile.path if self.profile else None,
                "python": self.python.to_dict(), "passed": self.passed,
                "counts": {status: self.count(status) for status in (PASS, FAIL, SKIP, NOT_CHECKED)},
                "requirements": [outcome.to_dict() for outcome in self.outcomes], "seconds": round(self.seconds, 3)}


def _spec(key: str, title: str, rule: Callable[[Gather], Outcome | list[Outcome]]) -> AreaSpec:
    """An area whose answer is one or more Outcomes, kept in its facts."""
    def run(g: Gather) -> Area:
        answer = rule(g)
        outcomes = answer if isinstance(answer, list) else [answer]
        return Area(key, title, "", facts={"outcomes": outcomes})

    return AreaSpec(key, title, run)


def _system_outcome(system: dict, g: Gather) -> Outcome:
    from envcheck.probes import system as system_probe

    return rules.system_rule(system, system_probe.read(disk_path=g.python.prefix))


def _smoke_outcome(smoke_options: dict, g: Gather) -> Outcome:
    from envcheck.checks import smoke  # smoke-train's library function

    report = smoke.check(g.python, backend=smoke_options.get("backend", "tensorflow"), device=smoke_options.get("device", "auto"),
                         timeout=g.options.get("smoke_timeout", 120.0))
    return rules.smoke_rule(smoke_options, report)


def specs(profile: Profile) -> list[AreaSpec]:
    """The profile's requirements as areas, in the profile's order."""
    result = []
    if profile.python:
        result.append(_spec("python", rules.python_title(profile.python), lambda g: rules.python_rule(profile.python, g.python.version_text)))
    for name, spec in profile.packages.items():
        result.append(_spec(f"package:{name}", rules.package_title(name, spec),
                            lambda g, name=name, spec=spec: rules.package_rule(name, spec, g.get("installed"), g.python.executable)))
    if profile.gpu:
        result.append(_spec("gpu", rules.gpu_title(profile.gpu), lambda g: rules.gpu_rule(profile.gpu, g.get("cuda"))))
    if profile.system:
        result.append(_spec("system", rules.system_title(profile.system), lambda g: _system_outcome(profile.system, g)))
    if profile.smoke.get("required"):
        result.append(_spec("smoke", rules.smoke_title(profile.smoke), lambda g: _smoke_outcome(profile.smoke, g)))
    return result


def _outcomes(area: Area) -> list[Outcome]:
    """The area's outcomes; an area that raised or timed out is one FAIL naming why (AREA_FAILED / _TIMED_OUT)."""
    if "outcomes" in area.facts:
        return [o._replace(seconds=area.seconds) for o in area.facts["outcomes"]]
    failure = next(f for f in area.findings if f.severity == ERROR)
    return [Outcome(area.title, FAIL, failure.message, failure.fix, seconds=area.seconds)]


def verify(python: TargetPython, profile: Profile, on_event=None) -> VerifyReport:
    result = doctor.run(python, specs(profile), doctor.PROVIDERS, on_event=on_event)
    outcomes = tuple(outcome for area in result.areas for outcome in _outcomes(area))
    return VerifyReport(python, profile, outcomes, result.seconds)
