"""TensorFlow's log lines and the tf_facts.py answer, from the CPU host's captured import."""

from __future__ import annotations

import json
import os

import pytest

from envcheck import runner
from envcheck.probes import tensorflow as tfp

from helpers import CPU_HOST


def test_cpu_host_import_log_is_classified_and_deduplicated():
    lines = tfp.classify_log((CPU_HOST / "tf-import-stderr.txt").read_text())
    kinds = [line.kind for line in lines]
    assert kinds.count("no_cuda_runtime") == 1  # printed twice by TensorFlow, kept once
    assert "cuinit_failed" in kinds and "onednn" in kinds and "cpu_features" in kinds
    cuinit = next(line for line in lines if line.kind == "cuinit_failed")
    assert cuinit.source == "cuda_platform.cc:52"
    assert cuinit.text.endswith("UNKNOWN ERROR (303)")


def test_absl_and_dated_log_prefixes_are_both_stripped():
    text = (
        "I0000 00:00:1795840868.518258    6303 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU "
        "will not be used.\n2024-03-09 19:15:45.018171: W tensorflow/core/common_runtime/gpu/gpu_device.cc:2251] "
        "Cannot dlopen some GPU libraries. Please make sure the missing libraries mentioned above are installed "
        "properly if you would like to use GPU.\n"
    )
    lines = tfp.classify_log(text)
    assert [(line.kind, line.source) for line in lines] == [
        ("no_cuda_runtime", "cudart_stub.cc:31"),
        ("dlopen_failed", "gpu_device.cc:2251"),
    ]
    assert lines[1].text.startswith("Cannot dlopen")


def _result(status, stdout="", stderr="", returncode=0):
    command = runner.CommandResult(("python", "tf_facts.py"), status, returncode, stdout, stderr, 1.0, 90.0)
    data = json.loads(stdout.splitlines()[-1]) if status == runner.OK and stdout else None
    return runner.TargetResult(command, data, None if data else command.describe())


def test_answer_of_the_cpu_host_parses_to_a_cuda_build_without_gpus():
    captured = json.loads((CPU_HOST / "tf-probe.json").read_text())
    answer = dict(captured, installed=True, import_error=None, gpus=[], loaded=[], load_checks=[])
    facts = tfp.parse(_result(runner.OK, json.dumps(answer), (CPU_HOST / "tf-import-stderr.txt").read_text()))
    assert facts.status == tfp.OK and facts.version == "2.21.0" and facts.cuda_build is True
    assert facts.build_info["cuda_version"] == "12.5.1" and facts.gpus == ()


def test_child_killed_by_sigsegv_is_a_crash_with_the_signal_named():
    facts = tfp.parse(_result(runner.SIGNALLED, returncode=-11))
    assert (facts.status, facts.signal) == (tfp.CRASHED, "SIGSEGV")
    assert "segmentation fault" in facts.problem


def test_not_installed_and_import_errors_are_told_apart():
    missing = tfp.parse(_result(runner.OK, json.dumps({"installed": False, "import_error": None})))
    broken = tfp.parse(
        _result(runner.OK, json.dumps({"installed": True, "import_error": "AttributeError: _ARRAY_API not found"}))
    )
    assert missing.status == tfp.NOT_INSTALLED
    assert broken.status == tfp.IMPORT_FAILED and [line.kind for line in broken.log] == ["numpy_abi"]


def _tf_facts_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("tf_facts_under_test", os.path.join(runner.INSIDE_DIR, "tf_facts.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_load_checks_name_each_missing_library_and_find_one_only_on_the_pip_path(tmp_path):
    import shutil

    libz = _library_path("libz.so.1")
    if libz is None:
        pytest.skip("no libz.so.1 in the loader cache to stand in for a CUDA library")
    cudnn_dir = tmp_path / "site-packages" / "nvidia" / "cudnn" / "lib"
    cudnn_dir.mkdir(parents=True)
    shutil.copy(libz, cudnn_dir / "libcudnn.so.9")  # a loadable library where [and-cuda] puts cuDNN
    checks = {
        c["name"]: c
        for c in _tf_facts_script().check_loads(
            {"cuda_version": "12.5.1", "cudnn_version": "9"}, str(tmp_path / "site-packages" / "tensorflow")
        )
    }
    assert list(checks) == ["cuda", "cudart", "cublas", "cublasLt", "cufft", "cusolver", "cusparse", "cudnn"]
    assert checks["cudnn"]["ok"] and checks["cudnn"]["by_name"] is False
    assert checks["cudnn"]["via"] == str(cudnn_dir / "libcudnn.so.9")
    if not checks["cudart"]["ok"]:  # this GPU-less machine has no CUDA 12 runtime on the loader path
        assert checks["cudart"]["error"].startswith("libcudart.so.12: cannot open shared object file")


def _library_path(soname):
    """Where the loader cache puts `soname`, or None."""
    for line in runner.run(["ldconfig", "-p"], timeout=10).stdout.splitlines():
        name, sep, path = line.strip().partition(" => ")
        if sep and name.split(" (", 1)[0] == soname:
            return path.strip()
    return None
