"""envcheck verify's engine: one requirement of a profile -> one Area, run by doctor's engine.

Each requirement becomes an area (so requirements run concurrently and in isolation, exactly as
doctor's areas do); a requirement passes when its area has no error. Only what the profile asks
for runs: no [gpu] table, no GPU check; no required smoke test, no training.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from envcheck.checks import doctor
from envcheck.checks.doctor import Area, AreaSpec, Gather
from envcheck.model import ERROR, Finding, pip_install
from envcheck.profile import Profile

SCHEMA = "envcheck.verify/1"


@dataclass(frozen=True)
class Outcome:
    requirement: str
    passed: bool
    detail: str
    fix: str | None
    seconds: float

    def to_dict(self) -> dict:
        return {"requirement": self.requirement, "passed": self.passed, "detail": self.detail, "fix": self.fix, "seconds": round(self.seconds, 3)}


def _area(key: str, title: str, detail: str, failure: str | None = None, fix: str | None = None) -> Area:
    findings = [Finding("REQUIREMENT_NOT_MET", ERROR, failure, fix)] if failure else []
    return Area(key, title, detail, findings)


def python_requirement(spec: str, g: Gather) -> Area:
    from packaging.specifiers import SpecifierSet  # PEP 440

    version = g.python.version_text
    title = f"python {spec}"
    if SpecifierSet(spec).contains(version, prereleases=True):
        return _area("python", title, f"Python {version}")
    return _area("python", title, f"Python {version}", f"Python {version} is not in {spec}.",
                 f"Create the environment with a Python in {spec}, e.g. `uv venv --python <version> .venv`, then rerun scripts/setup-venv.sh.")


def package_requirement(name: str, spec: str, g: Gather) -> Area:
    from packaging.requirements import Requirement  # PEP 508: the name may carry extras, tensorflow[and-cuda]
    from packaging.specifiers import SpecifierSet
    from packaging.utils import canonicalize_name


    title = f"package {name}{spec}"
    dist = g.get("installed").get(canonicalize_name(Requirement(name).name))
    fix = pip_install(g.python.executable, f"{name}{spec}")
    if dist is None:
        return _area(f"package:{name}", title, "not installed", f"{name} is not installed.", fix)
    if spec and not SpecifierSet(spec).contains(dist.version, prereleases=True):
        return _area(f"package:{name}", title, f"{dist.display_name} {dist.version}", f"{dist.display_name} {dist.version} is installed, not {spec}.", fix)
    return _area(f"package:{name}", title, f"{dist.display_name} {dist.version}")


def gpu_requirement(gpu: dict, g: Gather) -> Area:
    """check-cuda's verdict plus memory and compute capability of the GPUs it found."""
    from packaging.version import Version  # compute capabilities compare as versions: 10.0 > 9.0

    required = gpu.get("required", False)
    min_gib = gpu.get("min_memory_gib")
    min_cc = gpu.get("min_compute_capability")
    title = gpu_title(gpu)
    report = g.get("cuda")
    gpus = report.get("gpus") or []
    verdict = report.get("verdict") or {}
    detail = verdict.get("summary") or f"{len(gpus)} GPU(s)"
    fix = next((f.get("fix") for f in report.get("findings") or [] if f.get("severity") != "info" and f.get("fix")), None)
    if not required:
        return _area("gpu", title, detail + " (optional: not required by this profile)")
    if not verdict.get("ready"):
        return _area("gpu", title, detail, detail, fix or "Run `check-cuda` for what to fix.")
    fitting = [
        gpu_ for gpu_ in gpus
        if (min_gib is None or (gpu_.get("memory_mib") or 0) >= min_gib * 1024)
        and (min_cc is None or (gpu_.get("compute_capability") and Version(str(gpu_["compute_capability"])) >= Version(str(min_cc))))
    ]
    if not fitting:
        seen = "; ".join(f"{x.get('name')} {(x.get('memory_mib') or 0) / 1024:.0f} GiB cc {x.get('compute_capability')}" for x in gpus) or "none"
        return _area("gpu", title, detail, f"No GPU meets the profile (found: {seen}).", "Use a machine with a bigger or newer NVIDIA GPU.")
    return _area("gpu", title, detail)


def gpu_title(gpu: dict) -> str:
    parts = ["gpu " + ("required" if gpu.get("required") else "optional")]
    if gpu.get("min_memory_gib") is not None:
        parts.append(f"≥ {gpu['min_memory_gib']:g} GiB")
    if gpu.get("min_compute_capability") is not None:
        parts.append(f"compute capability ≥ {gpu['min_compute_capability']}")
    return ", ".join(parts)


def system_title(system: dict) -> str:
    parts = []
    if "min_ram_gib" in system:
        parts.append(f"RAM ≥ {system['min_ram_gib']:g} GiB")
    if "min_free_disk_gib" in system:
        parts.append(f"free disk ≥ {system['min_free_disk_gib']:g} GiB")
    return "system " + ", ".join(parts)


def system_requirement(system: dict, g: Gather) -> Area:
    from envcheck.probes import system as system_probe  # psutil: only when a [system] requirement is checked
    from envcheck.probes.system import gib

    facts = system_probe.read(disk_path=g.python.prefix)
    failures = []
    if "min_ram_gib" in system:
        if facts.ram_total is not None and facts.ram_total < system["min_ram_gib"] * 2**30:
            failures.append(f"{gib(facts.ram_total)} RAM (needs {system['min_ram_gib']:g} GiB)")
    if "min_free_disk_gib" in system:
        if facts.disk_free is not None and facts.disk_free < system["min_free_disk_gib"] * 2**30:
            failures.append(f"{gib(facts.disk_free)} free at {facts.disk_path} (needs {system['min_free_disk_gib']:g} GiB)")
    detail = f"{gib(facts.ram_total)} RAM, {gib(facts.disk_free)} free"
    if failures:
        return _area("system", system_title(system), detail, "; ".join(failures) + ".", "Use a machine with more memory, or free disk space (pip cache purge).")
    return _area("system", system_title(system), detail)


def smoke_requirement(smoke_options: dict, g: Gather) -> Area:
    from envcheck.checks import smoke  # smoke-train's library function

    device = smoke_options.get("device", "auto")
    backend = smoke_options.get("backend", "tensorflow")
    report = smoke.check(g.python, backend=backend, device=device, timeout=g.options.get("smoke_timeout", 120.0))
    title = f"smoke-train on {device} ({backend})"
    detail = f"{'learned' if report.get('passed') else 'failed'} on {report.get('device') or device}"
    if report.get("passed"):
        return _area("smoke", title, detail)
    return _area("smoke", title, detail, f"Smoke training failed: {report.get('failure') or 'see smoke-train -v'}",
                 f"Run `smoke-train --device {device} -v` to see which check fails.")


def specs(profile: Profile) -> list[AreaSpec]:
    """The profile's requirements as areas, in the profile's order."""
    result = []
    if profile.python:
        result.append(AreaSpec("python", f"python {profile.python}", partial(python_requirement, profile.python)))
    for name, spec in profile.packages.items():
        result.append(AreaSpec(f"package:{name}", f"package {name}{spec}", partial(package_requirement, name, spec)))
    if profile.gpu:
        result.append(AreaSpec("gpu", gpu_title(profile.gpu), partial(gpu_requirement, profile.gpu)))
    if profile.system:
        result.append(AreaSpec("system", system_title(profile.system), partial(system_requirement, profile.system)))
    if profile.smoke.get("required"):
        result.append(AreaSpec("smoke", f"smoke-train on {profile.smoke.get('device', 'auto')} ({profile.smoke.get('backend', 'tensorflow')})", partial(smoke_requirement, profile.smoke)))
    return result


def verify(python, profile: Profile, on_event=None) -> tuple[list[Outcome], float]:
    result = doctor.run(python, specs(profile), doctor.PROVIDERS, on_event=on_event)
    outcomes = []
    for area in result.areas:
        # a failed requirement's finding carries the numbers and the fix (AREA_FAILED / _TIMED_OUT too)
        failure = next((f for f in area.findings if f.severity == ERROR), None)
        detail, fix = (failure.message, failure.fix) if failure else (area.summary, None)
        outcomes.append(Outcome(area.title, failure is None, detail, fix, area.seconds))
    return outcomes, result.seconds


def junit_xml(profile: Profile, outcomes: list[Outcome], seconds: float) -> bytes:
    """JUnit XML, one testcase per requirement, as CI systems (GitHub, GitLab, Jenkins) display it."""
    import xml.etree.ElementTree as ET  # only when --junit-xml is asked for

    failures = sum(1 for o in outcomes if not o.passed)
    suites = ET.Element("testsuites", name="envcheck verify", tests=str(len(outcomes)), failures=str(failures), time=f"{seconds:.3f}")
    suite = ET.SubElement(suites, "testsuite", name=f"envcheck verify {profile.name}", tests=str(len(outcomes)),
                          failures=str(failures), errors="0", skipped="0", time=f"{seconds:.3f}")
    for outcome in outcomes:
        case = ET.SubElement(suite, "testcase", classname=f"envcheck.verify.{profile.name}", name=outcome.requirement, time=f"{outcome.seconds:.3f}")
        if outcome.passed:
            ET.SubElement(case, "system-out").text = outcome.detail
        else:
            failure = ET.SubElement(case, "failure", message=outcome.detail, type="RequirementNotMet")
            failure.text = f"{outcome.detail}\nFix: {outcome.fix}" if outcome.fix else outcome.detail
    ET.indent(suites)  # Python 3.9+
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"
