"""checks.code: which grammar judges a file, and how the pieces compose (in-process, the real child)."""

from __future__ import annotations

import sys

from envcheck import target
from envcheck.checks import code
from envcheck.probes import python_source
from envcheck.target import TargetPython


def _other_version_python() -> TargetPython:
    """This interpreter, presented as another Python version: check-code must then ask it for the grammar."""
    here = target.current()
    return TargetPython(here.executable, (3, 99, 0), here.path, here.prefix, here.base_prefix)


def test_a_target_of_another_version_judges_syntax_itself(tmp_path):
    (tmp_path / "py2.py").write_text('print "x"\n')
    (tmp_path / "ok.py").write_text("import json\nmatch json.dumps(1):\n    case _:\n        pass\n")
    report = code.check([str(tmp_path)], _other_version_python())
    assert [(f.code, f.file, f.line) for f in report.findings] == [("SYNTAX_ERROR", "py2.py", 1)]
    assert "Python 3.99.0" in report.findings[0].message


def test_a_file_only_the_target_can_parse_is_reported_as_not_analysed(tmp_path, monkeypatch):
    (tmp_path / "new.py").write_text("import json\n")
    real = python_source.analyse

    def older_parser(source, returns=None, filename="<course>"):  # envcheck's Python older than the target's
        if "json" in source:
            return python_source.SourceFacts(syntax_error=(1, "invalid syntax"))
        return real(source, returns)

    monkeypatch.setattr(python_source, "analyse", older_parser)
    report = code.check([str(tmp_path)], _other_version_python())
    assert [(f.code, f.severity) for f in report.findings] == [("CODE_NOT_ANALYSED", "info")]
    assert report.ok


def test_same_version_needs_no_child_when_nothing_is_imported(tmp_path, monkeypatch):
    (tmp_path / "plain.py").write_text("x = 1\nprint(x)\n")
    calls = []
    monkeypatch.setattr(code.course_code, "resolve", lambda *a, **k: calls.append(a))
    report = code.check([str(tmp_path)], target.current())
    assert report.ok and report.findings == () and calls == []
    assert report.to_dict()["schema"] == "envcheck.check-code/1"
    assert sys.version_info[:2] == tuple(report.python.version[:2])
