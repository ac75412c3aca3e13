"""envcheck summarize --format html: one self-contained page a teaching assistant can open or attach.

Inline CSS and an inline SVG bar chart (hosts per finding); no script, no font, no image, nothing
fetched from the network. Every value from a document is escaped with html.escape: hand-ins are
other people's files.
"""

from __future__ import annotations

from html import escape

from envcheck.diagnose.summary import Summary
from envcheck.render.summary import COLUMNS, drift_lines, host_cells, names, problem_rows

BAR_COLOURS = {"error": "#c0392b", "warning": "#d68910", "info": "#2e86c1"}
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em;color:#1c2833;background:#fff}
h1{font-size:1.4em;margin:0 0 .2em}
.headline{font-size:1.15em;margin:0 0 1.2em}
table{border-collapse:collapse;margin:0 0 1.5em}
th,td{border-bottom:1px solid #d5d8dc;padding:.3em .7em;text-align:left;vertical-align:top}
th{background:#f4f6f7}
td.codes{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
tr.ready td.status{color:#1e8449;font-weight:600}
tr.not-ready td.status{color:#c0392b;font-weight:600}
tr.unreadable td.status,tr.no-answer td.status{color:#b9770e;font-weight:600}
svg text{font:12px ui-monospace,Menlo,Consolas,monospace;fill:#1c2833}
.fix{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
"""
_BAR_HEIGHT, _GAP, _LABEL_WIDTH, _CHART_WIDTH = 22, 8, 260, 360


def page(summary: Summary, title: str = "envcheck summary") -> str:
    """The whole HTML document as one string."""
    problems = problem_rows(summary)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="headline" id="headline">{escape(summary.headline())}</p>',
    ]
    if problems:
        parts += ["<h2>Hosts per finding</h2>", chart(problems), _findings_table(problems)]
    parts += ["<h2>Hosts</h2>", _hosts_table(summary)]
    drift = drift_lines(summary)
    if drift:
        parts += ["<h2>Drift</h2>", '<ul id="drift">'] + [f"<li>{escape(line)}</li>" for line in drift] + ["</ul>"]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def chart(problems) -> str:
    """An inline SVG: one horizontal bar per finding, its length the number of hosts that have it."""
    most = max(len(hosts) for _, _, hosts, _ in problems)
    height = len(problems) * (_BAR_HEIGHT + _GAP) + _GAP
    width = _LABEL_WIDTH + _CHART_WIDTH + 60
    out = [(f'<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="hosts per finding">')]
    for index, (what, severity, hosts, _) in enumerate(problems):
        y = _GAP + index * (_BAR_HEIGHT + _GAP)
        length = max(2, round(_CHART_WIDTH * len(hosts) / most))
        colour = BAR_COLOURS.get(severity, "#7f8c8d")
        out.append(
            f'<g class="bar" data-finding="{escape(what)}" data-hosts="{len(hosts)}">'
            f'<title>{escape(what)}: {escape(names(hosts))}</title>'
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + _BAR_HEIGHT - 6}" text-anchor="end">{escape(what)}</text>'
            f'<rect x="{_LABEL_WIDTH}" y="{y}" width="{length}" height="{_BAR_HEIGHT}" fill="{colour}"></rect>'
            f'<text x="{_LABEL_WIDTH + length + 6}" y="{y + _BAR_HEIGHT - 6}">{len(hosts)}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def _findings_table(problems) -> str:
    rows = [('<table id="findings"><thead><tr><th>finding</th><th>hosts</th><th>which</th><th>fix (send once)</th></tr>'
            "</thead><tbody>")]
    for what, _, hosts, fix in problems:
        rows.append(f'<tr><td class="codes">{escape(what)}</td><td>{len(hosts)}</td>'
                    f'<td>{escape(names(hosts, 50))}</td><td class="fix">{escape(fix or "")}</td></tr>')
    rows.append("</tbody></table>")
    return "".join(rows)


def _hosts_table(summary: Summary) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in COLUMNS)
    rows = [f'<table id="hosts"><thead><tr>{head}</tr></thead><tbody>']
    for h in summary.hosts:
        cells = host_cells(h)
        classes = ["host", "status"] + ["fact"] * (len(COLUMNS) - 3) + ["codes"]
        rows.append(f'<tr class="{escape(h.status)}" data-label="{escape(h.label)}">'
                    + "".join(f'<td class="{cls}">{escape(cell)}</td>' for cls, cell in zip(classes, cells)) + "</tr>")
    rows.append("</tbody></table>")
    return "".join(rows)

