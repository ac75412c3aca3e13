"""Output that follows where it goes: a rich table on a terminal, plain stable lines when piped.

Renderers elsewhere return strings or rich renderables; only the CLI layer writes. This module
holds what every command shares: choosing the format, the rich console (imported only on a
terminal), JSON, and the talk that goes to stderr.
"""

from __future__ import annotations

import os
import sys

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
    """A rich Console for stdout (or stderr). NO_COLOR (any value) turns off every ANSI style."""
    from rich.console import Console  # rich costs ~40 ms to import: only on a terminal

    if "NO_COLOR" in os.environ:
        return Console(stderr=stderr, highlight=False, color_system=None)
    return Console(stderr=stderr, highlight=False)


def write(text: str) -> None:
    """Write data to stdout, ending with exactly one newline when there is anything to write."""
    if text:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def write_lines(lines) -> None:
    sys.stdout.write("".join(f"{line}\n" for line in lines))


def to_json(data) -> str:
    import json  # not needed by the plain-text fast paths

    return json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n"


def write_json(data) -> None:
    sys.stdout.write(to_json(data))


def _json_default(value):
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def say(prog: str, message: str) -> None:
    """Talk for the person, on stderr: hints, warnings, progress."""
    sys.stderr.write(f"{prog}: {message}\n")


SYMBOLS = {"error": "✗", "warning": "!", "info": "i"}
_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def finding_lines(finding, indent: str = "  ") -> list[str]:
    """A finding as plain lines: `✗ CODE  message` then `Fix: …` beneath, for text output."""
    lines = [f"{indent}{SYMBOLS.get(finding.severity, '?')} {finding.code}  {finding.message}"]
    if finding.fix:
        lines.append(f"{indent}    Fix: {finding.fix}")
    return lines


def finding_markup(finding, indent: str = "  ") -> str:
    """The same finding as rich markup, coloured by severity (terminal only)."""
    from rich.markup import escape  # terminal only

    style = _STYLES.get(finding.severity, "")
    text = f"{indent}[{style}]{SYMBOLS.get(finding.severity, '?')} {finding.code}[/]  {escape(finding.message)}"
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
