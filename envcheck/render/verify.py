"""envcheck verify's output: a PASS / FAIL / SKIP / NOT CHECKED line per requirement (text), the same as
a rich table (terminal), and the tally. Renderers return strings or renderables; the CLI writes them.
"""

from __future__ import annotations

from envcheck.model import FAIL, NOT_CHECKED, PASS, SKIP
from envcheck.render import mark, style

LABEL = {PASS: "PASS", FAIL: "FAIL", SKIP: "SKIP", NOT_CHECKED: "NOT CHECKED"}
# A requirement's status -> (the marks table's status, or a plain mark; the word)
MARKS = {PASS: ("ok", "pass"), FAIL: ("error", "fail"), SKIP: ("-", "skip"), NOT_CHECKED: ("?", "not checked")}
PLAIN_STYLES = {SKIP: "cyan", NOT_CHECKED: "yellow"}


def _markup(status: str, ascii: bool) -> str:
    """`✓ pass` in green (or `[ok] pass` on a console that cannot print ✓), as rich markup."""
    from rich.markup import escape  # terminal only

    kind, word = MARKS[status]
    shown, colour = (kind, PLAIN_STYLES[status]) if status in PLAIN_STYLES else (mark(kind, ascii), style(kind))
    return f"[{colour}]{escape(shown)} {word}[/]"


def tally(report) -> str:
    """`2 of 5 requirements met (ci).`, with what was skipped or not checked when there is any."""
    checked = report.count(PASS) + report.count(FAIL)
    text = f"{report.count(PASS)} of {checked} requirements met"
    if report.count(SKIP):
        text += f", {report.count(SKIP)} skipped"
    if report.count(NOT_CHECKED):
        text += f", {report.count(NOT_CHECKED)} not checked"
    return text + (f" ({report.name})." if report.name else ".")


def text(report) -> str:
    """Plain lines: status, requirement, what was found; the fix beneath every failure."""
    outcomes = report.outcomes
    label_width = max((len(LABEL[o.status]) for o in outcomes), default=4)
    width = max((len(o.title) for o in outcomes), default=0)
    lines = []
    for o in outcomes:
        lines.append(f"{LABEL[o.status].ljust(label_width)}  {o.title.ljust(width)}  {o.detail}".rstrip())
        if o.fix:
            lines.append(f"{' ' * label_width}  {' ' * width}  Fix: {o.fix}")
    return "\n".join(lines + [tally(report)]) + "\n"


def table(report, ascii: bool = False):
    """The same as a rich table, for a terminal (`ascii`: the marks' ASCII forms)."""
    from rich.markup import escape  # terminal only
    from rich.table import Table

    title = f"envcheck verify: {report.name}" if report.name else "envcheck verify"
    table = Table(title=title, title_justify="left", caption=tally(report), caption_justify="left")
    table.add_column("")
    table.add_column("Requirement")
    table.add_column("Found / fix", overflow="fold")
    for o in report.outcomes:
        text = escape(o.detail) + (f"\n[bold]Fix:[/] {escape(o.fix)}" if o.fix else "")
        table.add_row(_markup(o.status, ascii), escape(o.title), text)
    return table
