"""envcheck verify: probes + verify's rules, one VerifyReport (an Outcome per requirement).

Requirements come from a profile (profile.py) and from requirement files (requirements.txt format or
pyproject.toml, probes/requirements_file.py), read and checked for errors before anything runs. Each
part of a profile, and all the requirement files together, run as areas of doctor's engine: concurrently
and in isolation, so one that raises or hangs becomes a FAIL naming why and every other part still
reports. Only what is asked for runs: no [gpu] table, no GPU check; no required smoke test, no training.
Packages are checked offline from the installed metadata, with markers evaluated for the target
interpreter (its own marker environment, asked once per run).
"""

from __future__ import annotations

import os
from typing import Callable, NamedTuple

from envcheck import target
from envcheck.checks import doctor
from envcheck.checks.doctor import AreaSpec, Gather
from envcheck.diagnose import verify as rules
from envcheck.errors import UsageError
from envcheck.i18n import _
from envcheck.model import ERROR, FAIL, NOT_CHECKED, PASS, SKIP, Area, Outcome
from envcheck.probes import requirements, requirements_file
from envcheck.profile import Profile
from envcheck.target import TargetPython

SCHEMA = "envcheck.verify/1"


class VerifyReport(NamedTuple):
    python: TargetPython
    profile: Profile | None
    outcomes: tuple[Outcome, ...]
    seconds: float
    files: tuple[str, ...] = ()  # requirement files, as named on the command line
    extras: tuple[str, ...] = ()  # pyproject optional-dependency groups asked for

    @property
    def name(self) -> str:
        """What was verified against, for the tally and the JUnit suite: the profile's name and the files."""
        return ", ".join(([self.profile.name] if self.profile else []) + list(self.files))

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def passed(self) -> bool:
        return self.count(FAIL) == 0

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA,
            "profile": self.profile.name if self.profile else None,
            "path": self.profile.path if self.profile else None,
            "requirements_files": list(self.files),
            "extras": list(self.extras),
            "python": self.python.to_dict(),
            "passed": self.passed,
            "counts": {status: self.count(status) for status in (PASS, FAIL, SKIP, NOT_CHECKED)},
            "requirements": [outcome.to_dict() for outcome in self.outcomes],
            "seconds": round(self.seconds, 3),
        }


def _spec(key: str, title: str, rule: Callable[[Gather], Outcome | list[Outcome]]) -> AreaSpec:
    """An area whose answer is one or more Outcomes, kept in its facts."""

    def run(g: Gather) -> Area:
        answer = rule(g)
        outcomes = answer if isinstance(answer, list) else [answer]
        return Area(key, title, "", facts={"outcomes": outcomes})

    return AreaSpec(key, title, run)


def _system_outcome(system: dict, g: Gather) -> Outcome:
    from envcheck.probes import system as system_probe  # psutil: only when a [system] requirement is checked

    return rules.system_rule(system, system_probe.read(disk_path=g.python.prefix))


def _smoke_outcome(smoke_options: dict, g: Gather) -> Outcome:
    from envcheck.checks import smoke  # smoke-train's library function

    report = smoke.run(
        g.python,
        backend=smoke_options.get("backend", "tensorflow"),
        device=smoke_options.get("device", "auto"),
        timeout=g.options.get("smoke_timeout", 120.0),
    )
    return rules.smoke_rule(smoke_options, report)


def _code_outcome(paths: list[str], title: str, g: Gather) -> Outcome:
    from envcheck.checks import code  # check-code's library function, only for a profile with [code]

    area = code.area(paths, g, title=title)
    failure = next((f for f in area.findings if f.severity == ERROR), None)
    if failure is None:
        return Outcome(title, PASS, area.summary)
    return Outcome(title, FAIL, f"{area.summary}; first: {failure.message}", failure.fix)


def specs(profile: Profile) -> list[AreaSpec]:
    """The profile's requirements as areas, in the profile's order."""
    result = []
    if profile.python:
        result.append(
            _spec(
                "python",
                rules.python_title(profile.python),
                lambda g: rules.python_rule(profile.python, g.python.version_text),
            )
        )
    for name, spec in profile.packages.items():
        result.append(
            _spec(
                f"package:{name}",
                rules.package_title(name, spec),
                lambda g, name=name, spec=spec: rules.package_rule(
                    name, spec, g.get("installed"), g.get("markers"), g.python.executable
                ),
            )
        )
    if profile.gpu:
        result.append(_spec("gpu", rules.gpu_title(profile.gpu), lambda g: rules.gpu_rule(profile.gpu, g.get("cuda"))))
    if profile.system:
        result.append(_spec("system", rules.system_title(profile.system), lambda g: _system_outcome(profile.system, g)))
    if profile.code:
        shown = ", ".join(os.path.relpath(path) for path in profile.code)
        title = f"course code in {shown}"  # a requirement's name, as the profile's: the same in every language
        result.append(_spec("code", title, lambda g: _code_outcome(list(profile.code), title, g)))
    if profile.smoke.get("required"):
        result.append(_spec("smoke", rules.smoke_title(profile.smoke), lambda g: _smoke_outcome(profile.smoke, g)))
    return result


def _file_outcomes(entries: list, g: Gather) -> list[Outcome]:
    """Every requirement-file line: requirements first walked (what they need is what constraints limit)."""
    installed, environment, executable = g.get("installed"), g.get("markers"), g.python.executable
    outcomes: list[Outcome | None] = []
    needed: set = set()  # what the requirements need: the only distributions constraints limit
    constraints = any(entry.kind == requirements_file.CONSTRAINT for entry in entries)
    for entry in entries:
        if entry.kind == requirements_file.REQUIREMENT:
            requirement = entry.requirement()
            outcomes.append(
                rules.requirement_rule(requirement, installed, environment, executable, entry.text, entry.source)
            )
            if constraints and rules.marker_holds(requirement.marker, environment):
                needed |= rules.closure(requirement, installed, environment).names
        elif entry.kind == requirements_file.NOT_CHECKED:
            outcomes.append(Outcome(entry.text, NOT_CHECKED, entry.reason or "", source=entry.source))
        else:
            outcomes.append(None)  # a constraint: once every requirement has been walked
    return [
        outcome
        or rules.constraint_rule(
            entry.requirement(), installed, environment, frozenset(needed), executable, entry.text, entry.source
        )
        for entry, outcome in zip(entries, outcomes)
    ]


def read_files(paths, extras=()) -> list:
    """The entries of every requirement file (pyproject.toml by its name, else pip's format), in order.

    RequirementsFileError (exit 2) for a file that cannot be used; UsageError for --extra without a pyproject.toml.
    """
    def is_pyproject(path: str) -> bool:
        return path.endswith(".toml")

    if extras and not any(is_pyproject(path) for path in paths):
        raise UsageError(
            _("--extra names a [project.optional-dependencies] group: give a pyproject.toml with --requirements")
        )
    entries = []
    for path in paths:
        entries += (
            requirements_file.read_pyproject(path, tuple(extras))
            if is_pyproject(path)
            else requirements_file.read(path)
        )
    return entries


def _outcomes(area: Area) -> list[Outcome]:
    """The area's outcomes; an area that raised or timed out is one FAIL naming why (AREA_FAILED / _TIMED_OUT)."""
    if "outcomes" in area.facts:
        return [o._replace(seconds=area.seconds) for o in area.facts["outcomes"]]
    failure = next(f for f in area.findings if f.severity == ERROR)
    return [Outcome(area.title, FAIL, failure.message, failure.fix, seconds=area.seconds, code=failure.code)]


def _markers(g: Gather) -> dict:
    return requirements.target_marker_environment(g.python.executable)


PROVIDERS = {**doctor.PROVIDERS, "markers": _markers}


def verify(
    python: TargetPython | str | None, profile: Profile | None = None, files=(), extras=(), on_event=None
) -> VerifyReport:
    """Check an environment against a profile and/or requirement files (paths) with pyproject `extras`.

    `python`: an interpreter's path or venv directory, None for this interpreter, or a TargetPython.
    Every file is read and checked before anything runs: a bad one raises a UsageError (exit 2).
    """
    if not isinstance(python, TargetPython):
        python = target.resolve(python)
    entries = read_files(list(files), extras)
    if files and not entries and profile is None:  # "0 of 0 met", exit 0, would pass a CI that checked nothing
        raise UsageError(_("{files}: no requirements in it, so nothing to check: list the packages the course "
                           "needs").format(files=", ".join(files)))
    area_specs = specs(profile) if profile else []
    if entries:
        area_specs.append(
            _spec("requirements", f"requirements from {', '.join(files)}",  # a requirement's name: never translated
                  lambda g: _file_outcomes(entries, g))
        )
    result = doctor.run(python, area_specs, PROVIDERS, on_event=on_event)
    outcomes = tuple(outcome for area in result.areas for outcome in _outcomes(area))
    return VerifyReport(python, profile, outcomes, result.seconds, tuple(files), tuple(extras))
