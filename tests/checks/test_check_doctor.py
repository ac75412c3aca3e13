"""envcheck doctor: every area at once, each isolated; one real run shared by the tests here."""

from __future__ import annotations

import json
import sys
import threading
import time
import venv

import pytest

from envcheck import runner, target
from envcheck.checks import doctor
from envcheck.checks.doctor import AreaSpec
from envcheck.model import ERROR, Area, Finding

from helpers import run_cli


@pytest.fixture(scope="session")
def real_doctor():
    """One real doctor run over this venv (TensorFlow 2.21 CPU): shared by every test that needs one."""
    return doctor.run(target.current())


@pytest.fixture(scope="session")
def bare_venv(tmp_path_factory) -> str:
    """A fresh venv with neither pip, NumPy nor TensorFlow: doctor's fast, all-wrong case."""
    root = tmp_path_factory.mktemp("bare") / "venv"
    venv.EnvBuilder(with_pip=False).create(root)
    return str(root / "bin" / "python")


def test_real_run_reports_every_area_and_passes_on_a_cpu_machine(real_doctor):
    by_key = {area.key: area for area in real_doctor.areas}
    assert list(by_key) == ["python", "packages", "numpy", "tensorflow", "gpu", "smoke", "system"]
    for key in ("python", "packages", "numpy", "tensorflow", "smoke", "system"):
        assert by_key[key].status == "ok", (key, by_key[key].summary, by_key[key].findings)
    assert by_key["tensorflow"].summary.startswith("2.21.0 imports")
    assert "Keras 3" in by_key["tensorflow"].summary
    assert "fits TensorFlow" in by_key["numpy"].summary
    # no NVIDIA GPU here: a warning for doctor, not an error (CPU courses are fine)
    assert by_key["gpu"].status in ("ok", "warning")
    assert real_doctor.exit_code() == 0
    assert real_doctor.exit_code(strict=True) == (1 if real_doctor.warnings else 0)


def test_wall_time_is_near_the_slowest_area_not_their_sum(real_doctor):
    slowest = max(area.seconds for area in real_doctor.areas)
    total = sum(area.seconds for area in real_doctor.areas)
    assert real_doctor.seconds < slowest + 2.0 < total  # concurrency; the benchmark measures the 1.15 ×


def test_json_schema_and_text_render(real_doctor):
    from envcheck.render import doctor as render_doctor

    data = json.loads(json.dumps(real_doctor.to_dict()))
    assert data["schema"] == "envcheck.doctor/1"
    assert {a["status"] for a in data["areas"]} <= {"ok", "warning", "error"}
    text = render_doctor.text(real_doctor, verbose=True)
    assert text.splitlines()[0].startswith("[✓] Python — 3.")
    assert "    cpu.instruction_sets.avx: yes" in text
    assert text.rstrip().splitlines()[-1].startswith("Doctor found ")
    assert "\x1b[" not in text


def _cheap(g):
    return Area("cheap", "Cheap", "fine")


def test_an_area_that_raises_hangs_or_crashes_is_a_named_error_and_the_others_still_report():
    def raises(g):
        raise KeyError("no such key in a probe's answer")

    release = threading.Event()

    def hangs(g):
        release.wait(60)  # a probe stuck in Python code: doctor stops waiting, the thread is left behind
        return Area("hangs", "Hangs", "never")

    def crashes(g):
        result = runner.run([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"],
                            timeout=10)
        return Area("crashes", "Crashes", "child died", [Finding("CHILD_CRASHED", ERROR, result.describe(), "rerun")])

    specs = [AreaSpec("raises", "Raises", raises), AreaSpec("hangs", "Hangs", hangs),
             AreaSpec("crashes", "Crashes", crashes), AreaSpec("cheap", "Cheap", _cheap)]
    started = time.monotonic()
    result = doctor.run(target.current(), specs, {}, area_timeout=1.5)
    release.set()
    assert time.monotonic() - started < 5
    by_key = {area.key: area for area in result.areas}
    assert by_key["cheap"].status == "ok"
    assert by_key["raises"].findings[0].code == "AREA_FAILED"
    assert "KeyError" in by_key["raises"].findings[0].message and "Raises" in by_key["raises"].findings[0].message
    assert by_key["hangs"].findings[0].code == "AREA_TIMED_OUT"
    assert "SIGSEGV" in by_key["crashes"].findings[0].message
    assert result.exit_code() == 1


def test_a_failing_shared_source_is_named_in_every_area_that_needs_it():
    def broken_source(g):
        raise OSError("nvml went away")

    def uses(g):
        g.get("cuda")
        return Area("x", "X", "never")

    specs = [AreaSpec("a", "A", uses), AreaSpec("b", "B", uses), AreaSpec("cheap", "Cheap", _cheap)]
    result = doctor.run(target.current(), specs, {"cuda": broken_source})
    messages = [area.findings[0].message for area in result.areas[:2]]
    assert all("while reading cuda" in m and "nvml went away" in m for m in messages)
    assert result.areas[2].status == "ok"


def test_bare_venv_without_numpy_or_tensorflow_fails_with_a_fix_for_each(bare_venv):
    done = run_cli("doctor", "--python", bare_venv, "--format", "json", timeout=300)
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    by_key = {a["key"]: a for a in data["areas"]}
    codes = {f["code"] for a in data["areas"] for f in a["findings"]}
    assert {"TF_NOT_INSTALLED", "NUMPY_MISSING", "PIP_MISSING", "SMOKE_TRAIN_FAILED"} <= codes
    assert by_key["tensorflow"]["findings"][0]["fix"].startswith(f"{bare_venv} -m pip install tensorflow")
    assert by_key["system"]["status"] == "ok"


def test_numpy_that_segfaults_on_import_is_a_named_crash_not_a_traceback(bare_venv, tmp_path):
    fake = tmp_path / "numpy"
    fake.mkdir()
    (fake / "__init__.py").write_text("import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
    done = run_cli("doctor", "--python", bare_venv, env={"PYTHONPATH": str(tmp_path)}, timeout=300)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    numpy_line = next(line for line in done.stdout.splitlines() if line.startswith("[✗] NumPy"))
    assert numpy_line
    assert "NUMPY_PROBE_FAILED" in done.stdout and "SIGSEGV" in done.stdout
    assert "[✓] System" in done.stdout


def test_strict_makes_warnings_fail():
    from envcheck.checks.doctor import DoctorResult

    warn = Area("w", "W", "meh", [Finding("X", "warning", "m", None)])
    result = DoctorResult(target.current(), [warn], 0.1)
    assert result.exit_code() == 0 and result.exit_code(strict=True) == 1


def test_bad_python_is_a_one_line_usage_error():
    from helpers import assert_one_line_error

    assert_one_line_error(run_cli("doctor", "--python", "/no/such/python"), 2)


def test_report_of_a_real_run_hides_a_planted_user_and_token(real_doctor):
    from envcheck import render
    from envcheck.checks import report
    from envcheck.render import report as render_report

    redactor = report.Redactor(homes=("/home/zebulon",), users=("zebulon", "root"), hosts=("vm-secret-host",))
    environ = {"PATH": "/home/zebulon/bin:/usr/bin", "GITHUB_TOKEN": "ghp_abcdefghijklmnopqrstuvwxyz0123",
               "PIP_INDEX_URL": "https://zebulon:pw123456@idx.example/simple", "CUDA_VISIBLE_DEVICES": ""}
    data = report.build(real_doctor, environ=environ, redactor=redactor)
    for text in (render.to_json(data), render_report.markdown(data), render_report.text(data)):
        assert "zebulon" not in text and "ghp_" not in text and "pw123456" not in text
        assert "tensorflow" in text and "2.21.0" in text
    assert len(data["packages"]) == real_doctor.areas[1].facts["count"]


def test_tensorflow_dying_with_sigill_is_one_named_error_on_the_tensorflow_line(tmp_path):
    """What a CPU without AVX does to `import tensorflow`: stood in by a tensorflow that kills itself."""
    fake = tmp_path / "tensorflow"
    fake.mkdir()
    (fake / "__init__.py").write_text("import os, signal\nos.kill(os.getpid(), signal.SIGILL)\n")
    done = run_cli("doctor", "--format", "json", env={"PYTHONPATH": str(tmp_path)}, timeout=300)
    assert done.returncode == 1, done.stderr
    by_key = {a["key"]: a for a in json.loads(done.stdout)["areas"]}
    assert [f["code"] for f in by_key["tensorflow"]["findings"]] == ["TF_IMPORT_CRASHED"]
    assert "SIGILL" in by_key["tensorflow"]["findings"][0]["message"]
    assert not any(f["code"].startswith("TF_") for f in by_key["gpu"]["findings"])  # counted once
    assert by_key["smoke"]["status"] == "error"
    assert by_key["numpy"]["status"] == by_key["python"]["status"] == by_key["system"]["status"] == "ok"


def test_live_view_shows_a_spinner_line_while_running_and_the_mark_when_done():
    import io

    from rich.console import Console

    from envcheck.render.doctor import LiveView

    view = LiveView(doctor.AREAS[:2])
    view.event("python", "start", None)
    done = Area("packages", "Packages", "fine", seconds=0.25)
    view.event("packages", "done", done)
    out = io.StringIO()
    Console(file=out, width=60, color_system=None).print(view)
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    assert lines[0].endswith(" Python …") and lines[1].startswith("✓ Packages 0.2 s")
