"""envcheck report's output: markdown (for an issue or a forum, long parts folded) and plain text.

Both take the redacted `envcheck.report/1` dict that `envcheck.checks.report.build` makes (or a saved
one read back with --from) and return a string; the CLI writes it.
"""

from __future__ import annotations

from envcheck.render import boxed, mark
from envcheck.render.doctor import flatten, tally


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(report: dict, ascii: bool = False) -> str:
    """The report as GitHub markdown; `ascii`: the marks' ASCII forms, for a console that cannot print ✓."""
    doctor = report["doctor"]
    py = report["python"]
    plat = report["platform"]
    out = [
        "### envcheck report",
        "",
        f"envcheck {report['envcheck']} · {report['generated']} · Python {py['version']}"
        f"{' (venv)' if py.get('venv') else ''} · {plat['system']} {plat['release']} {plat['machine']}",
        "",
        "| | Area | Summary |",
        "|---|---|---|",
    ]
    out += [f"| {mark(a['status'], ascii)} | {_cell(a['title'])} | {_cell(a['summary'])} |" for a in doctor["areas"]]
    out += ["", f"**{tally(doctor['errors'], doctor['warnings'])}**", ""]
    problems = [(a, f) for a in doctor["areas"] for f in a["findings"]]
    if problems:
        out.append("#### Problems and fixes")
        out.append("")
        for area, finding in problems:
            shown = mark(finding["severity"], ascii)
            out.append(f"- {shown} **{finding['code']}** ({area['title']}): {finding['message']}")
            if finding.get("fix"):
                fix = finding["fix"]
                out.append(f"  Fix: {fix}" if "`" in fix or fix.endswith(".") else f"  Fix: `{fix}`")
        out.append("")
    facts = []
    for area in doctor["areas"]:
        facts.append(f"{area['title']} ({area['seconds']:.2f} s)")
        facts += [f"  {key}: {value}" for key, value in flatten(area["facts"])]
    out += _details("Facts per area", facts)
    packages = [f"{r['name']}=={r['version']}" for r in report["packages"]]
    out += _details(f"Installed packages ({len(report['packages'])})", packages)
    environment = [f"{k}={v}" for k, v in report["environment"].items()]
    out += _details("Environment variables (allow-listed)", environment or ["(none set)"])
    pip_index = [f"{s['source']}: {s['key']} = {s['value']}" for s in report["pip_index"]]
    out += _details("pip index settings", pip_index or ["(defaults: https://pypi.org/simple)"])
    return "\n".join(out).rstrip() + "\n"


def _details(summary: str, lines: list[str]) -> list[str]:
    return ["<details>", f"<summary>{summary}</summary>", "", "```", *lines, "```", "", "</details>", ""]


def text(report: dict, ascii: bool = False) -> str:
    doctor = report["doctor"]
    out = [f"envcheck {report['envcheck']} report, {report['generated']}"]
    out += [f"{key}: {value}" for key, value in flatten({"platform": report["platform"], "python": report["python"]})]
    out.append("")
    for area in doctor["areas"]:
        out.append(f"{boxed(area['status'], ascii)} {area['title']} — {area['summary']}")
        for finding in area["findings"]:
            out.append(f"    {mark(finding['severity'], ascii)} {finding['code']}  {finding['message']}")
            if finding.get("fix"):
                out.append(f"        Fix: {finding['fix']}")
        out += [f"    {key}: {value}" for key, value in flatten(area["facts"])]
    out += ["", tally(doctor["errors"], doctor["warnings"]), "", "packages:"]
    out += [f"  {r['name']}=={r['version']}" for r in report["packages"]]
    out += ["", "environment:"] + [f"  {k}={v}" for k, v in report["environment"].items()]
    out += ["", "pip index:"] + [f"  {s['source']}: {s['key']} = {s['value']}" for s in report["pip_index"]]
    return "\n".join(out) + "\n"
