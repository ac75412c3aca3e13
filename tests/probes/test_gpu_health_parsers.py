"""GPU health and sharing facts: pure parsers over the H200 host's captured `nvidia-smi -q -x` and NVML
answer, and over variants derived from them (tests/fixtures/derived/, each saying what was changed)."""

from __future__ import annotations

import json

from envcheck.probes import gpu, system

from helpers import FIXTURES, H200

DERIVED = FIXTURES.parent / "derived"


def xml_health(name: str) -> gpu.GpuHealth:
    path = H200 / "nvidia-smi-q-x.txt" if name == "captured" else DERIVED / name
    return gpu.parse_nvidia_smi_xml(path.read_text())[1][0].health


def test_captured_h200_is_healthy_and_unshared():
    health = xml_health("captured")
    assert health == gpu.GpuHealth(
        lost=False,
        mig_mode="disabled",
        mig_pending="disabled",
        mig_instances=None,
        compute_mode="default",
        processes=(),
        memory_used_mib=0,
        ecc_mode="enabled",
        ecc_pending="enabled",
        ecc_uncorrectable_volatile=0,
        ecc_uncorrectable_aggregate=0,
        retired_pages_pending=None,
        remapped_rows_pending=False,
        remapped_rows_failure=False,
        throttle_reasons=(),
        persistence_mode="enabled",
    )


def test_mig_enabled_without_instances_counts_zero_instances():
    health = xml_health("h200-q-x-mig-no-instances.xml")
    assert (health.mig_mode, health.mig_pending, health.mig_instances) == ("enabled", "enabled", 0)


def test_mig_enabled_with_instances_counts_them():
    text = (
        (DERIVED / "h200-q-x-mig-no-instances.xml")
        .read_text()
        .replace(
            "<mig_devices>\n\t\t\tNone\n\t\t</mig_devices>",
            "<mig_devices><mig_device><index>0</index></mig_device><mig_device><index>1</index></mig_device></mig_devices>",
        )
    )
    assert gpu.parse_nvidia_smi_xml(text)[1][0].health.mig_instances == 2


def test_exclusive_process_mode_lists_the_process_holding_the_gpu():
    health = xml_health("h200-q-x-exclusive-busy.xml")
    assert health.compute_mode == "exclusive_process" and health.memory_used_mib == 82536
    assert health.processes == (gpu.GpuProcess(4242, "/usr/bin/python3", 81920, "C"),)


def test_prohibited_compute_mode():
    assert xml_health("h200-q-x-prohibited.xml").compute_mode == "prohibited"


def test_ecc_errors_and_a_pending_row_remapping():
    health = xml_health("h200-q-x-ecc-remap-pending.xml")
    assert (health.ecc_uncorrectable_volatile, health.ecc_uncorrectable_aggregate) == (2, 2)
    assert (health.remapped_rows_pending, health.remapped_rows_failure) == (True, False)


def test_only_the_clock_event_reasons_that_matter_are_kept():
    assert xml_health("h200-q-x-throttled.xml").throttle_reasons == ("hw_thermal_slowdown", "hw_power_brake_slowdown")


def test_older_drivers_throttle_and_ecc_tags_are_read():
    text = (H200 / "nvidia-smi-q-x.txt").read_text()
    text = text.replace("clocks_event_reason", "clocks_throttle_reason").replace(
        "<clocks_throttle_reason_hw_slowdown>Not Active", "<clocks_throttle_reason_hw_slowdown>Active"
    )
    start, end = text.index("<volatile>"), text.index("</volatile>")
    text = (
        text[:start]
        + "<volatile><single_bit><total>5</total></single_bit><double_bit><total>3</total></double_bit>"
        + text[end:]
    )
    health = gpu.parse_nvidia_smi_xml(text)[1][0].health
    assert health.throttle_reasons == ("hw_slowdown",) and health.ecc_uncorrectable_volatile == 3


def test_nvidia_smi_lost_gpu_line_is_a_lost_gpu_record():
    driver, gpus = gpu.parse_nvidia_smi_csv((DERIVED / "h200-smi-lost.txt").read_text())
    assert driver.version is None and len(gpus) == 1
    assert gpus[0].lost and gpus[0].pci_bus_id == "0000:00:06.0" and "Unknown Error" in gpus[0].error


def test_lost_gpu_beside_a_healthy_one_keeps_both():
    text = (
        H200 / "nvidia-smi-query.txt"
    ).read_text() + "Unable to determine the device handle for GPU 0000:3B:00.0: Unknown Error\n"
    _, gpus = gpu.parse_nvidia_smi_csv(text)
    assert [(g.index, g.lost) for g in gpus] == [(0, False), (1, True)]


def test_nvml_health_fields_are_named():
    _, gpus = gpu.parse_nvml_json((DERIVED / "h200-pynvml-health.json").read_text())
    health = gpus[0].health
    assert (health.mig_mode, health.mig_instances, health.compute_mode) == ("enabled", 2, "exclusive_process")
    assert health.mig_uuids[0] == "MIG-1a2b3c4d-0000-5111-8222-000000000001"
    assert health.processes == (gpu.GpuProcess(4242, "/usr/bin/python3", 81920, "C"),)
    assert (health.ecc_mode, health.ecc_uncorrectable_volatile, health.ecc_uncorrectable_aggregate) == ("enabled", 0, 1)
    assert (health.remapped_rows_pending, health.remapped_rows_failure, health.retired_pages_pending) == (
        True,
        False,
        False,
    )
    assert health.throttle_reasons == ("hw_slowdown",)  # GPU idle (0x1) is normal and left out


def test_nvml_gpu_is_lost_error_code_marks_the_gpu_lost():
    data = json.loads((H200 / "pynvml.json").read_text())
    data["devices"] = [{"index": 0, "error": "GPU is lost", "error_code": 15}]
    _, gpus = gpu.parse_nvml_data(data)
    assert gpus[0].lost and gpus[0].to_dict()["health"]["lost"] is True


def test_health_json_has_the_documented_keys():
    data = gpu.parse_nvidia_smi_xml((H200 / "nvidia-smi-q-x.txt").read_text())[1][0].to_dict()["health"]
    assert set(data) == {
        "lost",
        "mig",
        "compute_mode",
        "processes",
        "memory_used_mib",
        "ecc",
        "retired_pages_pending",
        "remapped_rows_pending",
        "remapped_rows_failure",
        "throttle_reasons",
        "persistence_mode",
    }
    assert set(data["mig"]) == {"mode", "pending", "instances", "instance_uuids"}
    assert set(data["ecc"]) == {"mode", "pending", "uncorrectable_volatile", "uncorrectable_aggregate"}


def test_csv_gpus_take_the_xml_health_matched_by_bus_id():
    _, rows = gpu.parse_nvidia_smi_csv((H200 / "nvidia-smi-query.txt").read_text())
    _, detailed = gpu.parse_nvidia_smi_xml((DERIVED / "h200-q-x-exclusive-busy.xml").read_text())
    merged = gpu.with_health(rows, detailed)
    assert merged[0].compute_capability == "9.0" and merged[0].health.compute_mode == "exclusive_process"


def test_container_detection():
    assert system.parse_container(True, False, None, None) == "docker"
    assert system.parse_container(False, True, None, None) == "podman"
    assert system.parse_container(False, False, "12:pids:/kubepods/burstable/pod1/abc\n", None) == "kubernetes"
    assert system.parse_container(False, False, "0::/\n", None, kubernetes=True) == "kubernetes"
    # a host running Docker has docker paths only on other mount points
    host = (
        "36 1 8:1 / / rw - ext4 /dev/sda1 rw\n99 36 0:50 / /var/lib/docker/overlay2/x/merged rw - overlay overlay rw\n"
    )
    assert system.parse_container(False, False, "0::/init.scope\n", host) is None
    inside = "600 500 0:60 / / rw - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/A\n"
    assert system.parse_container(False, False, "0::/\n", inside) == "docker"


def test_device_nodes_are_read_under_a_root(tmp_path):
    (tmp_path / "dev").mkdir()
    for name in ("nvidia0", "nvidiactl", "null"):
        (tmp_path / "dev" / name).write_text("")
    assert gpu.read_device_nodes(str(tmp_path)) == ("nvidia0", "nvidiactl")


def test_mig_devices_that_exist_are_counted_and_named_by_the_listing():
    health = xml_health("h200-q-x-mig-two-instances.xml")
    assert (health.mig_mode, health.mig_instances, health.mig_uuids) == ("enabled", 2, ())
    listing = gpu.parse_nvidia_smi_list((DERIVED / "h200-smi-L-mig.txt").read_text())
    assert listing == {
        "GPU-8a961472-0a8a-c757-5451-e4b90cc14c58": (
            "MIG-1a2b3c4d-0000-5111-8222-000000000001",
            "MIG-1a2b3c4d-0000-5111-8222-000000000002",
        )
    }
    assert gpu.parse_nvidia_smi_list((H200 / "nvidia-smi-L.txt").read_text()) == {
        "GPU-8a961472-0a8a-c757-5451-e4b90cc14c58": ()
    }
    older = "GPU 0: A100-SXM4-40GB (UUID: GPU-5d5ba0d6)\n  MIG 1g.5gb Device 0: (UUID: MIG-GPU-5d5ba0d6/1/0)\n"
    assert gpu.parse_nvidia_smi_list(older) == {"GPU-5d5ba0d6": ("MIG-GPU-5d5ba0d6/1/0",)}


def test_gpu_facts_to_dict_carries_the_health_of_each_gpu():
    driver, gpus = gpu.parse_nvidia_smi_xml((DERIVED / "h200-q-x-prohibited.xml").read_text())
    data = gpu.GpuFacts(gpu.SMI_XML, gpus, driver).to_dict()
    assert data["driver"] == {"version": "580.159.04", "cuda_version": "13.0", "kernel_module": None, "working": True}
    assert data["gpus"][0]["health"]["compute_mode"] == "prohibited" and data["failures"] == []
