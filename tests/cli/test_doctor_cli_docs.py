"""doctor, report and verify: --help text, a README section each, and no heavy import for --help."""

from __future__ import annotations

import pytest

from helpers import ROOT, run_cli


@pytest.mark.parametrize("name", ["doctor", "report", "verify"])
def test_help_and_readme_section(name):
    done = run_cli(name, "--help")
    assert done.returncode == 0 and f"usage: envcheck {name}" in done.stdout
    assert "--python" in done.stdout and "--format" in done.stdout
    assert f"\n## envcheck {name}\n" in (ROOT / "README.md").read_text()


def test_help_imports_neither_rich_nor_tensorflow_nor_numpy():
    import subprocess
    import sys

    code = ("import sys; from envcheck.cli import run_command; run_command('doctor', ['--help']); "
            "print(sorted(m for m in ('rich', 'tensorflow', 'numpy', 'psutil', 'pynvml') if m in sys.modules), "
            "file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"
