"""JUnit XML for CI systems (GitHub, GitLab, Jenkins display it): one testcase per requirement.

A FAIL is a <failure> with the fix in its text; SKIP and NOT CHECKED are <skipped> with the reason.
"""

from __future__ import annotations

from envcheck.i18n import _
from envcheck.model import FAIL, NOT_CHECKED, PASS, SKIP


def junit_xml(report) -> bytes:
    """A verify report (checks.verify.VerifyReport) as JUnit XML bytes, UTF-8, with the XML declaration."""
    import xml.etree.ElementTree as ET  # only when --junit-xml is asked for

    name = report.name or "requirements"
    outcomes = report.outcomes
    failures = str(report.count(FAIL))
    skipped = str(report.count(SKIP) + report.count(NOT_CHECKED))
    seconds = f"{report.seconds:.3f}"
    suites = ET.Element("testsuites", name="envcheck verify", tests=str(len(outcomes)), failures=failures, time=seconds)
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"envcheck verify {name}",
        tests=str(len(outcomes)),
        failures=failures,
        errors="0",
        skipped=skipped,
        time=seconds,
    )
    for outcome in outcomes:
        case = ET.SubElement(
            suite, "testcase", classname=f"envcheck.verify.{name}", name=outcome.title, time=f"{outcome.seconds:.3f}"
        )
        if outcome.status == PASS:
            ET.SubElement(case, "system-out").text = outcome.detail
        elif outcome.status == FAIL:
            failure = ET.SubElement(case, "failure", message=outcome.detail, type=outcome.finding_code)
            label = _("Fix:")
            failure.text = f"{outcome.detail}\n{label} {outcome.fix}" if outcome.fix else outcome.detail
        else:
            ET.SubElement(
                case,
                "skipped",
                message=(_("not checked: {detail}") if outcome.status == NOT_CHECKED else _("skipped: {detail}"))
                .format(detail=outcome.detail),
            )
    ET.indent(suites)  # Python 3.9+
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"
