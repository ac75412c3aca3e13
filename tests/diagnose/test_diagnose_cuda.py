"""check-cuda's rules, one test per real failure (rows of shared/research/failures.md in brackets).

Facts come from the captured hosts (the H200's NVML answer, the CPU host's TensorFlow answer and
import log) changed only where a failure needs it; the tables are envcheck's own data files.
"""

from __future__ import annotations

import json

import pytest

from envcheck import data
from envcheck.diagnose import cuda as rules
from envcheck.model import ERROR, INFO, WARNING
from envcheck.probes import gpu as gpu_probe
from envcheck.probes import tensorflow as tfp

from helpers import CPU_HOST, H200

BUILDS = data.load("tensorflow_builds.toml")
DRIVERS = data.load("cuda_drivers.toml")
BUILD_221 = json.loads((CPU_HOST / "tf-probe.json").read_text())["build_info"]
# The libraries TensorFlow 2.21's GPU check loads, with their sonames, as tf_facts.py checks them.
SONAMES = {
    "cuda": "libcuda.so.1",
    "cudart": "libcudart.so.12",
    "cublas": "libcublas.so.12",
    "cublasLt": "libcublasLt.so.12",
    "cufft": "libcufft.so.11",
    "cusolver": "libcusolver.so.11",
    "cusparse": "libcusparse.so.12",
    "cudnn": "libcudnn.so.9",
}


def h200(driver: str = "580.159.04", cc: str = "9.0", pci=()) -> gpu_probe.GpuFacts:
    nvml_driver, gpus = gpu_probe.parse_nvml_json((H200 / "pynvml.json").read_text())
    gpus = tuple(g._replace(compute_capability=cc) for g in gpus)
    return gpu_probe.GpuFacts(gpu_probe.NVML, gpus, nvml_driver._replace(version=driver, kernel_module=driver), (), pci)


NO_GPU = gpu_probe.GpuFacts(
    None, failures=(gpu_probe.SourceFailure(gpu_probe.SMI_CSV, "not-found", "nvidia-smi was not found"),)
)


def tf(version="2.21.0", gpus=1, log="", load_failures=(), build=None, status=tfp.OK, **changes) -> tfp.TfFacts:
    checks = (
        tuple(
            {
                "name": name,
                "soname": soname,
                "ok": name not in dict(load_failures),
                "error": dict(load_failures).get(name),
            }
            for name, soname in SONAMES.items()
        )
        if not gpus
        else ()
    )
    return tfp.TfFacts(
        status,
        version=version,
        build_info=dict(BUILD_221 if build is None else build),
        gpus=tuple({"name": f"/physical_device:GPU:{i}"} for i in range(gpus)),
        load_checks=checks,
        log=tuple(tfp.classify_log(log)),
        **changes,
    )


def facts(gpu=None, tf_facts=None, **changes) -> rules.CudaFacts:
    base = rules.CudaFacts(gpu=gpu or h200(), tf=tf_facts, python="/venv/bin/python", python_version=(3, 12, 3))
    return base._replace(**changes)


def codes(found) -> list[str]:
    return [finding.code for finding in found]


def run(f: rules.CudaFacts):
    return rules.diagnose(f, BUILDS, DRIVERS)


# --------------------------------------------------------------------------- the good case


def test_h200_with_tensorflow_2_21_is_ready_with_only_the_ptx_jit_warning():  # [13]
    f = facts(tf_facts=tf())
    found = run(f)
    assert codes(found) == ["PTX_JIT"] and found[0].severity == WARNING
    assert "compute capability 9.0" in found[0].message and "CUDA_CACHE_MAXSIZE" in found[0].fix
    assert rules.ready(f, found)


def test_h200_without_tensorflow_is_ready_on_driver_facts_alone():
    f = facts()
    assert run(f) == [] and rules.ready(f, [])


def test_ampere_runs_sm_80_kernels_without_jit():
    assert run(facts(gpu=h200(cc="8.6"), tf_facts=tf())) == []


def test_blackwell_gets_the_jit_warning_with_the_invalid_ptx_reports():  # [13]
    found = run(facts(gpu=h200(cc="12.0"), tf_facts=tf()))
    assert codes(found) == ["PTX_JIT"] and "CUDA_ERROR_INVALID_PTX" in found[0].message


# --------------------------------------------------------------------------- GPU and driver


def test_cpu_machine_without_gpu_or_driver_says_no_gpu():
    f = facts(gpu=NO_GPU, tf_facts=tf(gpus=0, log=(CPU_HOST / "tf-import-stderr.txt").read_text()))
    found = run(f)
    assert codes(found) == ["NO_GPU"]  # the cuInit / cudart lines are harmless without a GPU [1] [17]
    assert not rules.ready(f, found)


def test_gpu_on_the_pci_bus_without_a_driver():
    pci = (gpu_probe.PciDevice("0000:01:00.0", "0x2684", "0x030000", "nouveau"),)
    found = run(facts(gpu=NO_GPU._replace(pci_devices=pci)))
    assert codes(found) == ["GPU_NO_DRIVER"]
    assert "nouveau" in found[0].message and "blacklist nouveau" in found[0].fix


def test_driver_library_version_mismatch_from_nvidia_smi():  # [6]
    failure = gpu_probe.SourceFailure(
        gpu_probe.SMI_CSV, "exited", "Failed to initialize NVML: Driver/library version mismatch (exit status 18)"
    )
    gpu = gpu_probe.GpuFacts(gpu_probe.PROC, (), gpu_probe.Driver(kernel_module="580.159.04"), (failure,))
    found = run(facts(gpu=gpu))
    assert codes(found) == ["DRIVER_LIBRARY_MISMATCH"]
    assert "580.159.04" in found[0].message and "Reboot" in found[0].fix


def test_nvidia_smi_that_cannot_talk_to_the_driver():  # [17]
    failure = gpu_probe.SourceFailure(
        gpu_probe.SMI_CSV, "exited", "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."
    )
    found = run(facts(gpu=gpu_probe.GpuFacts(None, failures=(failure,))))
    assert codes(found) == ["DRIVER_NOT_LOADED"]


def test_gpu_query_that_timed_out():
    failure = gpu_probe.SourceFailure(
        gpu_probe.SMI_CSV, "timed-out", "nvidia-smi did not finish within 20 s and was stopped"
    )
    found = run(facts(gpu=gpu_probe.GpuFacts(None, failures=(failure,))))
    assert codes(found) == ["GPU_QUERY_TIMED_OUT"]


@pytest.mark.parametrize("value", ["-1", "", "none", "7", "GPU-ffffffff"])
def test_cuda_visible_devices_hiding_every_gpu(value):  # [17]
    f = facts(env={"CUDA_VISIBLE_DEVICES": value})
    found = run(f)
    assert codes(found) == ["CUDA_VISIBLE_DEVICES_HIDES_ALL"] and not rules.ready(f, found)


@pytest.mark.parametrize("value", ["0", "GPU-8a961472", "0,1"])
def test_cuda_visible_devices_selecting_the_gpu_keeps_it(value):
    assert run(facts(env={"CUDA_VISIBLE_DEVICES": value})) == []


def test_driver_too_old_for_cuda_12():  # [14]
    found = run(facts(gpu=h200(driver="470.82.01", cc="8.0"), tf_facts=tf(gpus=0)))
    assert codes(found)[0] == "DRIVER_TOO_OLD" and "525.60.13" in found[0].message and "555.42.02" in found[0].fix


def test_driver_550_runs_tensorflow_2_21_but_older_than_its_cuda_12_5_build():  # [14]
    found = run(facts(gpu=h200(driver="550.54.14", cc="8.0"), tf_facts=tf()))
    assert codes(found) == ["DRIVER_OLDER_THAN_BUILD"] and "UNSUPPORTED_PTX_VERSION" in found[0].message


# --------------------------------------------------------------------------- TensorFlow


def test_tensorflow_not_installed():
    found = run(facts(tf_facts=tfp.TfFacts(tfp.NOT_INSTALLED, "TensorFlow is not installed")))
    assert codes(found) == ["TF_NOT_INSTALLED"] and "tensorflow[and-cuda]" in found[0].fix


def test_tensorflow_not_installed_on_a_machine_without_nvidia_hardware_gets_the_plain_build():
    """tensorflow[and-cuda] brings gigabytes of CUDA wheels that a machine without an NVIDIA GPU cannot use."""
    found = run(facts(gpu=NO_GPU, tf_facts=tfp.TfFacts(tfp.NOT_INSTALLED, "TensorFlow is not installed")))
    tf_missing = next(f for f in found if f.code == "TF_NOT_INSTALLED")
    assert tf_missing.fix == "/venv/bin/python -m pip install tensorflow"
    pci = (gpu_probe.PciDevice("0000:01:00.0", "0x2684", "0x030000", None),)  # a GPU waiting for its driver
    found = run(facts(gpu=NO_GPU._replace(pci_devices=pci),
                      tf_facts=tfp.TfFacts(tfp.NOT_INSTALLED, "TensorFlow is not installed")))
    assert "tensorflow[and-cuda]" in next(f for f in found if f.code == "TF_NOT_INSTALLED").fix


def test_import_killed_by_sigill_points_at_avx():  # [8]
    crashed = tfp.TfFacts(
        tfp.CRASHED, "python crashed (SIGILL: illegal instruction, often a CPU without AVX)", "SIGILL"
    )
    found = run(facts(tf_facts=crashed))
    assert codes(found) == ["TF_IMPORT_CRASHED"] and "avx" in found[0].fix


def test_import_failing_on_numpy_2():  # [7]
    failed = tfp.TfFacts(
        tfp.IMPORT_FAILED,
        "ImportError: ...",
        log=tuple(tfp.classify_log("A module that was compiled using NumPy 1.x cannot be run in NumPy 2.0.0")),
    )
    found = run(facts(tf_facts=failed))
    assert codes(found) == ["TF_IMPORT_FAILED", "NUMPY_ABI_MISMATCH"] and "numpy<2" in found[0].fix


def test_protobuf_too_new():  # [10]
    failed = tfp.TfFacts(
        tfp.IMPORT_FAILED,
        "TypeError: Descriptors cannot be created directly.",
        log=tuple(tfp.classify_log("TypeError: Descriptors cannot be created directly.")),
    )
    assert "PROTOBUF_MISMATCH" in codes(run(facts(tf_facts=failed)))


def test_legacy_keras_without_tf_keras():  # [11]
    text = "Your environment has TF_USE_LEGACY_KERAS set to True, but you do not have the tf_keras package installed."
    failed = tfp.TfFacts(tfp.IMPORT_FAILED, text, log=tuple(tfp.classify_log(text)))
    assert "LEGACY_KERAS_MISSING" in codes(run(facts(tf_facts=failed)))


def test_import_that_timed_out():
    found = run(facts(tf_facts=tfp.TfFacts(tfp.TIMED_OUT, "python did not finish within 90 s and was stopped")))
    assert codes(found) == ["TF_IMPORT_TIMED_OUT"]


def test_cpu_only_build_on_linux_says_how_to_get_the_cuda_build():
    build = dict(BUILD_221, is_cuda_build=False)
    found = run(facts(tf_facts=tf(gpus=0, build=build), distributions={"tensorflow-cpu": "2.21.0"}))
    assert codes(found) == ["TF_CPU_BUILD"]
    assert "pip uninstall -y tensorflow-cpu" in found[0].fix and "tensorflow[and-cuda]==2.21.0" in found[0].fix


@pytest.mark.parametrize("platform, words", [("darwin", "tensorflow-metal"), ("win32", "WSL2")])
def test_cpu_only_build_on_macos_and_native_windows(platform, words):  # [18] [19]
    found = run(facts(gpu=NO_GPU, tf_facts=tf(gpus=0, build=dict(BUILD_221, is_cuda_build=False)), platform=platform))
    assert "TF_CPU_BUILD" in codes(found) and words in next(f for f in found if f.code == "TF_CPU_BUILD").fix


def test_python_outside_the_range_tensorflow_supports():
    found = run(facts(tf_facts=tf(), python_version=(3, 14, 0)))
    assert "PYTHON_UNSUPPORTED" in codes(found) and ">=3.10,<3.14" in found[0].message


def test_missing_cuda_libraries_name_each_with_its_dlerror_and_the_exact_install():  # [1] [2]
    error = "libcudnn.so.9: cannot open shared object file: No such file or directory"
    f = facts(
        gpu=h200(cc="8.0"),
        tf_facts=tf(gpus=0, load_failures=[("cudnn", error)], log="Cannot dlopen some GPU libraries."),
    )
    found = run(f)
    assert codes(found) == ["CUDA_LIBS_MISSING"]
    assert f"libcudnn.so.9 ({error})" in found[0].message
    assert found[0].fix == "/venv/bin/python -m pip install 'tensorflow[and-cuda]==2.21.0'"


def test_missing_dependency_of_a_cuda_library_is_named():  # [2] nvJitLink example
    error = "libnvJitLink.so.12: cannot open shared object file: No such file or directory"
    found = run(facts(gpu=h200(cc="8.0"), tf_facts=tf(gpus=0, load_failures=[("cusolver", error)])))
    assert "libcusolver.so.11 (it needs libnvJitLink.so.12, which is missing" in found[0].message


def test_old_tensorflow_without_and_cuda_extra_needs_system_cuda():  # [4]
    build = dict(
        BUILD_221,
        cuda_version="11.2",
        cudnn_version="8",
        cuda_compute_capabilities=["sm_35", "sm_50", "sm_60", "sm_70", "sm_75", "compute_80"],
    )
    found = run(
        facts(
            gpu=h200(cc="7.5"),
            python_version=(3, 10, 12),
            tf_facts=tf(
                version="2.11.0",
                gpus=0,
                build=build,
                load_failures=[("cudart", "libcudart.so.11.0: cannot open shared object file")],
            ),
        )
    )
    assert codes(found) == ["CUDA_LIBS_MISSING"] and "CUDA 11.2 and cuDNN 8.1" in found[0].fix


# TensorFlow 2.16's build: CUDA 12.3, cuDNN 8 (tensorflow_builds.toml)
BUILD_216 = dict(BUILD_221, cuda_version="12.3", cudnn_version="8",
                 cuda_compute_capabilities=["sm_50", "sm_60", "sm_70", "sm_80", "compute_90"])


def test_tensorflow_2_16_1_cannot_see_its_and_cuda_wheels():  # [3]
    build = BUILD_216
    on_pip_path_only = tf(version="2.16.1", gpus=0, build=build)._replace(
        load_checks=(
            {"name": "cudart", "soname": "libcudart.so.12", "ok": True, "by_name": True},
            {
                "name": "cudnn",
                "soname": "libcudnn.so.8",
                "ok": True,
                "by_name": False,
                "via": "/venv/site-packages/nvidia/cudnn/lib/libcudnn.so.8",
            },
        ),
    )
    found = run(facts(gpu=h200(cc="8.0"), python_version=(3, 11, 9), tf_facts=on_pip_path_only))
    assert codes(found) == ["TF_2_16_1_RUNPATH"] and "libcudnn.so.8" in found[0].message
    assert "tensorflow[and-cuda]==2.16.2" in found[0].fix


def test_tensorflow_2_16_2_with_the_same_libraries_is_not_the_runpath_bug():
    build = BUILD_216
    found = run(
        facts(
            gpu=h200(cc="8.0"),
            python_version=(3, 11, 9),
            tf_facts=tf(
                version="2.16.2",
                gpus=0,
                build=build,
                load_failures=[("cudnn", "libcudnn.so.8: cannot open shared object file")],
            ),
        )
    )
    assert codes(found) == ["CUDA_LIBS_MISSING"]


def test_driver_cuda_library_missing_in_a_container():
    found = run(
        facts(
            gpu=h200(cc="8.0"),
            tf_facts=tf(gpus=0, load_failures=[("cuda", "libcuda.so.1: cannot open shared object file")]),
        )
    )
    assert codes(found)[0] == "LIBCUDA_NOT_LOADABLE" and "--gpus all" in found[0].fix


def test_gpu_older_than_the_wheel_supports():  # [12]
    log = (
        "Ignoring visible gpu device (device: 0, name: Quadro M4000) with Cuda compute capability 5.2. "
        "The minimum required Cuda capability is 6.0."
    )
    found = run(facts(gpu=h200(cc="5.2"), tf_facts=tf(gpus=0, log=log)))
    assert codes(found) == ["COMPUTE_CAPABILITY_TOO_LOW"] and "minimum 6.0" in found[0].message


def test_cudnn_loaded_at_run_time_older_than_the_build():  # [16]
    log = "E0000 00:00:1.0 cuda_dnn.cc:535] Loaded runtime CuDNN library: 9.1.0 but source was compiled with: 9.3.0."
    found = run(facts(gpu=h200(cc="8.0"), tf_facts=tf(log=log)))
    assert codes(found) == ["CUDNN_VERSION_MISMATCH"] and "9.1.0" in found[0].message


def test_ptx_from_a_newer_toolkit_than_the_driver():  # [14]
    log = "W0000 00:00:1.0 gpu_kernel.cc:12] cuModuleLoadData failed: CUDA_ERROR_UNSUPPORTED_PTX_VERSION"
    assert "DRIVER_TOO_OLD_FOR_PTX" in codes(run(facts(gpu=h200(cc="8.0"), tf_facts=tf(log=log))))


def test_xla_cannot_find_libdevice():  # [15]
    log = "W0000 00:00:1.0 gpu_backend_lib.cc:579] Can't find libdevice directory ${CUDA_DIR}/nvvm/libdevice."
    assert codes(run(facts(gpu=h200(cc="8.0"), tf_facts=tf(log=log)))) == ["XLA_LIBDEVICE_MISSING"]


def test_cuinit_error_with_a_gpu_present_and_none_listed():  # [17]
    log = (
        "E0000 00:00:1.0 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: "
        "Failed call to cuInit: CUDA_ERROR_NO_DEVICE"
    )
    found = run(facts(gpu=h200(cc="8.0"), tf_facts=tf(gpus=0, log=log)))
    assert (
        "CUINIT_FAILED" in codes(found)
        and "CUDA_ERROR_NO_DEVICE" in next(f for f in found if f.code == "CUINIT_FAILED").message
    )


def test_out_of_memory_on_first_convolution():  # [21]
    log = "E0000 00:00:1.0 cuda_dnn.cc:1] Could not create cudnn handle: CUDNN_STATUS_INTERNAL_ERROR"
    found = run(facts(gpu=h200(cc="8.0"), tf_facts=tf(log=log)))
    assert codes(found) == ["GPU_OUT_OF_MEMORY"] and "TF_FORCE_GPU_ALLOW_GROWTH=true" in found[0].fix


@pytest.mark.parametrize(
    "line, code",
    [
        ("W0000 00:00:1.0 py_utils.cc:38] TF-TRT Warning: Could not find TensorRT", "TENSORRT_MISSING"),  # [5]
        (
            "I0000 00:00:1.0 cuda_executor.cc:1] successful NUMA node read from SysFS had negative value (-1)",
            "NUMA_NODE_UNKNOWN",
        ),  # [9]
        (
            "E0000 00:00:1.0 cuda_dnn.cc:8] Unable to register cuDNN factory: Attempting "
            "to register factory for plugin cuDNN when one has already been registered",
            "DUPLICATE_FACTORY",
        ),  # [20]
    ],
)
def test_harmless_log_lines_are_information_only(line, code):
    found = run(facts(gpu=h200(cc="8.0"), tf_facts=tf(log=line)))
    assert codes(found) == [code] and found[0].severity == INFO


def test_pip_cudnn_wheel_of_another_major_than_the_build():  # [16]
    found = run(
        facts(
            gpu=h200(cc="8.0"),
            tf_facts=tf(),
            distributions={"nvidia-cudnn-cu12": "8.9.7.29", "nvidia-cuda-runtime-cu12": "12.5.82"},
        )
    )
    assert codes(found) == ["CUDA_WHEELS_MISMATCH"] and "nvidia-cudnn-cu12 8.9.7.29" in found[0].message


# [16] "9.1.0 but source was compiled with: 9.3.0"
def test_pip_cudnn_wheel_older_than_the_one_tensorflow_was_built_with():
    found = run(facts(gpu=h200(cc="8.0"), tf_facts=tf(), distributions={"nvidia-cudnn-cu12": "9.1.0.70"}))
    assert codes(found) == ["CUDA_WHEELS_MISMATCH"] and "built with 9.3" in found[0].message


def test_pip_wheels_of_the_build_pass():
    assert (
        run(
            facts(
                gpu=h200(cc="8.0"),
                tf_facts=tf(),
                distributions={"nvidia-cudnn-cu12": "9.3.0.75", "nvidia-cuda-runtime-cu12": "12.5.82"},
            )
        )
        == []
    )


def test_everything_right_but_no_gpu_listed_shows_tensorflows_own_words():
    log = "W0000 00:00:1.0 gpu_device.cc:2251] Cannot dlopen some GPU libraries."
    found = run(facts(gpu=h200(cc="8.0"), tf_facts=tf(gpus=0, log=log)))
    assert codes(found) == ["TF_NO_GPU_UNEXPLAINED"] and "Cannot dlopen" in found[0].message
    assert "TF_CPP_MAX_VLOG_LEVEL=1" in found[0].fix


def test_toolkit_is_reported_as_not_used_by_pip_tensorflow():
    from envcheck.probes.cuda import Toolkit

    found = run(facts(gpu=NO_GPU, tf_facts=tf(gpus=0), toolkits=(Toolkit("13.0", "nvcc", "/usr/local/bin/nvcc"),)))
    assert codes(found) == ["NO_GPU", "TOOLKIT_NOT_USED"] and found[1].severity == INFO


def test_every_finding_has_a_fix_and_errors_come_first():
    found = run(
        facts(
            gpu=h200(driver="470.82.01", cc="5.2"),
            tf_facts=tf(gpus=0, log="W0000 00:00:1.0 py_utils.cc:38] TF-TRT Warning: Could not find TensorRT"),
        )
    )
    assert all(f.fix for f in found)
    severities = [f.severity for f in found]
    assert severities == sorted(severities, key=[ERROR, WARNING, INFO].index)


def test_status_names_repeated_in_the_rules_match_the_tensorflow_probe():
    assert (rules.OK, rules.NOT_INSTALLED, rules.IMPORT_FAILED, rules.CRASHED, rules.TIMED_OUT) == (
        tfp.OK,
        tfp.NOT_INSTALLED,
        tfp.IMPORT_FAILED,
        tfp.CRASHED,
        tfp.TIMED_OUT,
    )


def test_kernel_module_loaded_but_no_nvidia_smi_or_nvml():
    failure = gpu_probe.SourceFailure(gpu_probe.SMI_CSV, "not-found", "nvidia-smi was not found")
    gpu = gpu_probe.GpuFacts(
        gpu_probe.PROC, (gpu_probe.Gpu(0, "NVIDIA H200"),), gpu_probe.Driver(kernel_module="580.159.04"), (failure,)
    )
    found = run(facts(gpu=gpu))
    assert codes(found) == ["DRIVER_LIBRARIES_MISSING"] and "580.159.04" in found[0].message


def test_a_gpu_the_driver_lists_but_cannot_read():
    gpu = h200()._replace(gpus=h200().gpus + (gpu_probe.Gpu(1, error="GPU is lost"),))
    assert codes(run(facts(gpu=gpu))) == ["GPU_UNREADABLE"]


def test_gpu_newer_than_every_kernel_and_without_ptx():
    found = run(
        facts(gpu=h200(cc="8.0"), tf_facts=tf(build=dict(BUILD_221, cuda_compute_capabilities=["sm_60", "sm_70"])))
    )
    assert codes(found) == ["COMPUTE_CAPABILITY_UNSUPPORTED"]


def test_wsl2_without_the_windows_driver():
    found = run(facts(gpu=NO_GPU, wsl=True))
    assert codes(found) == ["NO_GPU"] and "Windows" in found[0].fix


def test_environment_of_the_h200_host_changes_nothing():
    env = dict(line.split("=", 1) for line in (H200 / "env.txt").read_text().splitlines() if "=" in line)
    assert env["NVIDIA_VISIBLE_DEVICES"] == "0" and "CUDA_VISIBLE_DEVICES" not in env
    f = facts(env={name: value for name, value in env.items() if name in rules.ENV_VARS})
    assert run(f) == [] and rules.ready(f, [])
