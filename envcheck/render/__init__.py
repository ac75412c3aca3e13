"""Output that follows where it goes: a rich table on a terminal, plain stable lines when piped.

Renderers elsewhere return strings or rich renderables; only the CLI layer writes. This module
holds what every command shares: choosing the format, the rich console (imported only on a
terminal), JSON, the talk that goes to stderr, the one table of status marks and styles, and
what happens on a console that cannot print them (cp949, latin-1, ascii, LC_ALL=C): the marks and
symbols fall back to ASCII per stream, anything else that stream cannot encode is written as a
backslash escape (never lost, never a crash), and JSON is written ASCII-only (still valid JSON).
Writing that fails (a full disk, an unwritable -o FILE) is an OutputError: one line, exit 2.
"""

from __future__ import annotations

import codecs  # already loaded by the io layer at start-up: the encoding checks cost no import
import errno
import os
import sys

from envcheck.errors import OutputError

RICH = "rich"  # a terminal: tables, colour unless NO_COLOR


def output_format(requested: str | None, to_file: bool = False) -> str:
    """The format to print in: what --format asked for, else rich on a terminal and text when piped
    (or written to a file)."""
    if requested:
        return requested
    if to_file:
        return "text"
    return RICH if _isatty(sys.stdout) else "text"


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or replaced streams are not terminals
        return False


def console(stderr: bool = False):
    """A rich Console for stdout (or stderr). NO_COLOR (any value) turns off every ANSI style.

    It writes through `_Fitted`, so a console that cannot encode the marks gets their ASCII forms
    (rich itself then draws ASCII boxes and bars: it reads the stream's encoding).
    """
    from rich.console import Console  # rich costs ~40 ms to import: only on a terminal

    stream = sys.stderr if stderr else sys.stdout
    file = _Fitted(stream, "stderr" if stderr else "stdout")
    colour = {"color_system": None} if "NO_COLOR" in os.environ else {}
    if not _fallback(_encoding(stream))[1]:
        return Console(file=file, highlight=False, **colour)

    class FittedConsole(Console):
        """Fits every string to the stream before rich measures it, so tables stay aligned (≥ is two
        columns wide as >=) and a mark's brackets are escaped where the string is markup."""

        def render_str(self, text: str, **options):
            markup = self._markup if options.get("markup") is None else options["markup"]
            return super().render_str(fit(text, stream, markup=markup), **options)

    return FittedConsole(file=file, highlight=False, **colour)


def write(text: str) -> None:
    """Write data to stdout, ending with exactly one newline when there is anything to write."""
    if text:
        _write(text if text.endswith("\n") else text + "\n")


def write_lines(lines) -> None:
    _write("".join(f"{line}\n" for line in lines))


def flush() -> None:
    """Flush stdout: a full disk or an I/O error shows up here, as OutputError (a closed pipe stays itself)."""
    if sys.stdout is None:  # started with stdout closed (`>&-`): _write already said so if anything was lost
        return
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        raise OutputError.of("stdout", error) from None


def _write(text: str) -> None:
    if sys.stdout is None:  # started with stdout closed (`>&-`): Python has no stream for it at all
        raise OutputError.of("stdout", OSError(errno.EBADF, os.strerror(errno.EBADF)))
    try:
        sys.stdout.write(fit(text, sys.stdout))
    except BrokenPipeError:
        raise  # the reader left (`| head -1`): not an error, the CLI handles it
    except OSError as error:
        raise OutputError.of("stdout", error) from None


def to_json(data, ascii: bool = False) -> str:
    """Indented JSON with a final newline; `ascii` escapes every non-ASCII character (\\uXXXX)."""
    import json  # not needed by the plain-text fast paths

    return json.dumps(data, indent=2, ensure_ascii=ascii, default=_json_default) + "\n"


def write_json(data, host: str | None = None) -> None:
    """JSON on stdout: UTF-8 where stdout is UTF-8, else ASCII-only, so it stays valid whatever reads it.

    `host`: the machine's name, added as "host" so many machines' answers piped into one
    `envcheck summarize -` (srun, parallel ssh) are told apart by name."""
    if host:
        data = {**data, "host": host}
    _write(to_json(data, ascii=not is_utf8(sys.stdout)))


def _json_default(value):
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def say(prog: str, message: str) -> None:
    """Talk for the person, on stderr: hints, warnings, progress."""
    sys.stderr.write(fit(f"{prog}: {message}\n", sys.stderr))


def write_file(path: str, data: str | bytes, what: str) -> None:
    """Write a file the user named (`what` is the option, e.g. "-o"), as UTF-8 when `data` is text.

    A path that cannot be written (no such directory, no permission, a full disk) raises OutputError:
    one line naming the option, the file and the OS error, exit 2.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(path, "wb") as stream:
            stream.write(payload)
    except OSError as error:
        raise OutputError.of(f"{what} {path}", error) from None


# ------------------------------------------------------------------ marks, and consoles that cannot print them

# The one table of how a status looks: doctor's "ok" and the finding severities -> (mark, ASCII mark, rich style).
MARKS = {
    "ok": ("✓", "[ok]", "green"),
    "error": ("✗", "[x]", "bold red"),
    "warning": ("!", "[!]", "yellow"),
    "info": ("i", "[i]", "cyan"),
}
# The severity marks alone, derived from MARKS (for renderers that ask by severity: check-code's).
SYMBOLS = {status: symbol for status, (symbol, _, _) in MARKS.items() if status != "ok"}
# Symbols that renderers and findings use, and what they become on a stream that cannot encode them.
# Only these symbols change: other text (Korean on cp949, accents on latin-1) prints as it is.
ASCII_FALLBACK = {
    "✓": "[ok]", "✗": "[x]", "→": "->", "←": "<-", "‖": "|", "·": "-", "…": "...", "—": "-", "–": "-",
    "≥": ">=", "≤": "<=", "×": "x", "•": "*", "━": "-", "─": "-", "│": "|", "±": "+/-", "µ": "u",
    # the loss sparkline, lowest to highest
    "▁": "_", "▂": ".", "▃": "-", "▄": "~", "▅": "=", "▆": "+", "▇": "*", "█": "#",
}
SPARKS = "▁▂▃▄▅▆▇█"


def mark(status: str, ascii: bool = False) -> str:
    """The mark for a status or severity (`✓`, `✗`, `!`, `i`), or its ASCII form (`[ok]`, `[x]`, `[!]`, `[i]`)."""
    symbol, fallback, _ = MARKS.get(status, ("?", "[?]", ""))
    return fallback if ascii else symbol


def boxed(status: str, ascii: bool = False) -> str:
    """The mark in brackets, as doctor's lines start: `[✓]`, or `[ok]` in ASCII (already bracketed)."""
    return mark(status, True) if ascii else f"[{mark(status)}]"


def style(status: str) -> str:
    return MARKS.get(status, ("", "", ""))[2]


def ascii_marks(stream=None) -> bool:
    """Whether `stream` (default stdout) cannot encode the marks, so renderers should use their ASCII forms."""
    return _fallback(_encoding(sys.stdout if stream is None else stream))[0]


def is_utf8(stream) -> bool:
    return _encoding(stream).startswith("utf")


def fit(text: str, stream, markup: bool = False) -> str:
    """`text` with the symbols `stream` cannot encode replaced by their ASCII forms (`markup`: rich markup,
    so the brackets of `[ok]` are escaped and print as brackets)."""
    table = _fallback(_encoding(stream))[1]
    if table and markup:
        table = {code: ascii.replace("[", "\\[") for code, ascii in table.items()}
    return text.translate(table) if table else text


def protect(stream) -> None:
    """Let a non-UTF-8 stream write what it cannot encode as backslash escapes instead of raising.

    The symbols are translated first (fit); this is for everything else, so no text is lost.
    """
    if not is_utf8(stream) and getattr(stream, "errors", "strict") == "strict" and hasattr(stream, "reconfigure"):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (ValueError, OSError):  # closed or detached: nothing will be written there anyway
            pass


def _encoding(stream) -> str:
    name = getattr(stream, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


_FALLBACKS: dict[str, tuple[bool, dict]] = {}


def _fallback(encoding: str) -> tuple[bool, dict]:
    """(the marks need ASCII, a str.translate table of the symbols this encoding cannot encode)."""
    if encoding.startswith("utf"):
        return False, {}
    if encoding not in _FALLBACKS:
        table = {}
        for symbol, ascii in ASCII_FALLBACK.items():
            try:
                symbol.encode(encoding)
            except (UnicodeError, LookupError):
                table[ord(symbol)] = ascii
        for group in ("✓✗", SPARKS):  # all or none: a sparkline or a set of marks half in ASCII reads wrong
            if any(ord(symbol) in table for symbol in group):
                table.update({ord(symbol): ASCII_FALLBACK[symbol] for symbol in group})
        marks_ascii = ord("✓") in table
        _FALLBACKS[encoding] = (marks_ascii, table)
    return _FALLBACKS[encoding]


class _Fitted:
    """A stream for rich: symbols fitted to the real stream's encoding, write errors as OutputError."""

    def __init__(self, stream, name: str) -> None:
        self._stream, self._name = stream, name

    def write(self, text: str) -> int:
        try:
            return self._stream.write(fit(text, self._stream))
        except BrokenPipeError:
            raise
        except OSError as error:
            raise OutputError.of(self._name, error) from None

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise OutputError.of(self._name, error) from None

    def __getattr__(self, name: str):  # isatty, fileno, encoding ...: the real stream's
        return getattr(self._stream, name)


def finding_lines(finding, indent: str = "  ", ascii: bool = False) -> list[str]:
    """A finding as plain lines: `✗ CODE  message` then `Fix: …` beneath, for text output."""
    lines = [f"{indent}{mark(finding.severity, ascii)} {finding.code}  {finding.message}"]
    if finding.fix:
        lines.append(f"{indent}    Fix: {finding.fix}")
    return lines


def finding_markup(finding, indent: str = "  ", ascii: bool = False) -> str:
    """The same finding as rich markup, coloured by severity (terminal only)."""
    from rich.markup import escape  # terminal only

    shown = escape(mark(finding.severity, ascii))
    text = f"{indent}[{style(finding.severity)}]{shown} {finding.code}[/]  {escape(finding.message)}"
    if finding.fix:
        text += f"\n{indent}    [bold]Fix:[/] {escape(finding.fix)}"
    return text


def deliver(prog: str, shown, output: str | None = None) -> None:
    """Write a rendered answer to FILE when --output names one (saying so on stderr), else to stdout.

    `shown` is a string, or a rich renderable (printed on the terminal's console). An unwritable FILE
    is bad usage (exit 2), in one line.
    """
    if output:
        from envcheck.errors import UsageError  # only when writing to a file can fail this way

        try:
            with open(output, "w", encoding="utf-8") as stream:
                stream.write(shown)
        except OSError as error:
            raise UsageError(f"--output {output}: cannot write: {error.strerror or error}") from None
        say(prog, f"wrote {output}")
    elif isinstance(shown, str):
        write(shown)
    else:
        console().print(shown)
