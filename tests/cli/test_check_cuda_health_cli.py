"""check-cuda end to end on sick and shared GPU hosts: a stand-in `nvidia-smi` first on PATH printing
the H200 host's captures or variants derived from them (tests/fixtures/derived/), a stand-in NVML
(`pynvml`) and a stand-in TensorFlow on the child's PYTHONPATH. Each run asserts the headline."""

from __future__ import annotations

import json

from cuda_fakes import (
    TF_SEES_H200,
    fake_nvidia_smi,
    lost_gpu_nvidia_smi,
    path_with,
    pynvml_h200,
    stand_in_module,
    stand_in_package,
)
from helpers import FIXTURES, run_cli

DERIVED = FIXTURES.parent / "derived"
# TensorFlow 2.21's stand-in when CUDA finds no device: it lists none and logs cuInit's failure.
TF_SEES_NONE = TF_SEES_H200.replace("_GPUS = [_GPU]", "_GPUS = []") + (
    "import sys\nprint('<ts> cuda_executor.cc:1228] failed call to cuInit: "
    "CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected', file=sys.stderr)\n"
)


def run_json(*args, env):
    result = run_cli("check-cuda", "--format", "json", *args, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result, json.loads(result.stdout)


def first_error(report):
    return next(f for f in report["findings"] if f["severity"] == "error")


def codes(report):
    return [f["code"] for f in report["findings"]]


def smi_env(tmp_path, xml=None):
    fake_nvidia_smi(tmp_path / "bin", xml=DERIVED / xml if xml else None)
    return {"PATH": path_with(tmp_path / "bin")}


def test_exclusive_process_gpu_held_by_another_job_names_the_holder(tmp_path):
    result, report = run_json("--no-tf", env=smi_env(tmp_path, "h200-q-x-exclusive-busy.xml"))
    assert result.returncode == 1
    assert first_error(report)["code"] == "GPU_EXCLUSIVE_BUSY"
    assert report["verdict"]["summary"] == (
        "not ready: no usable GPU: GPU 0 (NVIDIA H200, 00000000:00:06.0) is in EXCLUSIVE_PROCESS compute mode "
        "and held by pid 4242 /usr/bin/python3 (81920 MiB)"
    )
    health = report["gpus"][0]["health"]
    assert health["compute_mode"] == "exclusive_process"
    assert health["processes"] == [{"pid": 4242, "name": "/usr/bin/python3", "used_memory_mib": 81920, "type": "C"}]
    assert report["gpus"][0]["compute_capability"] == "9.0"  # the CSV's facts stay


def test_exclusive_process_text_output_shows_the_health_row(tmp_path):
    result = run_cli("check-cuda", "--no-tf", env=smi_env(tmp_path, "h200-q-x-exclusive-busy.xml"))
    lines = result.stdout.splitlines()
    assert result.returncode == 1 and lines[0].startswith("✗ not ready: no usable GPU: GPU 0")
    assert "  Health     GPU 0: compute mode EXCLUSIVE_PROCESS, 1 process(es) holding 81920 MiB" in lines


def test_lost_gpu_from_nvidia_smi_is_the_headline(tmp_path):
    lost_gpu_nvidia_smi(tmp_path / "bin")
    result, report = run_json("--no-tf", env={"PATH": path_with(tmp_path / "bin")})
    assert result.returncode == 1
    assert first_error(report)["code"] == "GPU_LOST" and "cannot be reached" in report["verdict"]["summary"]
    assert report["driver"]["version"] == "580.159.04" and report["driver"]["working"] is True
    assert report["gpus"][0]["health"]["lost"] is True and report["gpus"][0]["pci_bus_id"] == "0000:00:06.0"
    assert "nvidia-smi -r" in first_error(report)["fix"]


def test_mig_without_instances_from_nvidia_smi_is_the_headline(tmp_path):
    result, report = run_json("--no-tf", env=smi_env(tmp_path, "h200-q-x-mig-no-instances.xml"))
    assert result.returncode == 1 and first_error(report)["code"] == "MIG_NO_INSTANCES"
    assert "MIG mode with no MIG instances" in report["verdict"]["summary"]
    assert report["gpus"][0]["health"]["mig"] == {
        "mode": "enabled",
        "pending": "enabled",
        "instances": 0,
        "instance_uuids": [],
    }


def test_throttled_gpu_is_ready_with_a_warning(tmp_path):
    result, report = run_json("--no-tf", env=smi_env(tmp_path, "h200-q-x-throttled.xml"))
    assert result.returncode == 0 and report["verdict"]["summary"].startswith("GPU ready")
    assert codes(report) == ["GPU_THROTTLED"]
    assert report["gpus"][0]["health"]["throttle_reasons"] == ["hw_thermal_slowdown", "hw_power_brake_slowdown"]


def _tf_and_nvml(tmp_path, tf_body, nvml_body):
    """Stand-in TensorFlow and NVML on PYTHONPATH, the captured nvidia-smi on PATH (NVML answers first)."""
    site = stand_in_package(tmp_path / "site", "tensorflow", tf_body)
    stand_in_module(site, "pynvml", nvml_body)
    fake_nvidia_smi(tmp_path / "bin")
    return {"PATH": path_with(tmp_path / "bin"), "PYTHONPATH": str(site)}


def test_gpu_lost_in_nvml_while_tensorflow_sees_none_headlines_the_lost_gpu(tmp_path):
    result, report = run_json(env=_tf_and_nvml(tmp_path, TF_SEES_NONE, pynvml_h200(lost=True)))
    assert result.returncode == 1
    assert report["driver"]["source"] == "nvml"
    assert first_error(report)["code"] == "GPU_LOST"
    assert report["verdict"]["summary"].startswith("not ready: TensorFlow cannot use a GPU: 1 GPU(s) cannot be reached")
    assert "TF_NO_GPU_UNEXPLAINED" not in codes(report)
    assert not any("look right" in f["message"] for f in report["findings"])


def test_mig_without_instances_while_tensorflow_sees_none_headlines_mig(tmp_path):
    result, report = run_json(env=_tf_and_nvml(tmp_path, TF_SEES_NONE, pynvml_h200(mig=(1, 1))))
    assert result.returncode == 1
    assert codes(report)[0] == "MIG_NO_INSTANCES" and "MIG" in report["verdict"]["summary"]
    assert "TF_NO_GPU_UNEXPLAINED" not in codes(report)
    assert codes(report).index("MIG_NO_INSTANCES") < codes(report).index("CUINIT_FAILED")


def test_exclusive_gpu_that_tensorflow_lists_is_still_not_ready(tmp_path):
    nvml = pynvml_h200(compute_mode=3, processes=((4242, "/usr/bin/python3", 80 * 2**30),))
    result, report = run_json(env=_tf_and_nvml(tmp_path, TF_SEES_H200, nvml))
    assert result.returncode == 1
    assert first_error(report)["code"] == "GPU_EXCLUSIVE_BUSY" and "pid 4242" in report["verdict"]["summary"]
    assert report["gpus"][0]["health"]["processes"][0] == {
        "pid": 4242,
        "name": "/usr/bin/python3",
        "used_memory_mib": 81920,
        "type": "C",
    }


def test_mig_devices_from_nvml_are_listed_and_cuda_visible_devices_pointing_at_the_parent_is_named(tmp_path):
    uuids = ("MIG-1a2b3c4d-0000-5111-8222-000000000001", "MIG-1a2b3c4d-0000-5111-8222-000000000002")
    env = _tf_and_nvml(tmp_path, TF_SEES_NONE, pynvml_h200(mig=(1, 1), mig_devices=uuids))
    env["CUDA_VISIBLE_DEVICES"] = "GPU-8a961472-0a8a-c757-5451-e4b90cc14c58"
    result, report = run_json(env=env)
    assert result.returncode == 1
    assert report["gpus"][0]["health"]["mig"]["instance_uuids"] == list(uuids)
    assert first_error(report)["code"] == "CUDA_VISIBLE_DEVICES_MIG"
    assert first_error(report)["fix"].startswith(f"export CUDA_VISIBLE_DEVICES={uuids[0]}")


def test_mig_devices_from_nvidia_smi_and_cuda_visible_devices_naming_the_parent(tmp_path):
    fake_nvidia_smi(
        tmp_path / "bin", xml=DERIVED / "h200-q-x-mig-two-instances.xml", listing=DERIVED / "h200-smi-L-mig.txt"
    )
    env = {"PATH": path_with(tmp_path / "bin"), "CUDA_VISIBLE_DEVICES": "GPU-8a961472-0a8a-c757-5451-e4b90cc14c58"}
    result, report = run_json("--no-tf", env=env)
    assert result.returncode == 1
    mig = report["gpus"][0]["health"]["mig"]
    assert (mig["instances"], mig["instance_uuids"][1]) == (2, "MIG-1a2b3c4d-0000-5111-8222-000000000002")
    assert first_error(report)["code"] == "CUDA_VISIBLE_DEVICES_MIG"
    assert first_error(report)["fix"].startswith("export CUDA_VISIBLE_DEVICES=MIG-1a2b3c4d-0000-5111-8222-000000000001")
    # naming a MIG device instead is ready
    env["CUDA_VISIBLE_DEVICES"] = "MIG-1a2b3c4d-0000-5111-8222-000000000002"
    result, report = run_json("--no-tf", env=env)
    assert result.returncode == 0 and report["verdict"]["summary"].startswith("GPU ready")
