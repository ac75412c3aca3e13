"""check-code's output: a verdict, the findings grouped by file with `line` (or `cell N:line`), one install
command at the end (text and rich), or the `envcheck.check-code/1` JSON. Renderers return strings."""

from __future__ import annotations

import os

from envcheck import render
from envcheck.render import SYMBOLS

_VERSION_NAMES = {"tensorflow": "TensorFlow", "keras": "Keras", "numpy": "NumPy"}


def verdict(report) -> str:
    errors = [f for f in report.findings if f.severity == "error"]
    noted = len(report.findings) - len(errors)
    files = f"{report.files} file" + ("" if report.files == 1 else "s")
    if errors:
        problems = f"{len(errors)} problem" + ("" if len(errors) == 1 else "s")
        return (f"✗ {problems} in {report.files_with_problems} of {files} would stop this course's code "
                "in this environment")
    notes = f"; {noted} note" + ("" if noted == 1 else "s") if noted else ""
    return f"✓ every module and API the course's code uses resolves in this environment ({files}{notes})"


def environment(report) -> str:
    parts = [f"Python {report.python.version_text}"]
    parts += [f"{_VERSION_NAMES.get(name, name)} {version}" for name, version in report.versions.items()]
    return f"({', '.join(parts)})"


def _display_file(report, finding) -> str:
    if finding.file is None:
        return "(course)"
    if len(report.roots) == 1 and os.path.isdir(report.roots[0]):
        return finding.file
    return os.path.normpath(os.path.join(finding.root, finding.file)) if os.path.isdir(finding.root) else finding.root


def _where(finding) -> str:
    if finding.cell is not None:
        return f"cell {finding.cell}:{finding.line}"
    return str(finding.line) if finding.line is not None else "-"


def _groups(report):
    groups: dict[str, list] = {}
    for finding in report.findings:
        groups.setdefault(_display_file(report, finding), []).append(finding)
    return groups


def text(report) -> str:
    lines = [verdict(report), f"  {environment(report)}"]
    for name, findings in _groups(report).items():
        lines += ["", name]
        width = max(len(_where(f)) for f in findings)
        for finding in findings:
            lines.append(f"  {_where(finding).ljust(width)}  {SYMBOLS.get(finding.severity, '?')} {finding.code}  "
                         f"{finding.message}")
            if finding.fix:
                lines.append(f"  {' ' * width}    Fix: {finding.fix}")
    if report.install:
        lines += ["", f"Missing packages, one command: {report.install}"]
    return "\n".join(lines) + "\n"


def rich_lines(report) -> list:
    """The same as text(), as rich renderables (terminal only): a grid per file, so long messages wrap
    beneath themselves instead of under the line numbers."""
    from rich.markup import escape  # terminal only
    from rich.table import Table

    style = "bold red" if not report.ok else "green"
    lines: list = [f"[{style}]{escape(verdict(report))}[/]", f"  [dim]{escape(environment(report))}[/]"]
    for name, findings in _groups(report).items():
        lines += ["", f"[bold]{escape(name)}[/]"]
        grid = Table.grid(padding=(0, 2))
        grid.add_column(no_wrap=True, justify="right")
        grid.add_column(overflow="fold")
        for finding in findings:
            colour = render.style(finding.severity)  # the one marks table's style
            text = (f"[{colour}]{SYMBOLS.get(finding.severity, '?')} {finding.code}[/]  {escape(finding.message)}"
                    + (f"\n[bold]Fix:[/] {escape(finding.fix)}" if finding.fix else ""))
            grid.add_row(f"  {escape(_where(finding))}", text)
        lines.append(grid)
    if report.install:
        lines += ["", f"[bold]Missing packages, one command:[/] {escape(report.install)}"]
    return lines
