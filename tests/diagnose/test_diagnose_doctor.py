"""Doctor's pure rules on the facts of real failures."""

from __future__ import annotations

from envcheck import data, target
from envcheck.checks.cuda import CudaReport
from envcheck.diagnose import doctor as rules
from envcheck.model import NVML, Finding, Gpu, GpuFacts, PythonFacts, SmokeReport, TfFacts
from envcheck.probes.requirements import Broken, Installed

TF_215 = Installed("tensorflow", "tensorflow", "2.15.1", ("numpy<2.0.0,>=1.23.5",), ">=3.9")
NUMPY_2 = {"imported": True, "version": "2.1.3", "dot_ok": True,
           "blas": {"name": "scipy-openblas", "version": "0.3.27"}, "threadpools": None}
PY_FACTS = PythonFacts(executable="/c/.venv/bin/python", version="3.14.0", implementation="cpython", prefix="/c/.venv",
                       kind="venv", env_name=".venv", pip_version="25.3")


def test_numpy_2_with_a_tensorflow_built_for_numpy_1_is_an_error_with_the_pin():
    area = rules.numpy_area(NUMPY_2, None, {"numpy": None}, ["numpy<2.0.0,>=1.23.5"], "/c/.venv/bin/python")
    (finding,) = area.findings
    assert finding.code == "NUMPY_TF_MISMATCH" and "NumPy 2 with a TensorFlow built for NumPy 1" in finding.message
    assert finding.fix == "/c/.venv/bin/python -m pip install 'numpy<2.0.0,>=1.23.5'"


def test_the_same_conflict_is_not_counted_again_on_the_packages_line():
    broken = [Broken("tensorflow", "2.15.1", "numpy<2.0.0,>=1.23.5", "numpy", "2.1.3"),
              Broken("keras", "2.15.0", "absl-py", "absl-py", None)]
    area = rules.packages_area(90, [("tensorflow", "2.15.1")], broken, "python", [])
    (finding,) = area.findings
    assert finding.code == "BROKEN_REQUIREMENTS"
    assert "keras 2.15.0 requires absl-py, which is not installed." in finding.message
    assert "numpy" not in finding.fix and finding.fix.endswith("install absl-py")


def test_python_newer_than_any_tensorflow_release_is_an_error_before_installing():
    row = data.tensorflow_python_range(None)  # TensorFlow not installed: what would the newest release support?
    assert row is not None and row[0] == "2.21"
    area = rules.python_area(PY_FACTS, None, row)
    (finding,) = area.findings
    assert finding.code == "PYTHON_OUTSIDE_TF_RANGE" and finding.severity == "error"
    assert "3.10–3.13" in finding.message and "--python 3.13" in finding.fix


def test_python_in_range_names_the_range():
    area = rules.python_area(PY_FACTS._replace(version="3.12.3"), None, ("2.21", ">=3.10,<3.14"))
    assert area.status == "ok" and area.summary.endswith("supported by TensorFlow 2.21 (3.10–3.13)")


def test_tensorflow_import_failing_on_numpy_abi_uses_check_cudas_finding_once():
    failed = "ImportError: numpy.core.multiarray failed to import"
    cuda_findings = [Finding("TF_IMPORT_FAILED", "error", f"import tensorflow failed: {failed}",
                             "pip install 'numpy<2'"),
                     Finding("NUMPY_ABI_MISMATCH", "error", "binary-incompatible", "pip install 'numpy<2'"),
                     Finding("NO_GPU", "warning", "no GPU", "nothing")]
    tf = rules.tensorflow_area(TF_215, None, TfFacts("import-failed", problem=failed), "python", cuda_findings)
    assert [f.code for f in tf.findings] == ["TF_IMPORT_FAILED", "NUMPY_ABI_MISMATCH"]
    gpu = rules.gpu_area(_cuda_report((), False, "", cuda_findings))
    assert [f.code for f in gpu.findings] == ["NO_GPU"]


def test_tensorflow_import_failing_without_check_cuda_findings_still_names_the_numpy_fix():
    problem = "A module that was compiled using NumPy 1.x cannot be run in NumPy 2.1.3"
    tf = rules.tensorflow_area(TF_215, None, TfFacts("import-failed", problem=problem), "py")
    (finding,) = tf.findings
    assert finding.code == "TF_IMPORT_FAILED" and "py -m pip install 'numpy<2'" in finding.fix


def _cuda_report(gpus, ready: bool, summary: str, findings) -> CudaReport:
    """A check-cuda report with these GPUs, verdict and findings (the rest empty)."""
    return CudaReport(ready, summary, target.current(), GpuFacts(NVML if gpus else None, tuple(gpus)),
                      tuple(True for _ in gpus), (), (), None, {}, {}, {}, tuple(findings), {})


def test_gpu_errors_are_doctor_warnings_only_when_there_is_no_gpu():
    findings = [Finding("DRIVER_TOO_OLD", "error", "m", "f")]
    report = _cuda_report([Gpu(0, "NVIDIA H200")], False, "driver too old", findings)
    assert rules.gpu_area(report).status == "error"
    assert rules.gpu_area(report._replace(gpu=GpuFacts(None))).status == "warning"


def test_smoke_failure_carries_smoke_trains_own_fix():
    area = rules.smoke_area(SmokeReport.from_dict({
        "passed": False, "backend": "tensorflow", "device": "CPU:0", "task": "xor",
        "failure": "gradients are NaN", "fix": "pin tensorflow==2.21.0", "checks": []}))
    assert area.findings[0].message.endswith("gradients are NaN") and area.findings[0].fix == "pin tensorflow==2.21.0"


def _cuda_report_for(gpu_facts, container=None) -> CudaReport:
    """check-cuda's report for these GPU facts, its findings and verdict from check-cuda's own rules."""
    from envcheck.diagnose import cuda

    facts = cuda.CudaFacts(gpu=gpu_facts, tf=None, python="/venv/bin/python", python_version=(3, 12, 3),
                           container=container)
    found = cuda.diagnose(facts, {}, {})
    ready = cuda.ready(facts, found)
    return _cuda_report((), ready, cuda.headline(facts, found, ready), found)


def test_a_gpu_hidden_by_a_container_or_a_missing_driver_is_not_called_no_gpu():
    """A GPU on the PCI bus that CUDA cannot reach: doctor names check-cuda's cause, not "no NVIDIA GPU"."""
    from envcheck.probes import gpu as gpu_probe

    pci = (gpu_probe.PciDevice("0000:00:06.0", "0x2335", "0x030200", None),)
    missing = (gpu_probe.SourceFailure(gpu_probe.SMI_CSV, "not-found", "nvidia-smi was not found"),)
    hidden = gpu_probe.GpuFacts(None, pci_devices=pci, failures=missing)
    cases = ((_cuda_report_for(hidden, container="docker"), "CONTAINER_NO_GPU_ACCESS",
              "docker container without GPU access"),
             (_cuda_report_for(hidden), "GPU_NO_DRIVER", "on the PCI bus but no working NVIDIA driver"))
    for report, code, words in cases:
        area = rules.gpu_area(report)
        assert [f.code for f in area.findings] == [code]
        assert "no NVIDIA GPU" not in area.summary and words in area.summary, area.summary
        assert "0000:00:06.0" in area.summary
    nothing = rules.gpu_area(_cuda_report_for(gpu_probe.GpuFacts(None, failures=missing)))
    assert nothing.summary == "no NVIDIA GPU; TensorFlow will use the CPU"
    assert [f.code for f in nothing.findings] == ["NO_GPU"]
