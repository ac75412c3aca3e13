"""Requirement profiles for `envcheck verify`: a TOML file a course or a CI job writes once.

    [profile]  name, description
    [python]   version = ">=3.10,<3.14"              (PEP 440 specifier)
    [packages] tensorflow = ">=2.16", numpy = ""      (name = specifier; "" means any version)
    [gpu]      required = true, min_memory_gib = 8, min_compute_capability = "7.0"
    [system]   min_ram_gib = 8, min_free_disk_gib = 10
    [smoke]    required = true, device = "auto" | "cpu" | "gpu", backend = "tensorflow" | "numpy"
    [code]     paths = ["course"]                     (the course's code, for check-code; relative to the profile)

Loading validates everything up front: bad TOML, an unknown table or key, a value of the wrong type
or a bad specifier raises ProfileError naming the file, the line (where one can be found) and what
is wrong. `--profile` takes a path or the name of a profile shipped in envcheck/profiles/.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from envcheck.diagnose.smoke import BACKENDS as SMOKE_BACKENDS  # smoke-train's choices, in their one home
from envcheck.diagnose.smoke import DEVICES as SMOKE_DEVICES
from envcheck.errors import UsageError
from envcheck.i18n import _
from envcheck.probes.files import read_user_file

BUILTIN = Path(__file__).resolve().parent / "profiles"

_NUMBER = (int, float)
SCHEMA_KEYS: dict[str, dict[str, tuple]] = {
    "profile": {"name": (str,), "description": (str,)},
    "python": {"version": (str,)},
    "gpu": {"required": (bool,), "min_memory_gib": _NUMBER, "min_compute_capability": (str, float)},
    "system": {"min_ram_gib": _NUMBER, "min_free_disk_gib": _NUMBER},
    "smoke": {"required": (bool,), "device": (str,), "backend": (str,)},
    "code": {"paths": (list,)},
}


class ProfileError(UsageError):
    """A profile that cannot be used: exit 2, `FILE:LINE: what is wrong`."""


@dataclass(frozen=True)
class Profile:
    path: str
    name: str
    python: str | None = None
    packages: dict[str, str] = field(default_factory=dict)
    gpu: dict = field(default_factory=dict)
    system: dict = field(default_factory=dict)
    smoke: dict = field(default_factory=dict)
    code: tuple[str, ...] = ()  # [code] paths, resolved against the profile's folder


def find(spec: str) -> str:
    """A path, or the name of a shipped profile (`cpu-course`, `gpu-course`)."""
    if os.path.exists(spec):
        return spec
    builtin = BUILTIN / (spec if spec.endswith(".toml") else spec + ".toml")
    if os.sep not in spec and builtin.is_file():
        return str(builtin)
    names = ", ".join(sorted(p.stem for p in BUILTIN.glob("*.toml")))
    raise ProfileError(_("--profile {spec}: no such file (shipped profiles: {names})").format(spec=spec, names=names))


def load(spec: str) -> Profile:
    path = find(spec)
    raw = read_user_file(path, "--profile")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProfileError(_("{path}: not UTF-8 text, so not a TOML profile").format(path=path)) from None
    return parse(text, path)


def parse(text: str, path: str = "<profile>") -> Profile:
    from envcheck import data as tables  # the one TOML parser; only when a profile is read

    tomllib = tables.toml()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        where = re.search(r"\(at line (\d+), column (\d+)\)", message)
        line = getattr(error, "lineno", None) or (int(where.group(1)) if where else None)
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise ProfileError(_("{where}: bad TOML: {message}").format(where=_where(path, line), message=message)) \
            from None
    lines = text.splitlines()

    def fail(table: str, key: str | None, what: str):
        raise ProfileError(f"{_where(path, _line_of(lines, table, key))}: {what}")

    for table, value in data.items():
        if table != "packages" and table not in SCHEMA_KEYS:
            fail(table, None, _("unknown table [{table}] (known: {known})").format(
                table=table, known=", ".join(["packages", *SCHEMA_KEYS])))
        if not isinstance(value, dict):
            fail(table, None, _("{table} must be a table ([{table}])").format(table=table))
        if table == "packages":
            continue
        for key, item in value.items():
            allowed = SCHEMA_KEYS[table]
            if key not in allowed:
                fail(table, key, _("unknown key {key} in [{table}] (known: {known})").format(
                    key=repr(key), table=table, known=", ".join(allowed)))
            types = allowed[key]
            if not isinstance(item, types) or (isinstance(item, bool) and bool not in types):
                fail(table, key, _("[{table}] {key} must be {types}, not {value}").format(
                    table=table, key=key, types=_type_words(types), value=f"{type(item).__name__} {item!r}"))

    from packaging.requirements import InvalidRequirement, Requirement  # PEP 440/508, as pip checks them
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    python = data.get("python", {}).get("version")
    if python is not None:
        try:
            SpecifierSet(python)
        except InvalidSpecifier:
            fail("python", "version", _("[python] version {value} is not a PEP 440 specifier (e.g. {example})").format(
                value=repr(python), example='">=3.10,<3.14"'))
    packages = {}
    for name, spec in data.get("packages", {}).items():
        if not isinstance(spec, str):
            fail("packages", name, _("[packages] {name} must be a specifier string such as {example} (or {empty} for "
                                     "any version), not {value}").format(
                name=name, example='">=2.16"', empty='""', value=repr(spec)))
        try:
            Requirement(f"{name}{spec}")
            SpecifierSet(spec)
        except (InvalidRequirement, InvalidSpecifier):
            fail("packages", name, _("[packages] {name} = {value}: not a valid name and PEP 440 specifier").format(
                name=name, value=repr(spec)))
        packages[name] = spec
    gpu = dict(data.get("gpu", {}))
    if "min_compute_capability" in gpu:
        try:
            Version(str(gpu["min_compute_capability"]))
        except InvalidVersion:
            fail("gpu", "min_compute_capability",
                 _("[gpu] min_compute_capability {value} is not a version such as {example}").format(
                     value=repr(gpu["min_compute_capability"]), example='"7.0"'))
    for table in ("gpu", "system"):
        for key, value in data.get(table, {}).items():
            negative = isinstance(value, _NUMBER) and not isinstance(value, bool) and value < 0
            if key.startswith("min_") and negative:
                fail(table, key, _("[{table}] {key} must not be negative").format(table=table, key=key))
    smoke = dict(data.get("smoke", {}))
    if smoke.get("device", "auto") not in SMOKE_DEVICES:
        fail("smoke", "device", _("[smoke] {key} must be one of {choices}, not {value}").format(
            key="device", choices=", ".join(SMOKE_DEVICES), value=repr(smoke["device"])))
    if smoke.get("backend", "tensorflow") not in SMOKE_BACKENDS:
        fail("smoke", "backend", _("[smoke] {key} must be one of {choices}, not {value}").format(
            key="backend", choices=", ".join(SMOKE_BACKENDS), value=repr(smoke["backend"])))
    if smoke.get("device") == "gpu" and smoke.get("backend") == "numpy":
        fail("smoke", "device",
             _('[smoke] device = "gpu" needs backend = "tensorflow": the numpy backend runs on the CPU only'))
    code = []
    for item in data.get("code", {}).get("paths", []):
        if not isinstance(item, str) or not item:
            fail("code", "paths", _("[code] paths must be a list of paths (strings), not {value}").format(
                value=repr(item)))
        resolved = os.path.join(os.path.dirname(os.path.abspath(path)), os.path.expanduser(item))
        if not os.path.exists(resolved):
            fail("code", "paths", _("[code] paths: {path} does not exist (paths are relative to the profile)").format(
                path=item))
        if not (os.path.isdir(resolved) or os.path.isfile(resolved)):  # a FIFO or device: refused, as check-code does
            fail("code", "paths", _("[code] paths: {path} is not a regular file or folder").format(path=item))
        code.append(resolved)
    if not (python or packages or gpu or data.get("system") or smoke.get("required") or code):
        raise ProfileError(_("{path}: no requirements: add at least one of [python] version, [packages], [gpu], "
                             "[system], [smoke] required = true or [code] paths").format(path=path))
    name = data.get("profile", {}).get("name") or Path(path).stem
    return Profile(path, name, python, packages, gpu, dict(data.get("system", {})), smoke, tuple(code))


def _where(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line else path


def _type_words(types: tuple) -> str:
    words = {bool: _("true or false"), int: _("a number"), float: _("a number"), str: _("a string"), list: _("a list")}
    return _(" or ").join(dict.fromkeys(words[t] for t in types))


def _line_of(lines: list[str], table: str, key: str | None) -> int | None:
    """The line of `[table]` (or of `key = ...` inside it): TOML parsers do not give positions."""
    header = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]")
    inside = False
    table_line = None
    for number, line in enumerate(lines, 1):
        if header.match(line):
            inside, table_line = True, number
            if key is None:
                return number
            continue
        if inside and re.match(r"^\s*\[", line):
            inside = False
        if inside and key is not None and re.match(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", line):
            return number
    return table_line
