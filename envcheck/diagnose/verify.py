"""envcheck verify's rules: one requirement and the facts it needs in, one Outcome out. No I/O.

The facts come from checks/verify.py: the target's Python version, its installed distributions
(probes.requirements.Installed), check-cuda's report, the system probe's facts, a smoke report.
"""

from __future__ import annotations

from envcheck.model import FAIL, PASS, Outcome, pip_install
from envcheck.probes.system import gib


def _pass(requirement: str, detail: str) -> Outcome:
    return Outcome(requirement, PASS, detail)


def _fail(requirement: str, detail: str, fix: str | None) -> Outcome:
    return Outcome(requirement, FAIL, detail, fix)


def python_title(spec: str) -> str:
    return f"python {spec}"


def python_rule(spec: str, version: str) -> Outcome:
    """The target's Python version (e.g. "3.11.7") against a PEP 440 specifier."""
    from packaging.specifiers import SpecifierSet  # PEP 440

    title = python_title(spec)
    if SpecifierSet(spec).contains(version, prereleases=True):
        return _pass(title, f"Python {version}")
    return _fail(title, f"Python {version} is not in {spec}.",
                 f"Create the environment with a Python in {spec}, e.g. `uv venv --python <version> .venv`, then rerun scripts/setup-venv.sh.")


def package_title(name: str, spec: str) -> str:
    return f"package {name}{spec}"


def package_rule(name: str, spec: str, installed: dict, executable: str) -> Outcome:
    """A profile's `name = spec` against the installed distributions (canonical name -> Installed)."""
    from packaging.requirements import Requirement  # PEP 508: the name may carry extras, tensorflow[and-cuda]
    from packaging.specifiers import SpecifierSet
    from packaging.utils import canonicalize_name

    title = package_title(name, spec)
    dist = installed.get(canonicalize_name(Requirement(name).name))
    fix = pip_install(executable, f"{name}{spec}")
    if dist is None:
        return _fail(title, f"{name} is not installed.", fix)
    if spec and not SpecifierSet(spec).contains(dist.version, prereleases=True):
        return _fail(title, f"{dist.display_name} {dist.version} is installed, not {spec}.", fix)
    return _pass(title, f"{dist.display_name} {dist.version}")


def gpu_title(gpu: dict) -> str:
    parts = ["gpu " + ("required" if gpu.get("required") else "optional")]
    if gpu.get("min_memory_gib") is not None:
        parts.append(f"≥ {gpu['min_memory_gib']:g} GiB")
    if gpu.get("min_compute_capability") is not None:
        parts.append(f"compute capability ≥ {gpu['min_compute_capability']}")
    return ", ".join(parts)


def gpu_rule(gpu: dict, report: dict) -> Outcome:
    """check-cuda's verdict (its report as a dict) plus memory and compute capability of the GPUs it found."""
    from packaging.version import Version  # compute capabilities compare as versions: 10.0 > 9.0

    min_gib = gpu.get("min_memory_gib")
    min_cc = gpu.get("min_compute_capability")
    title = gpu_title(gpu)
    gpus = report.get("gpus") or []
    verdict = report.get("verdict") or {}
    detail = verdict.get("summary") or f"{len(gpus)} GPU(s)"
    fix = next((f.get("fix") for f in report.get("findings") or [] if f.get("severity") != "info" and f.get("fix")), None)
    if not gpu.get("required", False):
        return _pass(title, detail + " (optional: not required by this profile)")
    if not verdict.get("ready"):
        return _fail(title, detail, fix or "Run `check-cuda` for what to fix.")
    fitting = [
        gpu_ for gpu_ in gpus
        if (min_gib is None or (gpu_.get("memory_mib") or 0) >= min_gib * 1024)
        and (min_cc is None or (gpu_.get("compute_capability") and Version(str(gpu_["compute_capability"])) >= Version(str(min_cc))))
    ]
    if not fitting:
        seen = "; ".join(f"{x.get('name')} {(x.get('memory_mib') or 0) / 1024:.0f} GiB cc {x.get('compute_capability')}" for x in gpus) or "none"
        return _fail(title, f"No GPU meets the profile (found: {seen}).", "Use a machine with a bigger or newer NVIDIA GPU.")
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
            failures.append(f"{gib(facts.ram_total)} RAM (needs {system['min_ram_gib']:g} GiB)")
    if "min_free_disk_gib" in system:
        if facts.disk_free is not None and facts.disk_free < system["min_free_disk_gib"] * 2**30:
            failures.append(f"{gib(facts.disk_free)} free at {facts.disk_path} (needs {system['min_free_disk_gib']:g} GiB)")
    detail = f"{gib(facts.ram_total)} RAM, {gib(facts.disk_free)} free"
    if failures:
        return _fail(system_title(system), "; ".join(failures) + ".", "Use a machine with more memory, or free disk space (pip cache purge).")
    return _pass(system_title(system), detail)


def smoke_title(smoke: dict) -> str:
    return f"smoke-train on {smoke.get('device', 'auto')} ({smoke.get('backend', 'tensorflow')})"


def smoke_rule(smoke: dict, report: dict) -> Outcome:
    """smoke-train's report (a dict) for the device the profile asks for."""
    device = smoke.get("device", "auto")
    detail = f"{'learned' if report.get('passed') else 'failed'} on {report.get('device') or device}"
    if report.get("passed"):
        return _pass(smoke_title(smoke), detail)
    return _fail(smoke_title(smoke), f"Smoke training failed: {report.get('failure') or 'see smoke-train -v'}",
                 f"Run `smoke-train --device {device} -v` to see which check fails.")
