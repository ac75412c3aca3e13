"""Reading many hosts' envcheck JSON: files, folders of hand-ins, and a stream on standard input.

Each input is one host. A file holds one JSON document; a folder stands for every `*.json` file under
it (sorted, recursively); `-` is standard input, a stream of JSON documents one after another
(`srun … check-cuda --format json` prints indented documents back to back; `parallel ssh` or a
Kubernetes log gives JSON lines). An input that cannot be read (not JSON, truncated, not UTF-8, not a
regular file, too large) is a `Handin` with a `problem`, never the end of the summary: the caller
shows it as a named row. Only a path that does not exist is bad usage (UsageError, exit 2).
"""

from __future__ import annotations

import os
import re
from typing import NamedTuple

from envcheck.errors import UsageError
from envcheck.probes import files

STDIN = "-"
_SPACE = re.compile(r"[ \t\r\n]*")  # JSON's whitespace between documents
_LITERAL_START = re.compile(r"(?:t(?:ru?)?|f(?:a(?:ls?)?)?|n(?:ul?)?)\s*\Z")  # true/false/null cut short at the end
_POD_PREFIX = re.compile(r"\[pod/([^/\]\s]+)/[^\]\s]*\] ?")  # kubectl logs --prefix: [pod/NAME/CONTAINER]
MAX_STDIN_BYTES = 1024 * 1024 * 1024  # 1 GiB: ~70,000 doctor reports; more is not a class or a cluster


class Handin(NamedTuple):
    """One host's input: the label to fall back on, where it came from, its document or why there is none."""

    name: str  # the file's stem ("kim-minji"), or "stdin:3" for the third document on standard input
    source: str  # the path as given, or "<stdin>:LINE"
    document: object = None  # the decoded JSON value (a dict for envcheck's documents); None when unreadable
    problem: str | None = None  # why the input could not be read, in words
    longer_name: str | None = None  # for a file: its path under the folder named (sans .json), to tell apart
    # hand-ins that share a stem (kim-minji/envcheck-report, park-jun/envcheck-report)
    anonymous: bool = False  # the name is only a position on standard input ("stdin:3"), not one a user gave


def collect(paths: list[str], stdin=None) -> list[Handin]:
    """Every input named by `paths` (files, folders, `-`), in the order given; folders sorted by path.

    Raises UsageError when a path does not exist or `-` is named twice; unreadable inputs are Handins
    with a problem. `stdin` is a binary stream (default: sys.stdin.buffer).
    """
    missing = [path for path in paths if path != STDIN and not os.path.lexists(path)]
    if missing:
        raise UsageError(f"{missing[0]}: no such file or directory")
    if paths.count(STDIN) > 1:
        raise UsageError("'-' (standard input) can be named only once")
    found: list[Handin] = []
    for path in paths:
        if path == STDIN:
            found += read_stream(_read_stdin(stdin))
        elif os.path.isdir(path):
            found += [read_file(file)._replace(longer_name=os.path.relpath(file, path).removesuffix(".json"))
                      for file in json_files(path)]
        else:
            found.append(read_file(path)._replace(longer_name=path.removesuffix(".json")))
    return found


def json_files(folder: str) -> list[str]:
    """Every `*.json` file under `folder` (following no symbolic links to folders), sorted by path."""
    found = []
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        found += [os.path.join(root, name) for name in names if name.endswith(".json")]
    return sorted(found)


def read_file(path: str, name: str | None = None) -> Handin:
    """One file: its document, or a Handin whose problem says why it cannot be read."""
    name = name or _stem(path)
    try:
        data = files.read_user_file(path, "input")
    except UsageError as error:  # not a regular file, too large, unreadable: a named row, not the end
        said, prefix = str(error), f"input {path}: "
        return Handin(name, path, None, said[len(prefix):] if said.startswith(prefix) else said)
    documents = read_stream(data, path, name)
    if len(documents) == 1:
        return documents[0]
    if not documents:
        return Handin(name, path, None, "empty file")
    return Handin(name, path, None, f"{len(documents)} JSON documents in one file (one host per file)")


def read_stream(data: bytes, source: str = "<stdin>", name: str | None = None) -> list[Handin]:
    """JSON documents back to back (indented or one per line) -> one Handin each.

    Text that is not JSON (a stray log line, a truncated document) becomes a Handin with a problem,
    and reading resumes at the next line that starts a JSON object, so one bad line costs one row.
    Lines that `kubectl logs --prefix` marked with their pod (`[pod/NAME/CONTAINER] `) are read pod
    by pod, and each pod's documents are named after it.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return [Handin(name or "stdin:1", source, None, f"not UTF-8 text (byte {error.start})")]
    pods = None if name else split_pod_prefixes(text)
    if pods is None:
        return _documents(text, source, name)
    found: list[Handin] = []
    for pod, body in pods:
        found += _documents(body, f"{source}:pod/{pod}" if pod else source, pod)
    return found


def split_pod_prefixes(text: str) -> list[tuple[str | None, str]] | None:
    """[(pod, its lines without the prefix)] in order, when the text starts with a `kubectl logs --prefix`
    line; None otherwise. Unprefixed lines between them form groups of their own (pod None)."""
    first = _SPACE.match(text).end()
    if not _POD_PREFIX.match(text, first):
        return None
    groups: list[tuple[str | None, list[str]]] = []
    for line in text.splitlines(keepends=True):
        match = _POD_PREFIX.match(line)
        pod, body = (match.group(1), line[match.end():]) if match else (None, line)
        if groups and groups[-1][0] == pod:
            groups[-1][1].append(body)
        else:
            groups.append((pod, [body]))
    return [(pod, "".join(lines)) for pod, lines in groups]


def _documents(text: str, source: str, name: str | None) -> list[Handin]:
    import json  # not needed until there is something to decode

    decoder = json.JSONDecoder()
    found: list[Handin] = []
    position, end = 0, len(text)
    line, counted = 1, 0  # the line number at `counted`, advanced as reading goes (not recounted: O(n))
    while True:
        position = _skip_space(text, position)
        if position >= end:
            return found
        line += text.count("\n", counted, position)
        counted = position
        where = source if name else f"{source}:{line}"
        label = name or f"stdin:{len(found) + 1}"
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            found.append(Handin(label, where, None, _decode_problem(error, text, end)))
            position = _next_object(text, position)
            continue
        found.append(Handin(label, where, document, anonymous=not name))


def _decode_problem(error, text: str, end: int) -> str:
    cut_in_a_literal = _LITERAL_START.match(text, error.pos) is not None  # "remapped": fa|
    if error.pos >= end or error.msg.startswith("Unterminated string") or cut_in_a_literal:
        return "truncated JSON (the document ends early)"
    return f"not JSON ({error.msg} at line {error.lineno} column {error.colno})"


def _skip_space(text: str, position: int) -> int:
    match = _SPACE.match(text, position)
    return match.end() if match else position


def _next_object(text: str, position: int) -> int:
    """Where the next line starting with `{` begins after `position` (or the end)."""
    while True:
        newline = text.find("\n", position)
        if newline < 0:
            return len(text)
        position = newline + 1
        if text.startswith("{", position):
            return position


def _read_stdin(stdin) -> bytes:
    import sys  # only when standard input is read

    stream = stdin if stdin is not None else sys.stdin.buffer
    data = stream.read(MAX_STDIN_BYTES + 1)
    if len(data) > MAX_STDIN_BYTES:
        raise UsageError(f"standard input: more than {MAX_STDIN_BYTES // (1024 * 1024)} MiB of JSON")
    return data


def _stem(path: str) -> str:
    base = os.path.basename(path.rstrip(os.sep)) or path
    return base.removesuffix(".json")
