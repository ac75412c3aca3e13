"""check-cuda end to end: `python -m envcheck check-cuda` in a child, as a user runs it.

GPU hosts are reproduced by fake `nvidia-smi` programs first on PATH that print what the real H200
host printed (or fail as real ones do); TensorFlow failures by stand-in `tensorflow` packages on
the child's PYTHONPATH. The real TensorFlow 2.21 of this GPU-less machine is run once per session.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import pytest

from envcheck.probes import gpu as gpu_probe

from cuda_fakes import (
    SMI_MISMATCH,
    SMI_NO_DRIVER,
    TF_SEES_H200,
    TF_STAND_INS,
    failing_nvidia_smi,
    fake_nvidia_smi,
    hanging_nvidia_smi,
    path_with,
    raw_nvidia_smi,
    stand_in_package,
)
from helpers import ROOT, assert_one_line_error, run_cli

# Tests of "this machine has no GPU" need a machine without NVIDIA hardware or driver.
NVIDIA_HERE = bool(gpu_probe.read_pci()) or gpu_probe.read_proc()[0] is not None
gpu_less = pytest.mark.skipif(
    NVIDIA_HERE, reason="this machine has an NVIDIA GPU or driver; the test reproduces a GPU-less host"
)


def run_json(*args, env=None):
    result = run_cli("check-cuda", "--format", "json", *args, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result, json.loads(result.stdout) if result.stdout.strip() else None


def codes(report):
    return [finding["code"] for finding in report["findings"]]


# --------------------------------------------------------------------------- GPU hosts (--no-tf)


def test_h200_host_is_ready_without_tensorflow(tmp_path):
    fake_nvidia_smi(tmp_path / "bin")
    result, report = run_json("--no-tf", env={"PATH": path_with(tmp_path / "bin")})
    assert result.returncode == 0, result.stdout
    assert report["schema"] == "envcheck.check-cuda/1"
    assert report["verdict"] == {
        "ready": True,
        "summary": "GPU ready: 1 × NVIDIA H200 (140 GiB, compute capability "
        "9.0), driver 580.159.04 (supports CUDA 13.0)",
    }
    assert report["driver"]["source"] == "nvidia-smi --query-gpu" and report["driver"]["cuda_version"] == "13.0"
    assert report["gpu_query_failures"] == []  # nvidia-smi answered first: no NVML child was started
    assert report["gpus"][0]["uuid"] == "GPU-8a961472-0a8a-c757-5451-e4b90cc14c58"
    assert report["tensorflow"] == {"status": "skipped"}


def test_h200_host_text_output_puts_the_verdict_first(tmp_path):
    fake_nvidia_smi(tmp_path / "bin")
    result = run_cli("check-cuda", "--no-tf", env={"PATH": path_with(tmp_path / "bin")})
    lines = result.stdout.splitlines()
    assert result.returncode == 0
    assert lines[0].startswith("✓ GPU ready: 1 × NVIDIA H200")
    assert "  Driver     580.159.04 (supports up to CUDA 13.0)" in lines
    assert "\x1b[" not in result.stdout  # piped: no colour


@gpu_less
def test_cpu_host_without_driver_is_not_ready_and_says_no_gpu():
    result, report = run_json("--no-tf", env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert report["verdict"]["ready"] is False and codes(report) == ["NO_GPU"]
    assert report["driver"]["working"] is False


def test_driver_library_mismatch_from_nvidia_smi_exit_18(tmp_path):
    failing_nvidia_smi(tmp_path / "bin", SMI_MISMATCH, 18)
    result, report = run_json("--no-tf", env={"PATH": path_with(tmp_path / "bin")})
    assert result.returncode == 1 and codes(report) == ["DRIVER_LIBRARY_MISMATCH"]
    assert any("exit status 18" in failure["message"] for failure in report["gpu_query_failures"])


def test_nvidia_smi_that_cannot_communicate_with_the_driver_exit_9(tmp_path):
    failing_nvidia_smi(tmp_path / "bin", SMI_NO_DRIVER, 9)
    result, report = run_json("--no-tf", env={"PATH": path_with(tmp_path / "bin")})
    assert result.returncode == 1 and codes(report) == ["DRIVER_NOT_LOADED"]


def test_nvidia_smi_that_hangs_is_given_up_at_the_timeout(tmp_path):
    hanging_nvidia_smi(tmp_path / "bin")
    started = time.monotonic()
    result, report = run_json("--no-tf", "--timeout", "1", env={"PATH": path_with(tmp_path / "bin")})
    assert time.monotonic() - started < 10
    assert result.returncode == 1 and "GPU_QUERY_TIMED_OUT" in codes(report)
    assert "did not finish within 1 s" in report["findings"][0]["message"]


@pytest.mark.parametrize(
    "data", [b"this is not csv at all\n", b"\xff\xfe\x00garbage\x80\n"], ids=["garbage", "non-utf8"]
)
def test_nvidia_smi_printing_garbage_is_a_failure_not_a_crash(tmp_path, data):
    raw_nvidia_smi(tmp_path / "bin", data)
    result, report = run_json("--no-tf", env={"PATH": path_with(tmp_path / "bin")})
    assert result.returncode == 1
    smi = next(f for f in report["gpu_query_failures"] if f["source"] == "nvidia-smi --query-gpu")
    assert smi["status"] in ("unparsable", "undecodable")


def test_cuda_visible_devices_minus_one_hides_the_h200(tmp_path):
    fake_nvidia_smi(tmp_path / "bin")
    result, report = run_json("--no-tf", env={"PATH": path_with(tmp_path / "bin"), "CUDA_VISIBLE_DEVICES": "-1"})
    assert result.returncode == 1 and codes(report) == ["CUDA_VISIBLE_DEVICES_HIDES_ALL"]
    assert report["gpus"][0]["visible"] is False


@gpu_less
def test_quiet_prints_nothing_and_answers_by_exit_code(tmp_path):
    fake_nvidia_smi(tmp_path / "bin")
    ready = run_cli("check-cuda", "--no-tf", "-q", env={"PATH": path_with(tmp_path / "bin")})
    not_ready = run_cli("check-cuda", "--no-tf", "-q", env={"PATH": "/usr/bin:/bin"})
    assert (ready.returncode, ready.stdout, not_ready.returncode, not_ready.stdout) == (0, "", 1, "")


# --------------------------------------------------------------------------- TensorFlow in the child


def test_tensorflow_stand_in_that_sees_the_h200_makes_it_ready(tmp_path):
    fake_nvidia_smi(tmp_path / "bin")
    site = stand_in_package(tmp_path / "site", "tensorflow", TF_SEES_H200)
    result, report = run_json(env={"PATH": path_with(tmp_path / "bin"), "PYTHONPATH": str(site)})
    assert result.returncode == 0, result.stdout
    assert (
        report["verdict"]["summary"]
        == "GPU ready: TensorFlow 2.21.0 sees 1 × NVIDIA H200 (140 GiB, compute capability 9.0)"
    )
    assert "PTX_JIT" in codes(report)


@pytest.mark.parametrize(
    "kind, code, words",
    [
        ("segfault", "TF_IMPORT_CRASHED", "SIGSEGV"),
        ("sigill", "TF_IMPORT_CRASHED", "SIGILL"),
        ("raise", "TF_IMPORT_FAILED", "NumPy 1.x"),
        ("exit", "TF_PROBE_FAILED", "status 3"),
    ],
)
def test_tensorflow_that_breaks_on_import_is_a_named_finding(tmp_path, kind, code, words):
    site = stand_in_package(tmp_path / "site", "tensorflow", TF_STAND_INS[kind])
    result, report = run_json(env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    finding = next(f for f in report["findings"] if f["code"] == code)
    assert words in finding["message"], finding


def test_tensorflow_that_hangs_on_import_is_stopped(tmp_path):
    site = stand_in_package(tmp_path / "site", "tensorflow", TF_STAND_INS["hang"])
    started = time.monotonic()
    result, report = run_json("--tf-timeout", "2", env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert time.monotonic() - started < 15
    assert result.returncode == 1 and "TF_IMPORT_TIMED_OUT" in codes(report)


def test_text_output_of_a_crashing_tensorflow_has_no_traceback(tmp_path):
    site = stand_in_package(tmp_path / "site", "tensorflow", TF_STAND_INS["segfault"])
    result = run_cli("check-cuda", env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert "✗ TF_IMPORT_CRASHED" in result.stdout


@pytest.fixture(scope="session")
def real_tf_report():
    """One run of check-cuda with the real TensorFlow 2.21 of this GPU-less machine, shared by tests."""
    if NVIDIA_HERE:
        pytest.skip("this machine has an NVIDIA GPU or driver; the test reproduces a GPU-less host")
    pytest.importorskip("tensorflow", reason="the test extra installs TensorFlow")  # only finds it; no import
    result, report = run_json(env={"PATH": "/usr/local/bin:/usr/bin:/bin"})
    return result, report


def test_real_tensorflow_on_this_cpu_machine_is_not_ready_and_names_the_missing_driver(real_tf_report):
    result, report = real_tf_report
    assert result.returncode == 1
    tf = report["tensorflow"]
    assert tf["status"] == "ok" and tf["version"].startswith("2.")
    assert tf["build_info"]["cuda_version"] == "12.5.1" and tf["gpus"] == []
    assert "NO_GPU" in codes(report) and "no NVIDIA driver" in report["findings"][0]["message"]
    assert any(line["kind"] == "no_cuda_runtime" for line in tf["log"])
    checks = {check["name"]: check for check in tf["load_checks"]}  # TensorFlow listed no GPU: each library tried
    assert checks["cuda"]["soname"] == "libcuda.so.1" and not checks["cuda"]["ok"]
    assert checks["cudnn"]["soname"] == "libcudnn.so.9"


def test_real_tensorflow_report_also_has_the_cuda_13_toolkit_of_this_machine(real_tf_report):
    _, report = real_tf_report
    if not report["toolkit"]:
        pytest.skip("this machine has no CUDA toolkit")
    assert "TOOLKIT_NOT_USED" in codes(report)
    assert re.fullmatch(r"\d+\.\d+", report["toolkit"][0]["version"] or "")  # 13.0 on this project's CPU host


def test_real_tensorflow_check_runs_the_other_probes_while_tensorflow_imports(real_tf_report):
    _, report = real_tf_report
    timings = report["timings"]
    assert timings["total"] < timings["tensorflow"] + 0.5  # the rest hides behind the import


# --------------------------------------------------------------------------- usage and fast path


@pytest.mark.parametrize(
    "args",
    [["--format", "yaml"], ["--timeout", "0"], ["--tf-timeout", "-1"], ["--python", "/no/such/python"], ["--bogus"]],
)
def test_bad_usage_is_one_line_and_exit_2(args):
    assert_one_line_error(run_cli("check-cuda", *args), 2)


def test_help_describes_the_command():
    result = run_cli("check-cuda", "--help")
    assert result.returncode == 0 and "--no-tf" in result.stdout and "Exit codes" in result.stdout


def test_no_tf_fast_path_imports_no_heavy_module(tmp_path):
    fake_nvidia_smi(tmp_path / "bin")
    code = (
        "import sys; from envcheck.cli import run_command; run_command('check-cuda', ['--no-tf', '-q']); "
        "heavy = sorted(m for m in ('rich', 'pynvml', 'numpy', 'tensorflow', 'packaging', 'psutil', 'tomllib', "
        "'tomli', 'envcheck.probes.tensorflow') if m in sys.modules); print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": path_with(tmp_path / "bin")},
        timeout=60,
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_readme_has_a_check_cuda_section():
    assert "## check-cuda" in (ROOT / "README.md").read_text()


def test_python_option_inspects_a_venv_without_tensorflow(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    result, report = run_json("--python", str(venv), env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert report["python"]["executable"].startswith(str(venv)) and report["python"]["venv"] is True
    assert codes(report)[0] == "TF_NOT_INSTALLED"
    assert report["findings"][0]["fix"].startswith(report["python"]["executable"] + " -m pip install")
