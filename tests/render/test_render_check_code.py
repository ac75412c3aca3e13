"""render.check_code: the verdict, findings grouped by file with line or cell, one install command."""

from __future__ import annotations

import io

from envcheck.checks.code import CodeReport
from envcheck.diagnose.code import CodeFinding
from envcheck.render import check_code
from envcheck.target import TargetPython

PY = TargetPython("/c/.venv/bin/python", (3, 11, 7), (), "/c/.venv", "/usr")


def _report(findings, roots=("course",), install=None) -> CodeReport:
    return CodeReport(PY, roots, 23, tuple(findings), install, {"tensorflow": "2.21.0", "numpy": "2.4.6"}, 1.0)


FINDINGS = [
    CodeFinding("API_MISSING", "error", "tf.placeholder does not exist in tensorflow 2.21.0", "use tf.compat.v1",
                "course", "week1/lab1.py", 4, name="tf.placeholder"),
    CodeFinding("MODULE_NOT_INSTALLED", "error", "cv2 is not installed (pip: opencv-python)",
                "/c/.venv/bin/python -m pip install opencv-python", "course", "week5/images.ipynb", 1, cell=2,
                name="cv2", distribution="opencv-python"),
    CodeFinding("DATASET_DOWNLOAD", "info", "mnist.load_data() downloads", "run it once", "course", "week1/lab1.py", 9),
]


def test_text_groups_by_file_and_ends_with_the_install_command(tmp_path):
    (tmp_path / "course").mkdir()
    install = "/c/.venv/bin/python -m pip install opencv-python"
    report = _report(FINDINGS, roots=(str(tmp_path / "course"),), install=install)
    report = report._replace(findings=tuple(f._replace(root=str(tmp_path / "course")) for f in FINDINGS))
    lines = check_code.text(report).splitlines()
    assert lines[0] == "✗ 2 problems in 2 of 23 files would stop this course's code in this environment"
    assert lines[1] == "  (Python 3.11.7, TensorFlow 2.21.0, NumPy 2.4.6)"
    assert lines[3] == "week1/lab1.py" and lines[4].startswith("  4  ✗ API_MISSING  tf.placeholder")
    assert lines[5] == "       Fix: use tf.compat.v1"
    assert lines[6].startswith("  9  i DATASET_DOWNLOAD")
    assert "week5/images.ipynb" in lines
    assert any(line.startswith("  cell 2:1  ✗ MODULE_NOT_INSTALLED") for line in lines)
    assert lines[-1] == "Missing packages, one command: /c/.venv/bin/python -m pip install opencv-python"


def test_nothing_failing_is_a_tick_with_the_notes_counted():
    assert check_code.verdict(_report([FINDINGS[2]])).startswith("✓ every module and API")
    assert "1 note" in check_code.verdict(_report([FINDINGS[2]]))


def test_rich_renders_the_same_findings():
    from rich.console import Console

    console = Console(file=io.StringIO(), width=80, color_system=None)
    for line in check_code.rich_lines(_report(FINDINGS, install="pip install opencv-python")):
        console.print(line)
    out = console.file.getvalue()
    assert "tf.placeholder does not exist" in out and "cell 2:1" in out and "Fix: use tf.compat.v1" in out
