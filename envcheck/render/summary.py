"""envcheck summarize's (and fleet's) output: text, markdown, JSON and the rich terminal view.

One Summary in, one string (or rich renderable) out. The HTML page lives in render/summary_html.py.
"""

from __future__ import annotations

from envcheck import render
from envcheck.diagnose.summary import NO_ANSWER, NOT_READY, READY, UNREADABLE, Summary

STATUS_WORDS = {READY: "ready", NOT_READY: "not ready", UNREADABLE: "unreadable", NO_ANSWER: "no answer"}
COLUMNS = ("host", "status", "python", "tensorflow", "numpy", "gpu", "driver", "cuda", "findings")
MISSING = "-"
NAMES_SHOWN = 20  # host names listed per finding or drift value; the JSON lists every one
FORMATS = ("text", "markdown", "json", "html")


def host_cells(host) -> list[str]:
    """A host's row as cells in COLUMNS order; the last names its codes, or why it could not be read."""
    last = " ".join(host.codes) if host.status in (READY, NOT_READY) else f"({host.problem})"
    if host.gpu_health not in (None, "ok"):
        last = f"{last} [GPU health: {host.gpu_health}]".strip()
    values = (host.python, host.tensorflow, host.numpy, host.gpu, host.driver, host.cuda)
    return [host.label, STATUS_WORDS[host.status], *(value or MISSING for value in values), last]


def problem_rows(summary: Summary) -> list[tuple[str, str, list[str], str | None]]:
    """(what, severity, hosts, fix or explanation) for each finding, then the unreadable and silent hosts."""
    rows = [(g.code, g.severity, list(g.hosts), g.fix) for g in summary.findings]
    for status, what, severity in ((UNREADABLE, "(unreadable)", "error"), (NO_ANSWER, "(no answer)", "error")):
        hosts = [h for h in summary.hosts if h.status == status]
        if hosts:
            reasons = sorted({h.problem or "" for h in hosts})
            rows.append((what, severity, [h.label for h in hosts], "; ".join(reasons)))
    return rows


def drift_lines(summary: Summary, hosts_shown: int | None = NAMES_SHOWN) -> list[str]:
    """'TensorFlow: 2.21.0 ×39, 2.18.0 ×2 (choi-yuna, han-sol)': the hosts of all but the commonest value."""
    lines = []
    for d in summary.drift:
        parts = []
        for index, (value, hosts) in enumerate(d.values):
            part = f"{value} ×{len(hosts)}"
            if index:
                part += f" ({names(hosts, hosts_shown)})"
            parts.append(part)
        lines.append(f"{d.name}: {', '.join(parts)}")
    return lines


def names(hosts, limit: int | None = NAMES_SHOWN) -> str:
    """'a, b, c' — past `limit` names, '…, and 180 more' (a class of 40 reads whole; a cluster of 2,000 does not)."""
    if limit is None or len(hosts) <= limit:
        return ", ".join(hosts)
    return ", ".join(hosts[:limit]) + f", … and {len(hosts) - limit} more"


def text(summary: Summary) -> str:
    """Plain, stable lines for a pipe: the headline, one row per host, the findings with a fix each, drift."""
    rows = [list(COLUMNS)] + [host_cells(h) for h in summary.hosts]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    lines = [summary.headline(), ""]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1] for row in rows]
    lines = [line.rstrip() for line in lines]
    problems = problem_rows(summary)
    if problems:
        lines += ["", "findings across hosts:"]
        for what, severity, hosts, fix in problems:
            plural = "s" if len(hosts) != 1 else ""
            lines.append(f"  {render.SYMBOLS.get(severity, '?')} {what}  {len(hosts)} host{plural}: {names(hosts)}")
            if fix:
                lines.append(f"      {'Fix' if what[0] != '(' else 'Why'}: {fix}")
    drift = drift_lines(summary)
    if drift:
        lines += ["", "drift (facts that should agree and do not):"] + [f"  {line}" for line in drift]
    return "\n".join(lines) + "\n"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown(summary: Summary) -> str:
    """For an issue, a course forum or a CI job summary: tables and a drift list."""
    out = ["### envcheck summary", "", f"**{summary.headline()}**", "",
           "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    out += ["| " + " | ".join(_cell(c) for c in host_cells(h)) + " |" for h in summary.hosts]
    problems = problem_rows(summary)
    if problems:
        out += ["", "#### Findings across hosts", "", "| finding | hosts | which | fix (send once) |",
                "|---|---|---|---|"]
        out += [f"| {_cell(what)} | {len(hosts)} | {_cell(names(hosts))} | {_cell(fix or '')} |"
                for what, _, hosts, fix in problems]
    drift = drift_lines(summary)
    if drift:
        out += ["", "#### Drift", ""] + [f"- {_cell(line)}" for line in drift]
    return "\n".join(out) + "\n"


def json_text(summary: Summary) -> str:
    return render.to_json(summary.to_dict())


def rich_view(summary: Summary):
    """The terminal view: a coloured host table, the findings with fixes, drift (long host lists shortened)."""
    from rich.console import Group  # terminal only
    from rich.markup import escape
    from rich.table import Table

    styles = {READY: "green", NOT_READY: "bold red", UNREADABLE: "yellow", NO_ANSWER: "yellow"}
    table = Table(title=summary.headline(), title_justify="left")
    for column in COLUMNS:
        table.add_column(column, overflow="fold")
    for h in summary.hosts:
        cells = [escape(c) for c in host_cells(h)]
        cells[1] = f"[{styles[h.status]}]{cells[1]}[/]"
        table.add_row(*cells)
    parts = [table]
    for what, severity, hosts, fix in problem_rows(summary):
        style = "bold red" if severity == "error" else "yellow"
        symbol = render.SYMBOLS.get(severity, "?")
        plural = "s" if len(hosts) != 1 else ""
        line = f"[{style}]{symbol} {escape(what)}[/]  {len(hosts)} host{plural}: {escape(names(hosts, 12))}"
        if fix:
            line += f"\n    [bold]{'Fix' if what[0] != '(' else 'Why'}:[/] {escape(fix)}"
        parts.append(line)
    drift = drift_lines(summary, hosts_shown=12)
    if drift:
        parts.append("[bold]drift[/]  " + "\n       ".join(escape(line) for line in drift))
    return Group(*parts)


def view(summary: Summary, fmt: str):
    """The summary in `fmt`: a string (text, markdown, json, html) or, for rich, a renderable."""
    if fmt == "json":
        return json_text(summary)
    if fmt == "markdown":
        return markdown(summary)
    if fmt == "html":
        from envcheck.render import summary_html  # only for --format html

        return summary_html.page(summary)
    if fmt == render.RICH:
        return rich_view(summary)
    return text(summary)
