"""GPU and driver probes on what real machines printed (shared/fixtures/hosts)."""

from __future__ import annotations

import os
import sys

import pytest

from envcheck import runner
from envcheck.probes import gpu

from cuda_fakes import PYNVML_H200, PYNVML_HANG, PYNVML_MISMATCH, stand_in_module
from helpers import CPU_HOST, H200

H200_UUID = "GPU-8a961472-0a8a-c757-5451-e4b90cc14c58"


def test_nvml_answer_of_the_h200_host_parses_to_one_hopper_gpu():
    driver, gpus = gpu.parse_nvml_json((H200 / "pynvml.json").read_text())
    assert driver.version == "580.159.04"
    assert driver.cuda_version == "13.0"
    assert tuple(g._replace(health=None) for g in gpus) == (
        gpu.Gpu(0, "NVIDIA H200", H200_UUID, 143771, "9.0", "00000000:00:06.0", "disabled"),
    )


def test_nvml_error_answer_is_returned_as_text():
    assert (
        gpu.parse_nvml_json('{"error": "NVML Shared Library Not Found", "error_code": 12}')
        == "NVML Shared Library Not Found"
    )


@pytest.mark.parametrize(
    "value, expected", [(13000, "13.0"), (12040, "12.4"), (11020, "11.2"), (None, None), (0, None)]
)
def test_cuda_driver_version_integer_is_major_thousands_minor_tens(value, expected):
    assert gpu.cuda_from_int(value) == expected


def test_query_gpu_csv_of_the_h200_host():
    driver, gpus = gpu.parse_nvidia_smi_csv((H200 / "nvidia-smi-query.txt").read_text())
    assert driver.version == "580.159.04" and driver.cuda_version is None
    assert gpus[0].name == "NVIDIA H200" and gpus[0].compute_capability == "9.0"
    assert gpus[0].memory_mib == 143771 and gpus[0].uuid == H200_UUID and gpus[0].pci_bus_id == "00000000:00:06.0"


def test_query_gpu_csv_with_header_and_units_reads_columns_by_name():
    driver, gpus = gpu.parse_nvidia_smi_csv((H200 / "nvidia-smi-query-header.txt").read_text())
    assert driver.version == "580.159.04"
    assert (gpus[0].index, gpus[0].memory_mib, gpus[0].compute_capability, gpus[0].uuid) == (0, 143771, "9.0", None)


@pytest.mark.parametrize("text", ["garbage", "0, NVIDIA H200, only three", "x, a, b, c, d, e, f, g, h, i"])
def test_query_gpu_csv_rejects_lines_that_are_not_gpu_rows(text):
    with pytest.raises(ValueError):
        gpu.parse_nvidia_smi_csv(text)


def test_query_xml_of_the_h200_host_carries_cuda_version_and_mig_mode():
    driver, gpus = gpu.parse_nvidia_smi_xml((H200 / "nvidia-smi-q-x.txt").read_text())
    assert (driver.version, driver.cuda_version) == ("580.159.04", "13.0")
    assert gpus[0].name == "NVIDIA H200" and gpus[0].mig == "disabled" and gpus[0].memory_mib == 143771
    assert gpus[0].compute_capability is None  # -q -x does not report it


def _fake_root(tmp_path, with_proc=True, pci=()):
    """A root directory holding the H200 host's /proc/driver/nvidia and chosen PCI devices."""
    root = tmp_path / "root"
    if with_proc:
        text = (H200 / "proc-driver-nvidia.txt").read_text()
        version_text, _, information = text.partition("== /proc/driver/nvidia/gpus/0000:00:06.0/information\n")
        base = root / "proc/driver/nvidia"
        (base / "gpus/0000:00:06.0").mkdir(parents=True)
        (base / "version").write_text(version_text)
        (base / "gpus/0000:00:06.0/information").write_text(information)
    for address, vendor, pci_class in pci:
        device = root / "sys/bus/pci/devices" / address
        device.mkdir(parents=True)
        (device / "vendor").write_text(vendor + "\n")
        (device / "class").write_text(pci_class + "\n")
        (device / "device").write_text("0x2335\n")
    root.mkdir(exist_ok=True)
    return str(root)


def test_proc_driver_version_and_gpu_information_of_the_h200_host(tmp_path):
    version, infos = gpu.read_proc(_fake_root(tmp_path))
    assert gpu.parse_proc_version(version) == "580.159.04"
    ((bus, text),) = infos.items()
    assert gpu.parse_proc_gpu_information(text, 0) == gpu.Gpu(0, "NVIDIA H200", H200_UUID, pci_bus_id="0000:00:06.0")


def test_pci_scan_keeps_nvidia_display_devices_and_skips_their_audio_functions(tmp_path):
    root = _fake_root(
        tmp_path,
        with_proc=False,
        pci=[
            ("0000:00:06.0", "0x10de", "0x030200"),
            ("0000:00:06.1", "0x10de", "0x040300"),
            ("0000:00:01.0", "0x8086", "0x030000"),
        ],
    )
    devices = gpu.read_pci(root)
    assert [(d.address, d.pci_class, d.kernel_driver) for d in devices] == [("0000:00:06.0", "0x030200", None)]


def _runner_answering(answers):
    """A runner that returns the captured output for each nvidia-smi form, as gpu.probe calls it."""
    calls = []

    def run(argv, timeout, env=None):
        calls.append(tuple(argv))
        for key, result in answers.items():
            if key in " ".join(argv):
                return result(argv) if callable(result) else result
        return runner.CommandResult(tuple(argv), runner.NOT_FOUND, error="No such file or directory")

    run.calls = calls
    return run


def _ok(path):
    return lambda argv: runner.CommandResult(tuple(argv), runner.OK, 0, path.read_text(), "")


def test_probe_falls_back_to_nvidia_smi_when_nvml_cannot_load(tmp_path):
    nvml = lambda timeout: runner.TargetResult(
        runner.CommandResult(("python",), runner.OK), {"error": "NVML Shared Library Not Found"}, None
    )
    run = _runner_answering(
        {"--query-gpu": _ok(H200 / "nvidia-smi-query.txt"), "-q -x": _ok(H200 / "nvidia-smi-q-x.txt")}
    )
    facts = gpu.probe(root=_fake_root(tmp_path), run=run, nvml=nvml)
    assert facts.source == gpu.SMI_CSV and facts.working_driver
    assert facts.driver == gpu.Driver("580.159.04", "13.0", "580.159.04")
    assert facts.failures == (gpu.SourceFailure(gpu.NVML, "failed", "NVML Shared Library Not Found"),)


def test_nvidia_smi_version_carries_the_cuda_version_of_the_h200_driver():
    assert gpu.parse_smi_version((H200 / "nvidia-smi-version.txt").read_text()) == "13.0"
    assert gpu.parse_smi_version("NVIDIA-SMI version  : 470.82.01") is None


def test_probe_preferring_nvidia_smi_takes_the_cuda_version_from_its_version_form(tmp_path):
    started = []
    nvml = lambda timeout: started.append(timeout)
    run = _runner_answering(
        {"--query-gpu": _ok(H200 / "nvidia-smi-query.txt"), "--version": _ok(H200 / "nvidia-smi-version.txt")}
    )
    facts = gpu.probe(root=_fake_root(tmp_path), run=run, nvml=nvml, prefer=gpu.SMI_CSV)
    assert (facts.source, facts.driver.cuda_version, facts.failures, started) == (gpu.SMI_CSV, "13.0", (), [])
    assert ("nvidia-smi", "--version") in run.calls  # -q -x did not answer: --version has the CUDA version


def test_probe_preferring_nvidia_smi_reads_health_and_cuda_version_from_the_xml_form_alongside(tmp_path):
    run = _runner_answering(
        {"--query-gpu": _ok(H200 / "nvidia-smi-query.txt"), "-q -x": _ok(H200 / "nvidia-smi-q-x.txt")}
    )
    facts = gpu.probe(root=_fake_root(tmp_path), run=run, nvml=None, prefer=gpu.SMI_CSV)
    assert (facts.source, facts.driver.cuda_version, facts.failures) == (gpu.SMI_CSV, "13.0", ())
    assert ("nvidia-smi", "--version") not in run.calls
    health = facts.gpus[0].health
    assert facts.gpus[0].compute_capability == "9.0"  # from the CSV
    assert (health.compute_mode, health.persistence_mode, health.ecc_mode, health.mig_mode) == (
        "default",
        "enabled",
        "enabled",
        "disabled",
    )


def test_old_nvidia_smi_without_the_compute_cap_field_falls_back_to_the_xml_form(tmp_path):
    rejected = lambda argv: runner.CommandResult(
        tuple(argv), runner.EXITED, 2, 'Field "compute_cap" is not a valid field to query.\n', ""
    )
    run = _runner_answering({"--query-gpu": rejected, "-q -x": _ok(H200 / "nvidia-smi-q-x.txt")})
    facts = gpu.probe(root=_fake_root(tmp_path), run=run, nvml=None, prefer=gpu.SMI_CSV)
    assert facts.source == gpu.SMI_XML and facts.driver.cuda_version == "13.0" and facts.gpus[0].name == "NVIDIA H200"
    assert "not a valid field" in facts.failures[0].message


def test_probe_uses_proc_when_the_kernel_module_is_loaded_but_nvidia_smi_is_missing(tmp_path):
    facts = gpu.probe(root=_fake_root(tmp_path), run=_runner_answering({}), nvml=None)
    assert facts.source == gpu.PROC and not facts.working_driver
    assert facts.driver.kernel_module == "580.159.04" and facts.gpus[0].name == "NVIDIA H200"


def test_probe_on_the_cpu_host_finds_nothing_and_says_nvidia_smi_was_not_found(tmp_path):
    assert "command not found" in (CPU_HOST / "nvidia-smi.txt").read_text()  # what that host printed
    facts = gpu.probe(root=_fake_root(tmp_path, with_proc=False), run=_runner_answering({}), nvml=None)
    assert facts.source is None and facts.gpus == () and facts.pci_devices == ()
    assert facts.failures[0].status == runner.NOT_FOUND


def _nvml_with(tmp_path, body):
    site = stand_in_module(tmp_path / "nvml", "pynvml", body)
    env = dict(os.environ, PYTHONPATH=str(site))
    return lambda timeout: gpu.read_nvml(timeout, python=sys.executable, env=env)


def test_nvml_stand_in_answering_like_the_h200_is_the_source(tmp_path):
    facts = gpu.probe(root=_fake_root(tmp_path), run=_runner_answering({}), nvml=_nvml_with(tmp_path, PYNVML_H200))
    assert facts.source == gpu.NVML
    assert tuple(g._replace(health=None) for g in facts.gpus) == (
        gpu.Gpu(0, "NVIDIA H200", H200_UUID, 143771, "9.0", "00000000:00:06.0", None),
    )
    assert facts.driver == gpu.Driver("580.159.04", "13.0", "580.159.04")


def test_nvml_driver_library_mismatch_is_reported_as_nvml_said_it(tmp_path):
    facts = gpu.probe(root=_fake_root(tmp_path), run=_runner_answering({}), nvml=_nvml_with(tmp_path, PYNVML_MISMATCH))
    assert facts.failures[0] == gpu.SourceFailure(gpu.NVML, "failed", "Driver/library version mismatch")
    assert facts.source == gpu.PROC


def test_nvml_that_hangs_is_stopped_at_the_timeout(tmp_path):
    facts = gpu.probe(
        timeout=1.0, root=_fake_root(tmp_path), run=_runner_answering({}), nvml=_nvml_with(tmp_path, PYNVML_HANG)
    )
    assert facts.failures[0].source == gpu.NVML and facts.failures[0].status == runner.TIMED_OUT


def test_real_nvml_binding_answers_in_json_with_or_without_a_driver():
    result = gpu.read_nvml(30)
    assert result.ok, result.problem
    if os.path.exists("/proc/driver/nvidia/version"):
        assert "devices" in result.data
    else:  # this GPU-less machine: NVML's own words, never a traceback
        assert result.data == {"error": "NVML Shared Library Not Found", "error_code": 12}
