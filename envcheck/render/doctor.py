"""Doctor's output: flutter-doctor style lines (text), the same with colour (rich), a live view.

Renderers return strings; the CLI writes them.
"""

from __future__ import annotations

import json

from envcheck.render import boxed, finding_lines, finding_markup, mark, style


def flatten(facts, prefix: str = "") -> list[tuple[str, str]]:
    """Nested facts as (dotted.key, value) pairs; lists of scalars joined, other lists as compact JSON."""
    rows: list[tuple[str, str]] = []
    if isinstance(facts, dict):
        for key, value in facts.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict) and value:
                rows += flatten(value, name)
            else:
                rows.append((name, _scalar(value)))
    else:
        rows.append((prefix, _scalar(facts)))
    return rows


def _scalar(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        if all(isinstance(v, (str, int, float)) for v in value):
            return ", ".join(str(v) for v in value) or "-"
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    if isinstance(value, dict):
        return "-"
    return str(value)


def tally(errors: int, warnings: int) -> str:
    def count(n: int, word: str) -> str:
        return f"no {word}s" if n == 0 else f"1 {word}" if n == 1 else f"{n} {word}s"

    return f"Doctor found {count(warnings, 'warning')}, {count(errors, 'error')}."


def text(result, verbose: bool = False, ascii: bool = False) -> str:
    """`[✓] Area — summary` per area with its findings beneath (`ascii`: `[ok]`, `[x]`, `[!]` marks)."""
    lines = []
    for area in result.areas:
        lines.append(f"{boxed(area.status, ascii)} {area.title} — {area.summary}")
        for finding in area.findings:
            lines += finding_lines(finding, indent="    ", ascii=ascii)
        if verbose:
            lines += [f"    {key}: {value}" for key, value in flatten(area.facts)]
            lines.append(f"    ({area.seconds:.2f} s)")
    lines += ["", tally(result.errors, result.warnings)]
    return "\n".join(lines) + "\n"


def rich_lines(result, verbose: bool = False, ascii: bool = False) -> list[str]:
    """The same content as rich markup lines (terminal only)."""
    from rich.markup import escape  # terminal only

    lines = []
    for area in result.areas:
        shown = escape(boxed(area.status, ascii))
        lines.append(f"[{style(area.status)}]{shown}[/] [bold]{escape(area.title)}[/] — {escape(area.summary)}")
        for finding in area.findings:
            lines.append(finding_markup(finding, indent="    ", ascii=ascii))
        if verbose:
            lines += [f"    [dim]{escape(key)}:[/] {escape(value)}" for key, value in flatten(area.facts)]
            lines.append(f"    [dim]({area.seconds:.2f} s)[/]")
    worst = "bold red" if result.errors else "yellow" if result.warnings else "green"
    lines += ["", f"[{worst}]{tally(result.errors, result.warnings)}[/]"]
    return lines


class LiveView:
    """One line per area while doctor runs: a spinner while running, the mark when done (stderr)."""

    def __init__(self, specs, ascii: bool = False):
        self.ascii = ascii  # a console that cannot print ✓ cannot print the braille spinner either
        self.titles = {spec.key: spec.title for spec in specs}
        self.state: dict[str, object] = {key: None for key in self.titles}

    def event(self, key: str, kind: str, area) -> None:
        self.state[key] = area if kind == "done" else "running"

    def __rich__(self):
        from rich.markup import escape  # terminal only
        from rich.spinner import Spinner
        from rich.table import Table

        table = Table.grid(padding=(0, 1))
        for key, title in self.titles.items():
            area = self.state[key]
            if area is None or area == "running":
                table.add_row(Spinner("line" if self.ascii else "dots", style="cyan"), f"{title} …")
            else:
                shown = escape(mark(area.status, self.ascii))
                table.add_row(f"[{style(area.status)}]{shown}[/]", f"{title} [dim]{area.seconds:.1f} s[/]")
        return table
