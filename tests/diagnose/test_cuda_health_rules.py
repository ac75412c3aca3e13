"""check-cuda's verdict names the cause: for each GPU health or sharing failure, the headline (the
verdict's summary) and the first error are that failure's, never TF_NO_GPU_UNEXPLAINED, and no
finding says "look right" beside it. Facts: the H200 host's captures and variants derived from them."""

from __future__ import annotations

import json

from envcheck import data
from envcheck.diagnose import cuda as rules
from envcheck.model import ERROR, WARNING
from envcheck.probes import gpu as gpu_probe
from envcheck.probes import tensorflow as tfp

from helpers import CPU_HOST, FIXTURES, H200

DERIVED = FIXTURES.parent / "derived"
BUILDS = data.load("tensorflow_builds.toml")
DRIVERS = data.load("cuda_drivers.toml")
BUILD_221 = json.loads((CPU_HOST / "tf-probe.json").read_text())["build_info"]


def smi_host(xml: str | None = None, extra_gpus=()) -> gpu_probe.GpuFacts:
    """The H200 as nvidia-smi reports it (CSV + -q -x), with a derived -q -x where given."""
    driver, rows = gpu_probe.parse_nvidia_smi_csv((H200 / "nvidia-smi-query.txt").read_text())
    _, detailed = gpu_probe.parse_nvidia_smi_xml(
        ((DERIVED / xml) if xml else (H200 / "nvidia-smi-q-x.txt")).read_text()
    )
    gpus = gpu_probe.with_health(rows, detailed) + tuple(extra_gpus)
    return gpu_probe.GpuFacts(gpu_probe.SMI_CSV, gpus, driver._replace(cuda_version="13.0"))


def tf_sees(gpus: int, log: str = "") -> tfp.TfFacts:
    return tfp.TfFacts(
        tfp.OK,
        version="2.21.0",
        build_info=dict(BUILD_221),
        gpus=tuple({"name": f"/physical_device:GPU:{i}"} for i in range(gpus)),
        log=tuple(tfp.classify_log(log)),
    )


def verdict(gpu, tf=None, **changes):
    facts = rules.CudaFacts(gpu=gpu, tf=tf, python="/venv/bin/python", python_version=(3, 12, 3))._replace(**changes)
    found = rules.diagnose(facts, BUILDS if tf else {}, DRIVERS if tf else {})
    is_ready = rules.ready(facts, found)
    return is_ready, rules.headline(facts, found, is_ready), found


def assert_cause(found, headline, code, words):
    errors = [f for f in found if f.severity == ERROR]
    assert errors and errors[0].code == code, [f.code for f in found]
    assert headline.startswith("not ready") and words in headline, headline
    assert "TF_NO_GPU_UNEXPLAINED" not in [f.code for f in found]
    assert not any("look right" in f.message for f in found)


CUINIT_NO_DEVICE = (
    "<ts> cuda_executor.cc:1228] failed call to cuInit: CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected"
)


def test_captured_h200_has_no_health_finding_and_is_ready():
    ready, headline, found = verdict(smi_host())
    assert ready and found == [] and headline.startswith("GPU ready")


def test_lost_gpu_is_the_headline_not_tensorflow_seeing_nothing():
    _, gpus = gpu_probe.parse_nvidia_smi_csv((DERIVED / "h200-smi-lost.txt").read_text())
    lost = gpu_probe.GpuFacts(gpu_probe.SMI_CSV, gpus, gpu_probe.Driver("580.159.04", "13.0"))
    ready, headline, found = verdict(lost, tf_sees(0, CUINIT_NO_DEVICE))
    assert not ready
    assert_cause(found, headline, "GPU_LOST", "cannot be reached")
    first = found[0]
    assert "Xid 79" in first.message and "nvidia-smi -r -i 0000:00:06.0" in first.fix and "dmesg" in first.fix


def test_lost_gpu_from_nvml_without_tensorflow_is_not_ready():
    data_ = json.loads((H200 / "pynvml.json").read_text())
    data_["devices"] = [{"index": 0, "error": "GPU is lost", "error_code": 15}]
    driver, gpus = gpu_probe.parse_nvml_data(data_)
    ready, headline, found = verdict(gpu_probe.GpuFacts(gpu_probe.NVML, gpus, driver))
    assert not ready
    assert_cause(found, headline, "GPU_LOST", "GPU is lost")


def test_lost_gpu_beside_a_working_one_is_a_warning_and_ready():
    _, lost = gpu_probe.parse_nvidia_smi_csv(
        "Unable to determine the device handle for GPU 0000:3B:00.0: Unknown Error\n"
    )
    ready, headline, found = verdict(smi_host(extra_gpus=(lost[0]._replace(index=1),)), tf_sees(1))
    assert ready and [(f.code, f.severity) for f in found if f.code == "GPU_LOST"] == [("GPU_LOST", WARNING)]


def test_mig_enabled_without_instances_is_the_headline():
    ready, headline, found = verdict(smi_host("h200-q-x-mig-no-instances.xml"), tf_sees(0, CUINIT_NO_DEVICE))
    assert not ready
    assert_cause(found, headline, "MIG_NO_INSTANCES", "MIG mode with no MIG instances")
    assert "nvidia-smi mig -i 0 -cgi <profile> -C" in found[0].fix and "-mig 0" in found[0].fix


def test_mig_mode_pending_is_a_warning():
    ready, _, found = verdict(smi_host("h200-q-x-mig-pending.xml"))
    assert ready and [(f.code, f.severity) for f in found] == [("MIG_MODE_PENDING", WARNING)]


def _mig_host():
    driver, gpus = gpu_probe.parse_nvml_json((DERIVED / "h200-pynvml-health.json").read_text())
    healthy = gpus[0].health._replace(
        compute_mode="default", processes=(), remapped_rows_pending=False, throttle_reasons=()
    )
    return gpu_probe.GpuFacts(gpu_probe.NVML, (gpus[0]._replace(health=healthy),), driver)


def test_cuda_visible_devices_naming_the_mig_parent_gpu_gives_the_mig_uuids():
    host = _mig_host()
    parent = host.gpus[0].uuid
    ready, headline, found = verdict(host, tf_sees(0), env={"CUDA_VISIBLE_DEVICES": parent})
    assert not ready
    assert_cause(found, headline, "CUDA_VISIBLE_DEVICES_MIG", "does not name a MIG device")
    assert found[0].fix.startswith("export CUDA_VISIBLE_DEVICES=MIG-1a2b3c4d-0000-5111-8222-000000000001")


def test_cuda_visible_devices_with_a_wrong_mig_uuid_is_named():
    ready, headline, found = verdict(_mig_host(), tf_sees(0), env={"CUDA_VISIBLE_DEVICES": "MIG-deadbeef"})
    assert not ready and found[0].code in ("CUDA_VISIBLE_DEVICES_MIG", "CUDA_VISIBLE_DEVICES_HIDES_ALL")
    assert any(
        f.code == "CUDA_VISIBLE_DEVICES_MIG" and "MIG-deadbeef is not a MIG device here" in f.message for f in found
    )


def test_cuda_visible_devices_with_a_right_mig_uuid_is_fine():
    ready, _, found = verdict(
        _mig_host(), tf_sees(1), env={"CUDA_VISIBLE_DEVICES": "MIG-1a2b3c4d-0000-5111-8222-000000000002"}
    )
    assert ready and not [f for f in found if f.severity == ERROR]


def test_exclusive_process_gpu_held_by_another_job_is_the_headline_even_when_tensorflow_lists_it():
    ready, headline, found = verdict(smi_host("h200-q-x-exclusive-busy.xml"), tf_sees(1))
    assert not ready  # TensorFlow lists the device, then fails with CUDA_ERROR_DEVICES_UNAVAILABLE on first use
    assert_cause(found, headline, "GPU_EXCLUSIVE_BUSY", "held by pid 4242 /usr/bin/python3 (81920 MiB)")
    assert "kill 4242" in found[0].fix and "-c DEFAULT" in found[0].fix
    assert "GPU_MEMORY_HELD" not in [f.code for f in found]  # the holder is named once


def test_prohibited_compute_mode_is_the_headline():
    ready, headline, found = verdict(smi_host("h200-q-x-prohibited.xml"))
    assert not ready
    assert_cause(found, headline, "GPU_COMPUTE_PROHIBITED", "PROHIBITED compute mode")


def test_memory_held_by_another_process_is_a_warning_with_allow_growth():
    ready, _, found = verdict(smi_host("h200-q-x-memory-held.xml"), tf_sees(1))
    assert ready and [f.code for f in found] == ["GPU_MEMORY_HELD", "PTX_JIT"]  # TF 2.21 has PTX only for 9.0
    assert (
        "pid 4242 /usr/bin/python3 (81920 MiB)" in found[0].message and "TF_FORCE_GPU_ALLOW_GROWTH=true" in found[0].fix
    )
    _, _, again = verdict(smi_host("h200-q-x-memory-held.xml"), tf_sees(1), env={"TF_FORCE_GPU_ALLOW_GROWTH": "true"})
    assert "TF_FORCE_GPU_ALLOW_GROWTH" not in again[0].fix


def test_pending_row_remapping_and_ecc_errors_explain_tensorflow_seeing_no_gpu():
    ready, headline, found = verdict(smi_host("h200-q-x-ecc-remap-pending.xml"), tf_sees(0, CUINIT_NO_DEVICE))
    assert not ready
    assert_cause(found, headline, "GPU_RESET_PENDING", "remapped rows pending")
    assert "nvidia-smi -r" in found[0].fix and "xid" in found[0].fix.lower()
    assert [f.code for f in found if f.severity == ERROR][:2] == ["GPU_RESET_PENDING", "GPU_ECC_ERRORS"]


def test_pending_row_remapping_on_a_gpu_tensorflow_uses_is_a_warning():
    ready, headline, found = verdict(smi_host("h200-q-x-ecc-remap-pending.xml"), tf_sees(1))
    assert ready and headline.startswith("GPU ready")
    assert {(f.code, f.severity) for f in found} == {
        ("GPU_RESET_PENDING", WARNING),
        ("GPU_ECC_ERRORS", WARNING),
        ("PTX_JIT", WARNING),
    }


def test_throttling_is_a_warning_naming_the_reasons():
    ready, _, found = verdict(smi_host("h200-q-x-throttled.xml"))
    assert ready and [f.code for f in found] == ["GPU_THROTTLED"]
    assert "hw_thermal_slowdown, hw_power_brake_slowdown" in found[0].message


def test_container_without_gpu_passthrough_is_the_headline_not_a_missing_driver():
    pci = (gpu_probe.PciDevice("0000:00:06.0", "0x2335", "0x030200", None),)
    facts = gpu_probe.GpuFacts(
        None,
        pci_devices=pci,
        failures=(gpu_probe.SourceFailure(gpu_probe.SMI_CSV, "not-found", "nvidia-smi was not found"),),
    )
    ready, headline, found = verdict(facts, container="docker")
    assert not ready and [f.code for f in found] == ["CONTAINER_NO_GPU_ACCESS"]
    assert "docker container without GPU access" in headline
    assert "--gpus all" in found[0].fix and "nvidia.com/gpu" in found[0].fix
    # the same host outside a container: the driver is what is missing
    _, _, outside = verdict(facts)
    assert [f.code for f in outside] == ["GPU_NO_DRIVER"]
    # a container that was given the device nodes is not told to pass them through
    _, _, given = verdict(facts._replace(device_nodes=("nvidia0", "nvidiactl")), container="docker")
    assert [f.code for f in given] == ["GPU_NO_DRIVER"]


def test_several_gpus_where_tensorflow_ignores_the_old_one_is_ready_with_a_warning():
    host = smi_host()
    old = host.gpus[0]._replace(
        index=1, name="Tesla K80", compute_capability="3.7", pci_bus_id="00000000:00:07.0", uuid="GPU-k80"
    )
    ready, headline, found = verdict(host._replace(gpus=host.gpus + (old,)), tf_sees(1))
    assert ready and headline.startswith("GPU ready")
    assert [(f.code, f.severity) for f in found if f.code in ("GPUS_IGNORED", "COMPUTE_CAPABILITY_TOO_LOW")] == [
        ("GPUS_IGNORED", WARNING)
    ]
    ignored = next(f for f in found if f.code == "GPUS_IGNORED")
    assert "GPU 1 (Tesla K80, compute capability 3.7)" in ignored.message and "1 of 2 GPUs" in ignored.message


def test_only_old_gpus_stay_an_error():
    host = smi_host()
    old = host.gpus[0]._replace(name="Tesla K80", compute_capability="3.7")
    ready, headline, found = verdict(host._replace(gpus=(old,)), tf_sees(0))
    assert not ready and found[0].code == "COMPUTE_CAPABILITY_TOO_LOW" and "older than TensorFlow" in headline


def test_lost_gpu_beside_a_working_one_explains_tensorflow_seeing_none():
    _, lost = gpu_probe.parse_nvidia_smi_csv(
        "Unable to determine the device handle for GPU 0000:3B:00.0: Unknown Error\n"
    )
    ready, headline, found = verdict(smi_host(extra_gpus=(lost[0]._replace(index=1),)), tf_sees(0, CUINIT_NO_DEVICE))
    assert not ready
    assert_cause(found, headline, "GPU_LOST", "cannot be reached")


def test_a_lost_gpu_hidden_by_cuda_visible_devices_leaves_the_headline_to_the_variable():
    _, gpus = gpu_probe.parse_nvidia_smi_csv((DERIVED / "h200-smi-lost.txt").read_text())
    lost = gpu_probe.GpuFacts(gpu_probe.SMI_CSV, gpus, gpu_probe.Driver("580.159.04", "13.0"))
    ready, headline, found = verdict(lost, env={"CUDA_VISIBLE_DEVICES": "-1"})
    assert not ready and found[0].code == "CUDA_VISIBLE_DEVICES_HIDES_ALL"
    assert [(f.code, f.severity) for f in found[1:]] == [("GPU_LOST", WARNING)]
