"""Installed distributions, found the way pip finds them, read as little as possible.

`pip list` (26.x, importlib backend) walks the interpreter's sys.path in order. In each entry it
takes every child named `*.dist-info` or `*.egg-info` (directory or file), then the projects that
`*.egg-link` files point to; the first distribution of a canonical name wins. A name comes from the
info directory's name and only falls back to `METADATA` when the directory name has none. So
counting reads directory listings alone; listing reads `METADATA` only for the rows it prints.

Nothing here raises for a broken environment: what cannot be read is collected in `problems`
(one line each, for stderr) and the answer is given for the rest.
"""

from __future__ import annotations

import os

# pip skips these names in `pip list` (pip._internal.metadata.base.stdlib_pkgs).
_STDLIB_NAMES = frozenset({"python", "wsgiref", "argparse"})
# A canonical name is valid (PEP 508, as pip checks it) when made of these and not starting or
# ending with '-'. Plain string work: the counting path imports neither `re` nor `dataclasses`.
_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
# A version already in PEP 440's normal form prints unchanged; others go through `packaging`.
_NORMAL_VERSION = (
    r"(?:[1-9]\d*!)?(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))*(?:(?:a|b|rc)(?:0|[1-9]\d*))?"
    r"(?:\.post(?:0|[1-9]\d*))?(?:\.dev(?:0|[1-9]\d*))?(?:\+[a-z0-9]+(?:\.[a-z0-9]+)*)?"
)
_METADATA_READ_LIMIT = 64 * 1024  # the header block; the long description after it is not needed


def canonicalize(name: str) -> str:
    """PEP 503 normalisation, as packaging.utils.canonicalize_name does it (re.sub("[-_.]+", "-"))."""
    name = name.lower().replace("_", "-").replace(".", "-")
    while "--" in name:
        name = name.replace("--", "-")
    return name


def is_valid_name(canonical: str) -> bool:
    """The PEP 508 project-name rule pip applies to every canonical name."""
    return bool(canonical) and canonical[0] != "-" and canonical[-1] != "-" and _NAME_CHARACTERS.issuperset(canonical)


class Found:
    """A distribution as the directory listing shows it: enough to count and filter.

    A plain class with slots: one is made per installed distribution on the counting path.
    """

    __slots__ = ("canonical_name", "info_path", "location", "site", "via_egg_link", "dir_version")

    def __init__(self, canonical_name, info_path, location, site, via_egg_link=False, dir_version=None):
        self.canonical_name: str = canonical_name
        self.info_path: str = info_path  # the .dist-info / .egg-info directory or file
        self.location: str = location  # the directory holding info_path (pip's `location`)
        self.site: str = site  # the sys.path entry it was found through (differs for .egg-link projects)
        self.via_egg_link: bool = via_egg_link
        self.dir_version: str | None = dir_version  # the version in a .dist-info name, which pip prefers


class Distribution:
    """One row of `pip list --format=json -v`, plus whether it is editable."""

    __slots__ = ("name", "version", "location", "installer", "editable", "editable_project_location")

    def __init__(self, name, version, location, installer, editable, editable_project_location=None):
        self.name: str = name
        self.version: str | None = version  # None when METADATA has no Version (pip prints null too)
        self.location: str = location
        self.installer: str = installer
        self.editable: bool = editable
        self.editable_project_location: str | None = editable_project_location

    @property
    def canonical_name(self) -> str:
        return canonicalize(self.name)

    def to_dict(self) -> dict:
        row = {
            "name": self.name,
            "version": self.version,
            "location": self.location,
            "installer": self.installer,
            "editable": self.editable,
        }
        if self.editable_project_location:
            row["editable_project_location"] = self.editable_project_location
        return row


class Scan:
    __slots__ = ("found", "problems")

    def __init__(self) -> None:
        self.found: list[Found] = []
        self.problems: list[str] = []  # one line each, for stderr


def scan(paths) -> Scan:
    """Every distribution pip would list for an interpreter whose sys.path is `paths`."""
    result = Scan()
    seen: set[str] = set()
    for site in paths:
        if not site:
            continue
        children = _children(site, result.problems)
        _collect(site, site, children, seen, result, via_egg_link=False)
        for child in children:
            if child.endswith(".egg-link"):
                target = _egg_link_target(os.path.join(site, child), result.problems)
                if target:
                    linked = os.path.join(site, target)
                    _collect(linked, site, _children(linked, result.problems), seen, result, True)
    return result


def _collect(location: str, site: str, children: list[str], seen: set[str], result: Scan, via_egg_link: bool) -> None:
    # The hot loop of count-packages: one pass of plain string work per directory entry.
    prefix = location if location.endswith(os.sep) else location + os.sep
    for child in children:
        suffix = child[-10:].lower()
        if suffix == ".dist-info":
            # pip reads "name-version" from the directory name and METADATA only when there is no "-"
            name, dash, version = child[:-10].partition("-")
            if not dash:
                name = version = None
        elif suffix[1:] == ".egg-info":
            name, version = child[:-9].split("-", 1)[0] or None, None  # egg-info names carry no trustworthy version
        else:
            continue
        info_path = prefix + child
        if not name:
            name = first(read_metadata(info_path, result.problems), "name")
            if not name:
                result.problems.append(f"skipped {info_path}: it names no distribution (no Name in METADATA)")
                continue
        canonical = canonicalize(name)
        if canonical in seen:
            continue  # an earlier sys.path entry (or directory entry) already provides it: pip keeps the first
        seen.add(canonical)
        if not is_valid_name(canonical):
            result.problems.append(f"skipped {info_path}: {name!r} is not a valid project name")
            continue
        if canonical in _STDLIB_NAMES:
            continue
        result.found.append(Found(canonical, info_path, location, site, via_egg_link, version))


def _children(directory: str, problems: list[str]) -> list[str]:
    try:
        return os.listdir(directory)
    except FileNotFoundError:
        return []  # sys.path may name directories that do not exist; pip ignores them too
    except NotADirectoryError:
        return _zip_children(directory, problems)
    except OSError as error:
        problems.append(f"cannot read {directory}: {error.strerror}; its distributions are not counted")
        return []


def _zip_children(path: str, problems: list[str]) -> list[str]:
    """Top-level names inside a zip on sys.path (an .egg or a zipped stdlib); pip looks there too."""
    if path.endswith(".whl"):
        return []  # pip never treats a wheel's own .dist-info as installed
    import zipfile  # rare: only for zip files on sys.path

    try:
        with zipfile.ZipFile(path) as archive:
            return list(dict.fromkeys(name.split("/", 1)[0] for name in archive.namelist()))
    except (OSError, zipfile.BadZipFile):
        return []


def _egg_link_target(egg_link: str, problems: list[str]) -> str | None:
    try:
        with open(egg_link, encoding="utf-8") as stream:
            return next((line.strip() for line in stream if line.strip()), None)
    except (OSError, UnicodeDecodeError) as error:
        problems.append(f"cannot read {egg_link}: {error}")
        return None


def read_metadata(info_path: str, problems: list[str] | None = None, parse=None) -> dict[str, list[str]]:
    """The METADATA (or PKG-INFO, or the .egg-info file itself) headers: lower-cased key -> every value.

    `parse` turns the text into headers: `parse_headers` (the default, on the fast paths) or
    `email_headers` (the standard library's parser, for callers off them). Returns {} when there is
    nothing to read; undecodable bytes are read as Latin-1 and reported in `problems` when it is given.
    """
    raw = None
    if os.path.isdir(info_path):
        for name in ("METADATA", "PKG-INFO"):
            raw = _read_start(os.path.join(info_path, name))
            if raw:
                break
    else:
        raw = _read_start(info_path)
    if not raw:
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        if problems is not None:
            problems.append(f"{info_path}: METADATA is not UTF-8; read it as Latin-1")
        text = raw.decode("latin-1")
    return (parse or parse_headers)(text)


def first(headers: dict[str, list[str]], key: str) -> str | None:
    """The first value of a header, as email.message.Message.get gives it; None when absent."""
    values = headers.get(key)
    return values[0] if values else None


def _read_start(path: str) -> bytes | None:
    try:
        with open(path, "rb") as stream:
            return stream.read(_METADATA_READ_LIMIT)
    except OSError:
        return None


def parse_headers(text: str) -> dict[str, list[str]]:
    """RFC 822 style METADATA headers, keys lower-cased, every value kept, folded lines joined.

    Stops at the first blank line, where the body (the long description) starts. The fast paths'
    copy of `email_headers`: importing `email.parser` costs more than list-tf-packages' whole answer;
    tests/probes/test_probe_packages.py pins the two together with hypothesis.
    """
    headers: dict[str, list[str]] = {}
    last_key = None
    for line in _lines(text):
        if not line:
            break  # a line of spaces is a (blank) continuation, as email's parser reads it
        if line[0] in " \t":
            if last_key and line.strip():
                before = headers[last_key][-1]
                headers[last_key][-1] = f"{before} {line.strip()}" if before else line.strip()
            continue
        key, sep, value = line.partition(":")
        if sep:
            last_key = key.strip().lower()
            headers.setdefault(last_key, []).append(value.strip())
    return headers


def email_headers(text: str) -> dict[str, list[str]]:
    """The same headers read by the standard library's `email.parser.HeaderParser` (what
    importlib.metadata uses), folded values joined with one space. For callers off the fast paths."""
    from email.parser import HeaderParser  # ~10 ms of email.* modules: never on the fast paths

    headers: dict[str, list[str]] = {}
    for key, value in HeaderParser().parsestr(text).items():
        unfolded = " ".join(part.strip() for part in _lines(value) if part.strip())
        headers.setdefault(key.strip().lower(), []).append(unfolded)
    return headers


def _lines(text: str) -> list[str]:
    """Lines as email's parser breaks them (\r\n, \r, \n), not str.splitlines' (which also breaks at \x85)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def describe(found: Found, problems: list[str]) -> Distribution:
    """Read what `pip list --format=json -v` shows for one distribution."""
    headers = read_metadata(found.info_path, problems)
    name = first(headers, "name") or found.canonical_name
    raw_version = found.dir_version or first(headers, "version")
    if raw_version is None:
        problems.append(f"{found.info_path}: METADATA has no Version")
    project = _editable_project(found, name)
    return Distribution(
        name=name,
        version=normalize_version(raw_version) if raw_version is not None else None,
        location=found.location,
        installer=_installer(found.info_path),
        editable=project is not None,
        editable_project_location=project,
    )


def normalize_version(version: str) -> str:
    """A version as pip prints it: PEP 440 normal form, or unchanged when it is not PEP 440."""
    if not version or _is_plain_release(version):
        return version
    import re  # only for versions that are not plain releases: `re` costs ~7 ms to import

    if re.fullmatch(_NORMAL_VERSION, version):
        return version
    from packaging.version import InvalidVersion, Version  # only for versions not yet in normal form

    try:
        return str(Version(version))
    except InvalidVersion:
        return version


def _is_plain_release(version: str) -> bool:
    """`2.21.0` and the like: digits without leading zeros, joined by dots, already in normal form."""
    return all(part.isdigit() and part.isascii() and (part == "0" or part[0] != "0") for part in version.split("."))


def _installer(info_path: str) -> str:
    try:
        with open(os.path.join(info_path, "INSTALLER"), encoding="utf-8") as stream:
            return next((line.strip() for line in stream if line.strip()), "")
    except (OSError, UnicodeDecodeError):
        return ""


def _editable_project(found: Found, name: str) -> str | None:
    """Where an editable install's project lives: PEP 660 direct_url.json, or a legacy .egg-link."""
    if found.via_egg_link:
        return found.location
    try:
        with open(os.path.join(found.info_path, "direct_url.json"), encoding="utf-8") as stream:
            import json  # only for editable installs' direct_url.json

            direct = json.load(stream)
    except (OSError, ValueError):
        return None
    if not isinstance(direct, dict) or not (direct.get("dir_info") or {}).get("editable"):
        return None
    url = direct.get("url", "")
    if not url.startswith("file:"):
        return None
    from urllib.parse import unquote, urlsplit  # only for an editable install's file:// URL

    return unquote(urlsplit(url).path)


def matches(found: Found, prefixes) -> bool:
    """Whether a distribution's canonical name starts with one of the (canonicalized) prefixes."""
    return found.canonical_name.startswith(tuple(prefixes))


def sort_key(item) -> str:
    """pip sorts `pip list` by canonical name."""
    return item.canonical_name
