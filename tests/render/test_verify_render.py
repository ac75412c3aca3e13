"""verify's renderers: aligned status lines with the fix beneath, the tally, JUnit statuses, the rich table."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from envcheck.checks.verify import VerifyReport
from envcheck.model import FAIL, NOT_CHECKED, PASS, SKIP, Outcome
from envcheck.render import junit, verify
from envcheck.target import current

OUTCOMES = (
    Outcome("numpy>=1.26", PASS, "numpy 2.4.6", source="r.txt:1"),
    Outcome("pandas>=2", FAIL, "pandas is not installed.", "py -m pip install 'pandas>=2'", "r.txt:2"),
    Outcome('pywin32; sys_platform == "win32"', SKIP, "marker false here", source="r.txt:3"),
    Outcome("-e .", NOT_CHECKED, "an editable install", source="r.txt:4"),
)
REPORT = VerifyReport(current(), None, OUTCOMES, 0.25, ("r.txt",))


def test_text_lines():
    assert verify.text(REPORT).splitlines() == [
        "PASS         r.txt:1 numpy>=1.26                       numpy 2.4.6",
        "FAIL         r.txt:2 pandas>=2                         pandas is not installed.",
        "                                                       Fix: py -m pip install 'pandas>=2'",
        'SKIP         r.txt:3 pywin32; sys_platform == "win32"  marker false here',
        "NOT CHECKED  r.txt:4 -e .                              an editable install",
        "1 of 2 requirements met, 1 skipped, 1 not checked (r.txt).",
    ]


def test_junit_statuses():
    suite = ET.fromstring(junit.junit_xml(REPORT)).find("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures"), suite.get("skipped")) == (
        "envcheck verify r.txt", "4", "1", "2")
    cases = suite.findall("testcase")
    assert cases[1].find("failure").text == "pandas is not installed.\nFix: py -m pip install 'pandas>=2'"
    assert [c.find("skipped").get("message") for c in cases[2:]] == ["skipped: marker false here",
                                                                     "not checked: an editable install"]


def test_rich_table_has_every_line():
    from rich.console import Console

    console = Console(width=200, color_system=None, record=True)
    console.print(verify.table(REPORT))
    shown = console.export_text()
    assert "? not checked" in shown and "✗ fail" in shown and "r.txt:3 pywin32" in shown
    assert "1 of 2 requirements met, 1 skipped, 1 not checked (r.txt)." in shown


def test_a_failure_carries_its_finding_code():
    assert [o.to_dict()["code"] for o in OUTCOMES] == [None, "REQUIREMENT_NOT_MET", None, None]
    broken = Outcome("requirements from r.txt", FAIL, "The check failed", "envcheck doctor", code="AREA_TIMED_OUT")
    assert broken.to_dict()["code"] == "AREA_TIMED_OUT"
    suite = ET.fromstring(junit.junit_xml(REPORT)).find("testsuite")
    assert suite.findall("testcase")[1].find("failure").get("type") == "REQUIREMENT_NOT_MET"
