"""envcheck verify's output: a PASS / FAIL / SKIP / NOT CHECKED line per requirement (text), the same as
a rich table (terminal), and the tally. Renderers return strings or renderables; the CLI writes them.
"""

from __future__ import annotations

from envcheck.i18n import N_, _
from envcheck.i18n import gettext as translate
from envcheck.model import FAIL, NOT_CHECKED, PASS, SKIP
from envcheck.render import ljust, mark, style, width

LABEL = {PASS: "PASS", FAIL: "FAIL", SKIP: "SKIP", NOT_CHECKED: "NOT CHECKED"}  # stable tokens, in every language
# A requirement's status -> (the marks table's status, or a plain mark; the word)
MARKS = {PASS: ("ok", N_("pass")), FAIL: ("error", N_("fail")), SKIP: ("-", N_("skip")),
         NOT_CHECKED: ("?", N_("not checked"))}
PLAIN_STYLES = {SKIP: "cyan", NOT_CHECKED: "yellow"}


def _markup(status: str, ascii: bool) -> str:
    """`✓ pass` in green (or `[ok] pass` on a console that cannot print ✓), as rich markup."""
    from rich.markup import escape  # terminal only

    kind, word = MARKS[status]
    shown, colour = (kind, PLAIN_STYLES[status]) if status in PLAIN_STYLES else (mark(kind, ascii), style(kind))
    return f"[{colour}]{escape(shown)} {escape(translate(word))}[/]"


def tally(report) -> str:
    """`2 of 5 requirements met (ci).`, with what was skipped or not checked when there is any."""
    checked = report.count(PASS) + report.count(FAIL)
    text = _("{met} of {checked} requirements met").format(met=report.count(PASS), checked=checked)
    if report.count(SKIP):
        text += _(", {count} skipped").format(count=report.count(SKIP))
    if report.count(NOT_CHECKED):
        text += _(", {count} not checked").format(count=report.count(NOT_CHECKED))
    return text + (f" ({report.name})." if report.name else ".")


def text(report) -> str:
    """Plain lines: status, requirement, what was found; the fix beneath every failure."""
    outcomes = report.outcomes
    label_width = max((len(LABEL[o.status]) for o in outcomes), default=4)
    column = max((width(o.title) for o in outcomes), default=0)
    fix_label = _("Fix:")
    lines = []
    for o in outcomes:
        lines.append(f"{LABEL[o.status].ljust(label_width)}  {ljust(o.title, column)}  {o.detail}".rstrip())
        if o.fix:
            lines.append(f"{' ' * label_width}  {' ' * column}  {fix_label} {o.fix}")
    return "\n".join(lines + [tally(report)]) + "\n"


def table(report, ascii: bool = False):
    """The same as a rich table, for a terminal (`ascii`: the marks' ASCII forms)."""
    from rich.markup import escape  # terminal only
    from rich.table import Table

    title = f"envcheck verify: {report.name}" if report.name else "envcheck verify"
    table = Table(title=title, title_justify="left", caption=tally(report), caption_justify="left")
    table.add_column("")
    table.add_column(_("Requirement"))
    table.add_column(_("Found / fix"), overflow="fold")
    fix_label = escape(_("Fix:"))
    for o in report.outcomes:
        text = escape(o.detail) + (f"\n[bold]{fix_label}[/] {escape(o.fix)}" if o.fix else "")
        table.add_row(_markup(o.status, ascii), escape(o.title), text)
    return table
