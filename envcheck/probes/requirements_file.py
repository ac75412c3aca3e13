"""Requirement files for `envcheck verify --requirements`: pip's requirements.txt format and pyproject.toml.

pip has no public API for its file format, so this is the small line-level reader pip documents
(https://pip.pypa.io/en/stable/reference/requirements-file-format/): a line ending in `\\` continues on
the next; `#` after whitespace (or at the start) begins a comment; `${VAR}` is taken from the
environment; `-r FILE` / `-c FILE` include another file, relative to the including one; per-requirement
options (`--hash`, `--config-settings`, `--global-option`) are accepted and do not matter offline; global
options (`--index-url`, `--find-links`, `--pre`, ...) only say where pip would download from, so they are
read and left alone. Each requirement is parsed with `packaging.requirements.Requirement`, as pip does.

Lines envcheck cannot check from installed metadata (a URL, a VCS link, a local path or archive, an
editable `-e`, a direct reference `name @ URL`, an include by URL) become NOT_CHECKED entries with the
reason. A line that is wrong is a RequirementsFileError (exit 2): `FILE:LINE: what is wrong`.

A pyproject.toml gives its `[project] dependencies`, and the `[project.optional-dependencies]` groups
named with `--extra`.
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

from envcheck.errors import UsageError
from envcheck.probes.files import read_user_file

REQUIREMENT = "requirement"
CONSTRAINT = "constraint"
NOT_CHECKED = "not-checked"

# pip's requirement-file options (pip/_internal/req/req_file.py): name -> takes a value
GLOBAL_OPTIONS = {
    "-i": True,
    "--index-url": True,
    "--extra-index-url": True,
    "--no-index": False,
    "-f": True,
    "--find-links": True,
    "--no-binary": True,
    "--only-binary": True,
    "--prefer-binary": False,
    "--require-hashes": False,
    "--pre": False,
    "--trusted-host": True,
    "--use-feature": True,
}
INCLUDE_OPTIONS = {"-r": REQUIREMENT, "--requirement": REQUIREMENT, "-c": CONSTRAINT, "--constraint": CONSTRAINT}
EDITABLE_OPTIONS = ("-e", "--editable")
PER_REQUIREMENT_OPTIONS = ("--hash", "--config-settings", "--global-option")
_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")  # pip expands only this POSIX form
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_VCS = ("git+", "hg+", "svn+", "bzr+")
_ARCHIVES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar")


class RequirementsFileError(UsageError):
    """A requirements file or pyproject.toml that cannot be used: exit 2, `FILE:LINE: what is wrong`."""


class Entry(NamedTuple):
    """One requirement line, with where it came from."""

    path: str  # the file, as named (includes joined to the including file's directory)
    line: int  # the first physical line of the (possibly continued) line
    text: str  # the requirement as written, without options
    kind: str  # REQUIREMENT, CONSTRAINT or NOT_CHECKED
    reason: str | None = None  # why it is NOT_CHECKED

    @property
    def source(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def requirement(self):
        """packaging's Requirement for a REQUIREMENT or CONSTRAINT entry (parse() has checked it parses)."""
        from packaging.requirements import Requirement  # PEP 508, as pip parses it

        return Requirement(self.text)


class Include(NamedTuple):
    """A `-r` / `-c` line: the file to read next, as written."""

    path: str
    line: int
    target: str
    kind: str  # REQUIREMENT (-r) or CONSTRAINT (-c)


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) per logical line: continuations joined, comments and blank lines dropped."""
    joined: list[tuple[int, str]] = []
    pending: list[str] = []
    first = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.endswith("\\") and not _COMMENT.match(line):
            if not pending:
                first = number
            pending.append(line[:-1])
            continue
        if pending:  # as pip does: a comment line ends a continuation
            joined.append((first, "".join(pending) + (" " + line if _COMMENT.match(line) else line)))
            pending = []
        else:
            joined.append((number, line))
    if pending:
        joined.append((first, "".join(pending)))
    result = []
    for number, line in joined:
        line = _COMMENT.sub("", line).strip()
        if line:
            result.append((number, line))
    return result


def _split_options(line: str) -> tuple[str, list[str]]:
    """pip's break_args_options: words up to the first that starts with `-` are the requirement."""
    words = line.split(" ")
    for index, word in enumerate(words):
        if word.startswith("-"):
            return " ".join(words[:index]).strip(), words[index:]
    return line.strip(), []


def _options(tokens: list[str], where: str) -> list[tuple[str, str | None]]:
    """(option, value) pairs from `-r file`, `-rfile`, `--requirement=file`, `--requirement file`."""
    import shlex  # only for lines with options

    try:
        words = shlex.split(" ".join(tokens))
    except ValueError as error:
        raise RequirementsFileError(f"{where}: cannot split the options: {error}") from None
    known = {
        **GLOBAL_OPTIONS,
        **{name: True for name in (*INCLUDE_OPTIONS, *EDITABLE_OPTIONS, *PER_REQUIREMENT_OPTIONS)},
    }
    pairs = []
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("--"):
            name, equals, value = word.partition("=")
        elif word.startswith("-") and len(word) > 2:
            name, equals, value = word[:2], "=", word[2:]
        else:
            name, equals, value = word, "", ""
        if name not in known:
            if not word.startswith("-"):
                raise RequirementsFileError(f"{where}: {word!r} after the options: one requirement per line")
            raise RequirementsFileError(
                f"{where}: unknown option {name} (pip's requirement files accept: {', '.join(sorted(known))})"
            )
        if known[name] and not equals:
            index += 1
            if index >= len(words):
                raise RequirementsFileError(f"{where}: option {name} needs a value")
            value = words[index]
        pairs.append((name, value if known[name] else None))
        index += 1
    return pairs


def _not_checked_reason(text: str) -> str | None:
    """Why a requirement-line argument cannot be checked offline, or None for a PEP 508 requirement."""
    head = text.split(";", 1)[0].strip()
    if head.startswith(_VCS):
        return "a VCS link: which version it holds is only known by fetching it"
    if _URL.match(head):
        return "a URL: which version it holds is only known by downloading it"
    if "@" in head and _URL.search(head.split("@", 1)[1].strip()) or re.search(r"@\s*(git|hg|svn|bzr)\+", head):
        return "a direct reference (name @ URL): which version the URL holds is only known by downloading it"
    if head.startswith((".", "/", "~")) or "/" in head or "\\" in head or head.lower().endswith(_ARCHIVES):
        return "a local path: which version it holds is only known by building or unpacking it"
    return None


def parse(text: str, path: str, kind: str = REQUIREMENT, environ: dict | None = None) -> list[Entry | Include]:
    """A requirements file's text -> its entries and includes, in order. Pure.

    `kind` is CONSTRAINT for a file read with `-c` (its requirement lines only limit versions).
    `environ` expands `${VAR}` as pip does (unset variables are left as written).
    """
    from packaging.requirements import InvalidRequirement, Requirement  # PEP 508, as pip parses it

    items: list[Entry | Include] = []
    for number, line in logical_lines(text):
        where = f"{path}:{number}"
        if environ is not None:
            line = _ENV_VAR.sub(lambda m: environ.get(m.group(1), m.group(0)), line)
        argument, tokens = _split_options(line)
        options = _options(tokens, where) if tokens else []
        if argument:
            misplaced = [name for name, _ in options if name not in PER_REQUIREMENT_OPTIONS]
            if misplaced:
                raise RequirementsFileError(f"{where}: option {misplaced[0]} cannot follow a requirement on its line")
            reason = _not_checked_reason(argument)
            if reason:
                items.append(Entry(path, number, argument, NOT_CHECKED, reason))
                continue
            try:
                Requirement(argument)
            except InvalidRequirement as error:
                raise RequirementsFileError(
                    f"{where}: not a valid requirement: {argument!r}: {_first_line(error)}"
                ) from None
            items.append(Entry(path, number, argument, kind))
            continue
        for name, value in options:
            if name in INCLUDE_OPTIONS:
                if _URL.match(value):
                    items.append(
                        Entry(
                            path, number, f"{name} {value}", NOT_CHECKED, "an include by URL: envcheck reads no network"
                        )
                    )
                else:
                    items.append(Include(path, number, value, INCLUDE_OPTIONS[name]))
            elif name in EDITABLE_OPTIONS:
                items.append(
                    Entry(
                        path,
                        number,
                        f"-e {value}",
                        NOT_CHECKED,
                        "an editable install (-e): which version its source holds is only known by building it",
                    )
                )
            elif name in PER_REQUIREMENT_OPTIONS:
                raise RequirementsFileError(f"{where}: option {name} belongs after a requirement on the same line")
            # global options (index, find-links, binary choices) say where pip downloads from: nothing to check offline
    return items


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def read(path: str, kind: str = REQUIREMENT, _including: tuple[str, ...] = ()) -> list[Entry]:
    """The entries of the requirements file at `path` and every file it includes, in pip's order.

    Reads with probes.files.read_user_file (regular files up to 16 MiB); a missing include, an include
    cycle or a bad line is a RequirementsFileError naming the including file and line.
    """
    what = "--requirements" if not _including else f"{_including[-1]}: included file"
    data = read_user_file(path, what)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RequirementsFileError(f"{path}: not UTF-8 text (byte {error.start})") from None
    entries: list[Entry] = []
    for item in parse(text, path, kind, dict(os.environ)):
        if isinstance(item, Entry):
            entries.append(item)
            continue
        target = (
            item.target
            if os.path.isabs(item.target)
            else os.path.normpath(os.path.join(os.path.dirname(path), item.target))
        )
        chain = (*_including, f"{item.path}:{item.line}")
        if os.path.abspath(target) in {os.path.abspath(p.rsplit(":", 1)[0]) for p in chain}:
            raise RequirementsFileError(
                f"{item.path}:{item.line}: includes {item.target}, which includes this file again"
            )
        if not os.path.exists(target):  # a directory or a device: read_user_file says what it is
            raise RequirementsFileError(
                f"{item.path}:{item.line}: cannot include {item.target}: no such file ({target})"
            )
        entries += read(target, item.kind, chain)
    return entries


def read_pyproject(path: str, extras: tuple[str, ...] = ()) -> list[Entry]:
    """`[project] dependencies` of a pyproject.toml, then each `[project.optional-dependencies]` group in `extras`."""
    data = read_user_file(path, "--requirements")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RequirementsFileError(f"{path}: not UTF-8 text (byte {error.start})") from None
    return parse_pyproject(text, path, extras)


def parse_pyproject(text: str, path: str, extras: tuple[str, ...] = ()) -> list[Entry]:
    """A pyproject.toml's text -> entries (pure). Errors name the file, the line where known, and what is wrong."""
    from envcheck import data as tables  # the one TOML parser; only for a pyproject.toml

    tomllib = tables.toml()
    from packaging.requirements import InvalidRequirement, Requirement  # PEP 508
    from packaging.utils import canonicalize_name

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        where = re.search(r"\(at line (\d+), column \d+\)", str(error))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(error))
        raise RequirementsFileError(
            f"{path}:{where.group(1)}: bad TOML: {message}" if where else f"{path}: bad TOML: {message}"
        ) from None
    project = data.get("project")
    if not isinstance(project, dict):
        raise RequirementsFileError(
            f"{path}: no [project] table, so no dependencies to check (a requirement profile goes to --profile)"
        )
    dynamic = project.get("dynamic") or []
    if "dependencies" in dynamic:
        raise RequirementsFileError(
            f"{path}: [project] dependencies are dynamic (computed by the build backend): envcheck reads "
            "only what the file states; use a requirements file"
        )
    if extras and "optional-dependencies" in dynamic:
        raise RequirementsFileError(
            f"{path}: [project] optional-dependencies are dynamic (computed by the build backend): "
            "envcheck reads only what the file states; use a requirements file"
        )
    groups = project.get("optional-dependencies") or {}
    if not isinstance(groups, dict):
        raise RequirementsFileError(f"{path}: [project.optional-dependencies] must be a table of lists")
    by_name = {canonicalize_name(name): name for name in groups}
    own_name = canonicalize_name(str(project.get("name") or ""))
    lines = text.splitlines()
    queue = [("dependencies", project.get("dependencies") or [])]
    for extra in extras:
        name = by_name.get(canonicalize_name(extra))
        if name is None:
            known = ", ".join(groups) or "none"
            raise RequirementsFileError(
                f"{path}: --extra {extra}: no such group in [project.optional-dependencies] (groups: {known})"
            )
        queue.append((name, groups[name]))
    entries: list[Entry] = []
    read_groups: set = set()
    cursor = 0
    while queue:
        label, items = queue.pop(0)
        if label in read_groups:
            continue
        read_groups.add(label)
        where_group = (
            "[project] dependencies" if label == "dependencies" else f"[project.optional-dependencies] {label}"
        )
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise RequirementsFileError(f"{path}: {where_group} must be a list of requirement strings")
        for item in items:
            number, cursor = _line_of(lines, item, cursor)
            where = f"{path}:{number}" if number else path
            reason = _not_checked_reason(item)
            if reason:
                entries.append(Entry(path, number, item, NOT_CHECKED, reason))
                continue
            try:
                req = Requirement(item)
            except InvalidRequirement as error:
                raise RequirementsFileError(
                    f"{where}: {where_group}: not a valid requirement: {item!r}: {_first_line(error)}"
                ) from None
            if own_name and canonicalize_name(req.name) == own_name:
                # the project's own extras (`proj[cuda]` inside a group), as pip resolves them: those groups too
                for extra in req.extras:
                    name = by_name.get(canonicalize_name(extra))
                    if name is None:
                        raise RequirementsFileError(
                            f"{where}: {item!r} names the project's own extra {extra!r}, "
                            "which [project.optional-dependencies] does not define"
                        )
                    queue.append((name, groups[name]))
                continue
            entries.append(Entry(path, number, item, REQUIREMENT))
    return entries


def _line_of(lines: list[str], item: str, start: int) -> tuple[int, int]:
    """The 1-based line holding the TOML string `item`, searched from line index `start` (TOML gives no positions)."""
    for quoted in (f'"{item}"', f"'{item}'"):
        for index in range(start, len(lines)):
            if quoted in lines[index]:
                return index + 1, index
        for index in range(0, start):
            if quoted in lines[index]:
                return index + 1, start
    return 0, start
