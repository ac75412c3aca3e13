"""envcheck verify's output: a PASS / FAIL / SKIP / NOT CHECKED line per requirement (text), the same as
a rich table (terminal), and the tally. Renderers return strings or renderables; the CLI writes them.
"""

from __future__ import annotations

from envcheck.i18n import N_, _
from envcheck.i18n import gettext as translate
from envcheck.model import FAIL, NOT_CHECKED, PASS, SKIP
from envcheck.render import ljust, width

LABEL = {PASS: "PASS", FAIL: "FAIL", SKIP: "SKIP", NOT_CHECKED: "NOT CHECKED"}  # stable tokens, in every language
MARKUP = {
    PASS: ("green", "✓", N_("pass")),
    FAIL: ("bold red", "✗", N_("fail")),
    SKIP: ("cyan", "-", N_("skip")),
    NOT_CHECKED: ("yellow", "?", N_("not checked")),
}


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


def table(report):
    """The same as a rich table, for a terminal."""
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
        style, mark, word = MARKUP[o.status]
        table.add_row(f"[{style}]{mark} {escape(translate(word))}[/]", escape(o.title), text)
    return table
