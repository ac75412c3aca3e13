"""envcheck verify's rules: one requirement and the facts it needs in, one Outcome out. No I/O.

The facts come from checks/verify.py: the target's Python version, its installed distributions
(probes.requirements.Installed), check-cuda's report, the system probe's facts, a smoke report.
"""

from __future__ import annotations

import shlex
from typing import NamedTuple, Optional  # Optional: a runtime alias on Python 3.9

from envcheck.i18n import N_, _
from envcheck.i18n import gettext as translate
from envcheck.model import FAIL, PASS, SKIP, Outcome, SmokeReport, gib, pip_install


def _pass(requirement: str, detail: str) -> Outcome:
    return Outcome(requirement, PASS, detail)


def _fail(requirement: str, detail: str, fix: str | None) -> Outcome:
    return Outcome(requirement, FAIL, detail, fix)


PYTHON_CHOICES = ("3.13", "3.12", "3.11", "3.10", "3.9", "3.14", "3.15")


def python_title(spec: str) -> str:
    return f"python {spec}"


def python_rule(spec: str, version: str) -> Outcome:
    """The target's Python version (e.g. "3.11.7") against a PEP 440 specifier."""
    from packaging.specifiers import SpecifierSet  # PEP 440

    title = python_title(spec)
    if SpecifierSet(spec).contains(version, prereleases=True):
        return _pass(title, f"Python {version}")
    # A version to type in the fix: the newest the profile accepts, TensorFlow 2.21's 3.10-3.13 first.
    wanted = next((v for v in PYTHON_CHOICES if SpecifierSet(spec).contains(f"{v}.0", prereleases=True)), "<version>")
    return _fail(
        title,
        _("Python {version} is not in {spec}.").format(version=version, spec=spec),
        _("Create the environment with a Python in {spec}, e.g. `{command}`, then rerun {script}.").format(
            spec=spec, command=f"uv venv --python {wanted} .venv", script="scripts/setup-venv.sh"),
    )


def package_title(name: str, spec: str) -> str:
    return f"package {name}{spec}"


def package_rule(name: str, spec: str, installed: dict, environment: dict, executable: str) -> Outcome:
    """A profile's `name = spec` (the name may carry extras): requirement_rule under the profile's title."""
    from packaging.requirements import Requirement  # PEP 508: the name may carry extras, tensorflow[and-cuda]

    return requirement_rule(Requirement(f"{name}{spec}"), installed, environment, executable)._replace(
        requirement=package_title(name, spec)
    )


Needs = tuple[tuple[str, Optional[str]], ...]  # (what, who needs it: "alpha[gpu]", or None for the line itself)


class Closure(NamedTuple):
    """What a requirement needs, walked through the installed metadata."""

    names: frozenset  # canonical names of every installed distribution it reached
    missing: Needs  # requirements (as declared) that no installed distribution meets by name
    wrong: Needs  # installed at another version: "numpy 2.4.6, not <2"
    unknown_extras: tuple[str, ...]  # extras asked for that the distribution does not declare ("tensorflow[cdua]")


def closure(requirement, installed: dict, environment: dict) -> Closure:
    """Walk `requirement` and all it needs (Requires-Dist, with the extras asked for), recursively.

    `installed`: canonical name -> probes.requirements.Installed. `environment`: the target's PEP 508
    marker environment. A dependency applies when its marker holds for the target with `extra` empty
    (the distribution's own requirements) or set to one of the extras asked of that distribution. A
    distribution at the wrong version is not walked further (its metadata is not the one required).
    Pre-releases count as matching, as in `pip check`.
    """
    from packaging.requirements import InvalidRequirement, Requirement  # PEP 508, as pip parses Requires-Dist
    from packaging.utils import canonicalize_name

    names, missing, wrong, unknown = set(), {}, {}, []
    walked: set = set()
    queue = [(requirement, None)]
    while queue:
        req, parent = queue.pop(0)
        name = canonicalize_name(req.name)
        dist = installed.get(name)
        if dist is None:
            missing.setdefault(name, (_without_marker(req), parent))
            continue
        names.add(name)
        if not req.specifier.contains(dist.version, prereleases=True):
            wrong.setdefault(name, (f"{dist.display_name} {dist.version}, not {req.specifier}", parent))
            continue
        extras = {canonicalize_name(extra) for extra in req.extras}
        declared = {canonicalize_name(extra) for extra in dist.extras}
        unknown += [f"{dist.display_name}[{extra}]" for extra in sorted(extras - declared)]
        new = {extra for extra in {""} | extras if (name, extra) not in walked}  # each (distribution, extra) once
        if not new:
            continue
        walked.update((name, extra) for extra in new)
        label = f"{dist.display_name}[{','.join(sorted(extras))}]" if extras else dist.display_name
        for line in dist.requires:
            try:
                dep = Requirement(line)
            except InvalidRequirement:
                continue  # doctor's Packages line reports unparsable metadata; nothing to check here
            if dep.marker is None:
                applies = "" in new
            else:
                applies = any(dep.marker.evaluate({**environment, "extra": extra}) for extra in new)
            if applies:
                queue.append((dep, label))
    return Closure(frozenset(names), tuple(missing.values()), tuple(wrong.values()), tuple(unknown))


def _by_parent(pairs) -> dict:
    """(item, who needs it) pairs grouped by who needs them, in order."""
    groups: dict = {}
    for item, parent in pairs:
        groups.setdefault(parent, []).append(item)
    return groups


def _without_marker(req) -> str:
    """name[extras]specifier (or `name @ url`): what to install, without the marker that selected it."""
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    return f"{req.name}{extras} @ {req.url}" if req.url else f"{req.name}{extras}{req.specifier}"


def marker_holds(marker, environment: dict) -> bool:
    """A requirement line's own marker, for the target (`extra` empty): None holds everywhere."""
    return marker is None or marker.evaluate({**environment, "extra": ""})


def _marker_skip(title: str, requirement, environment: dict, source: str | None) -> Outcome:
    """SKIP for a line whose marker is false for the target, saying the marker and the facts it read."""
    why = _("marker false here: {marker} ({facts})").format(
        marker=requirement.marker, facts=_marker_facts(requirement.marker, environment))
    return Outcome(title, SKIP, why, source=source)


def _marker_facts(marker, environment: dict) -> str:
    """The target's values of the variables `marker` tests: "sys_platform linux, python_version 3.11"."""
    text = str(marker)
    used = [key for key in environment if key != "extra" and key in text]
    return ", ".join(f"{key} {environment[key]}" for key in used)


def requirement_rule(
    requirement, installed: dict, environment: dict, executable: str, text: str | None = None, source: str | None = None
) -> Outcome:
    """One PEP 508 requirement (packaging's Requirement) against the target environment.

    SKIP when its marker is false for the target; PASS when the distribution is installed at a matching
    version and everything it needs (with the extras asked for) is too; else FAIL naming what is missing
    or at the wrong version, with the one install command that fixes all of it.
    """
    from packaging.utils import canonicalize_name  # names as pip compares them

    title = text or str(requirement)
    if not marker_holds(requirement.marker, environment):
        return _marker_skip(title, requirement, environment, source)
    found = closure(requirement, installed, environment)
    fix = pip_install(executable, _without_marker(requirement))
    top = installed.get(canonicalize_name(requirement.name))
    if top is None:
        return Outcome(title, FAIL, _("{name} is not installed.").format(name=requirement.name), fix, source)
    if not requirement.specifier.contains(top.version, prereleases=True):
        return Outcome(
            title, FAIL, _("{name} {version} is installed, not {specifier}.").format(
                name=top.display_name, version=top.version, specifier=requirement.specifier), fix, source
        )
    note = ""
    if found.unknown_extras:
        note = _("; {extras}: no such extra (pip ignores it)").format(extras=", ".join(found.unknown_extras))
    if not found.missing and not found.wrong:
        extras = _(" with [{extras}]").format(extras=",".join(sorted(requirement.extras))) if requirement.extras else ""
        return Outcome(title, PASS, f"{top.display_name} {top.version}{extras}" + note, source=source)
    parts = [
        what.format(count=len(items), parent=parent, items=", ".join(items))
        for what, pairs in ((_("missing {count} for {parent}: {items}"), found.missing),
                            (_("wrong version {count} for {parent}: {items}"), found.wrong))
        for parent, items in _by_parent(pairs).items()
    ]
    return Outcome(
        title,
        FAIL,
        _("{name} {version} is installed, but not all it needs: {parts}{note}.").format(
            name=top.display_name, version=top.version, parts="; ".join(parts), note=note),
        fix,
        source,
    )


def constraint_rule(
    requirement,
    installed: dict,
    environment: dict,
    needed: frozenset,
    executable: str,
    text: str | None = None,
    source: str | None = None,
) -> Outcome:
    """A constraint (`-c` file line): it limits the version of a distribution the requirements need.

    PASS when that distribution is installed at a matching version, FAIL when at another, SKIP when
    its marker is false or nothing the requirements need is that distribution (as pip ignores it).
    """
    from packaging.utils import canonicalize_name  # names as pip compares them

    title = text or str(requirement)
    if not marker_holds(requirement.marker, environment):
        return _marker_skip(title, requirement, environment, source)
    dist = installed.get(canonicalize_name(requirement.name))
    if dist is None or dist.name not in needed:
        return Outcome(title, SKIP, _("a constraint, and no requirement here needs {name}").format(
            name=requirement.name), source=source)
    if not requirement.specifier.contains(dist.version, prereleases=True):
        return Outcome(
            title,
            FAIL,
            _("{name} {version} is installed, not {specifier} (a constraint).").format(
                name=dist.display_name, version=dist.version, specifier=requirement.specifier),
            pip_install(executable, _without_marker(requirement)),
            source,
        )
    return Outcome(title, PASS, _("{name} {version} (a constraint)").format(name=dist.display_name,
                                                                           version=dist.version), source=source)


def gpu_title(gpu: dict) -> str:
    parts = ["gpu " + ("required" if gpu.get("required") else "optional")]
    if gpu.get("min_memory_gib") is not None:
        parts.append(f"≥ {gpu['min_memory_gib']:g} GiB")
    if gpu.get("min_compute_capability") is not None:
        parts.append(f"compute capability ≥ {gpu['min_compute_capability']}")
    return ", ".join(parts)


# check-cuda's fixes are written for "can this machine use its GPU"; where the profile requires a GPU that
# the machine lacks, "nothing to fix for CPU work" would not fit what was asked.
GPU_REQUIRED_FIXES = {
    "NO_GPU": N_("This profile requires an NVIDIA GPU and this machine has none: run it on a machine with one "
                 "(see `check-cuda` there), or use a profile that does not require a GPU (e.g. --profile cpu-course)."),
}


def gpu_rule(gpu: dict, report) -> Outcome:
    """check-cuda's verdict (its CudaReport) plus memory and compute capability of the GPUs it found."""
    from packaging.version import Version  # compute capabilities compare as versions: 10.0 > 9.0

    min_gib = gpu.get("min_memory_gib")
    min_cc = gpu.get("min_compute_capability")
    title = gpu_title(gpu)
    gpus = report.gpus
    detail = report.summary or _("{count} GPU(s)").format(count=len(gpus))
    problems = [f for f in report.findings if f.severity != "info" and f.fix]
    code, fix = (problems[0].code, problems[0].fix) if problems else (None, None)
    if not gpu.get("required", False):
        return _pass(title, detail + _(" (optional: not required by this profile)"))
    if not report.ready:
        required_fix = translate(GPU_REQUIRED_FIXES[code]) if code in GPU_REQUIRED_FIXES else fix
        return _fail(title, detail, required_fix or _("Run `{command}` for what to fix.").format(command="check-cuda"))
    fitting = [
        gpu_
        for gpu_ in gpus
        if (min_gib is None or (gpu_.memory_mib or 0) >= min_gib * 1024)
        and (min_cc is None
             or (gpu_.compute_capability and Version(str(gpu_.compute_capability)) >= Version(str(min_cc))))
    ]
    if not fitting:
        seen = (
            "; ".join(
                f"{x.name} {(x.memory_mib or 0) / 1024:.0f} GiB cc {x.compute_capability}"
                for x in gpus
            )
            or _("none")
        )
        return _fail(
            title, _("No GPU meets the profile (found: {seen}).").format(seen=seen),
            _("Use a machine with a bigger or newer NVIDIA GPU.")
        )
    return _pass(title, detail)


def system_title(system: dict) -> str:
    parts = []
    if "min_ram_gib" in system:
        parts.append(f"RAM ≥ {system['min_ram_gib']:g} GiB")
    if "min_free_disk_gib" in system:
        parts.append(f"free disk ≥ {system['min_free_disk_gib']:g} GiB")
    return "system " + ", ".join(parts)


def system_rule(system: dict, facts) -> Outcome:
    """The profile's [system] minimums against probes.system's facts (ram_total, disk_free, disk_path)."""
    failures = []
    if "min_ram_gib" in system:
        if facts.ram_total is not None and facts.ram_total < system["min_ram_gib"] * 2**30:
            failures.append(_("{ram} RAM (needs {needed} GiB)").format(
                ram=gib(facts.ram_total), needed=f"{system['min_ram_gib']:g}"))
    if "min_free_disk_gib" in system:
        if facts.disk_free is not None and facts.disk_free < system["min_free_disk_gib"] * 2**30:
            failures.append(_("{free} free at {path} (needs {needed} GiB)").format(
                free=gib(facts.disk_free), path=facts.disk_path, needed=f"{system['min_free_disk_gib']:g}"))
    detail = _("{ram} RAM, {free} free").format(ram=gib(facts.ram_total), free=gib(facts.disk_free))
    if failures:
        return _fail(
            system_title(system),
            "; ".join(failures) + ".",
            _("Use a machine with more memory, or free disk space ({command}).").format(command="pip cache purge"),
        )
    return _pass(system_title(system), detail)


def smoke_title(smoke: dict) -> str:
    return f"smoke-train on {smoke.get('device', 'auto')} ({smoke.get('backend', 'tensorflow')})"


def smoke_rule(smoke: dict, report: SmokeReport) -> Outcome:
    """smoke-train's report for the device the profile asks for."""
    device = smoke.get("device", "auto")
    backend = smoke.get("backend", "tensorflow")
    where = report.device or device
    if report.passed:
        return _pass(smoke_title(smoke), _("learned on {device}").format(device=where))
    # smoke-train's own fix knows the cause (a missing package, for the inspected interpreter); else the command
    # that shows it, pointed at the same interpreter (without --python it would train in envcheck's own one)
    executable = (report.python or {}).get("executable")
    target = f" --python {shlex.quote(executable)}" if executable else ""
    return _fail(
        smoke_title(smoke),
        _("Smoke training failed: {failure}").format(failure=report.failure or _("see the smoke-train output")),
        report.fix or _("Run `{command}` to see which check fails.").format(
            command=f"smoke-train --device {device} --backend {backend}{target}"),
    )
