"""Broken requirements among installed distributions, found as `pip check` finds them.

pip 26 (`pip._internal.operations.check`) takes every installed distribution, reads its
`Requires-Dist` lines (or an egg-info's `requires.txt`), keeps those without a marker or whose
marker holds with `extra == ""`, and reports a requirement as *missing* when no distribution of that
name is installed and as *conflicting* when the installed version is outside the specifier
(pre-releases allowed). We do the same over the scan in `envcheck.probes.packages`, with `packaging`.

Markers are evaluated for the target interpreter (its Python version and platform), not for the
one running envcheck, so `--python` gives the target's answer.
"""

from __future__ import annotations

import os

from envcheck.model import Broken, Installed  # noqa: F401 (records live in the model; re-exported)
from envcheck.probes import packages


def read_installed(scan: packages.Scan) -> dict[str, Installed]:
    """Read each scanned distribution's metadata (name, version, Requires-Dist, Requires-Python)."""
    result: dict[str, Installed] = {}
    for found in scan.found:
        headers = packages.read_metadata(found.info_path, parse=packages.email_headers)  # off the fast paths
        version = packages.normalize_version(found.dir_version or packages.first(headers, "version") or "")
        requires = tuple(headers.get("requires-dist", ()))
        extras = tuple(headers.get("provides-extra", ()))
        if not requires and found.info_path.endswith(".egg-info"):
            requires = tuple(_egg_requires(found.info_path))
            extras = tuple(dict.fromkeys(_egg_extras(requires)))
        result[found.canonical_name] = Installed(
            name=found.canonical_name,
            display_name=packages.first(headers, "name") or found.canonical_name,
            version=version,
            requires=requires,
            requires_python=packages.first(headers, "requires-python"),
            extras=extras,
        )
    return result


def _egg_requires(info_path: str) -> list[str]:
    """requires.txt of an egg-info as Requires-Dist strings: `[extra]` and `[:marker]` sections become markers."""
    try:
        with open(os.path.join(info_path, "requires.txt"), encoding="utf-8") as stream:
            text = stream.read()
    except OSError:
        return []
    result, marker = [], None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            extra, _, condition = line[1:-1].partition(":")
            parts = [f'extra == "{extra}"'] if extra else []
            if condition:
                parts.append(f"({condition})")
            marker = " and ".join(parts) or None
            continue
        result.append(f"{line}; {marker}" if marker else line)
    return result


def _egg_extras(requires) -> list[str]:
    """The extras an egg-info declares: the `extra == "x"` its requires.txt sections became."""
    return [line.split('extra == "', 1)[1].split('"', 1)[0] for line in requires if 'extra == "' in line]


MARKER_TIMEOUT = 30.0


def target_marker_environment(executable: str, timeout: float = MARKER_TIMEOUT) -> dict:
    """The target interpreter's own PEP 508 marker environment, from probes/inside/marker_env.py in a child.

    Raises RuntimeError, in words, when the interpreter cannot answer (crash, hang, no JSON): there is
    no honest guess at another interpreter's platform markers.
    """
    from envcheck import runner  # subprocess machinery: only when a target is asked

    answer = runner.run_target_script(executable, "marker_env.py", timeout=timeout)
    if answer.data is None:
        raise RuntimeError(f"{executable} could not report its environment markers: {answer.problem}")
    return {**answer.data, "extra": ""}


def marker_environment(python_version: tuple[int, ...] | None = None, sys_platform: str | None = None) -> dict:
    """PEP 508 marker values for the target interpreter: this machine's, with the target's Python."""
    from packaging.markers import default_environment  # packaging: only when requirements are checked

    env = dict(default_environment())
    if python_version:
        env["python_version"] = ".".join(str(p) for p in python_version[:2])
        env["python_full_version"] = ".".join(str(p) for p in python_version[:3])
    if sys_platform:
        env["sys_platform"] = sys_platform
    env["extra"] = ""
    return env


def check(installed: dict[str, Installed], environment: dict | None = None) -> tuple[list[Broken], list[str]]:
    """pip check over `installed`: (broken requirements in pip's order, unparsable requirement lines)."""
    from packaging.requirements import InvalidRequirement, Requirement  # PEP 508, as pip parses it
    from packaging.utils import canonicalize_name

    environment = environment or marker_environment()
    missing: list[Broken] = []
    conflicting: list[Broken] = []
    problems: list[str] = []
    for dist in installed.values():  # pip's order: distributions as found, dependencies sorted within one
        dist_missing: list[Broken] = []
        dist_conflicting: list[Broken] = []
        for line in dist.requires:
            try:
                req = Requirement(line.strip())
            except InvalidRequirement as error:
                problems.append(f"{dist.name} {dist.version}: cannot parse requirement {line!r}: {error}")
                continue
            if req.marker is not None and not req.marker.evaluate(environment):
                continue
            name = canonicalize_name(req.name)
            have = installed.get(name)
            if have is None:
                dist_missing.append(Broken(dist.name, dist.version, str(req), name, None))
            elif not req.specifier.contains(have.version, prereleases=True):
                dist_conflicting.append(Broken(dist.name, dist.version, str(req), name, have.version))
        missing += sorted(dist_missing, key=lambda b: b.dependency)
        conflicting += sorted(dist_conflicting, key=lambda b: b.dependency)
    return missing + conflicting, problems
