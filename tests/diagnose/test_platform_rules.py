"""The platform rules, for win32, darwin and linux/WSL2, simulated on this Linux machine.

Each scenario is a real situation a student arrives with; the table is envcheck's own data file.
"""

from __future__ import annotations

import pytest

from envcheck import data
from envcheck.diagnose import platform as rules
from envcheck.model import ERROR, INFO, WARNING, Finding

TABLE = data.load("platforms.toml")
WSL_LIB = "/usr/lib/wsl/lib"


def codes(found) -> list[str]:
    return [f.code for f in found]


def test_every_fact_row_names_its_public_source():
    for section, row in TABLE.items():
        sources = [value for key, value in row.items() if key.endswith("source")]
        assert sources and all("https://" in s for s in sources), section
        for key in row:
            if key.endswith(("release", "cuda", "cudnn")):
                assert any(k.endswith("source") for k in row), (section, key)


# --- native Windows ---------------------------------------------------------------------------


def test_windows_laptop_with_an_nvidia_gpu_and_tf_2_21_is_told_to_use_wsl2():
    found = rules.gpu_findings(
        rules.PlatformFacts("win32", "AMD64", tf_version="2.21.0", nvidia_gpus=1, python=r"C:\v\Scripts\python.exe"),
        TABLE,
    )
    assert codes(found) == ["WINDOWS_NATIVE_NO_GPU"]
    finding = found[0]
    assert finding.severity == ERROR
    assert "2.10 was the last release with GPU support" in finding.message and "1 NVIDIA GPU" in finding.message
    assert (
        "wsl --install" in finding.fix
        and "no Linux driver inside WSL" in finding.fix
        and "tensorflow[and-cuda]" in finding.fix
    )
    assert "tensorflow<2.11" in finding.fix and "CUDA 11.2" in finding.fix  # the other way, with the table's versions


def test_windows_without_a_gpu_is_only_told_so():
    found = rules.gpu_findings(rules.PlatformFacts("win32", "AMD64", tf_version="2.16.1"), TABLE)
    assert codes(found) == ["WINDOWS_NATIVE_NO_GPU"] and found[0].severity == INFO


@pytest.mark.parametrize("version", ["2.10.1", "2.9.0"])
def test_windows_with_tf_2_10_or_older_can_still_use_the_gpu(version):
    assert rules.gpu_findings(rules.PlatformFacts("win32", "AMD64", tf_version=version, nvidia_gpus=1), TABLE) == []


def test_windows_gpu_and_no_tensorflow_yet_is_warned_before_installing():
    found = rules.gpu_findings(rules.PlatformFacts("win32", "AMD64", tf_version=None, nvidia_gpus=2), TABLE)
    assert codes(found) == ["WINDOWS_NATIVE_NO_GPU"] and "TensorFlow after 2.10" in found[0].message


# --- WSL2 ---------------------------------------------------------------------------------------


def test_wsl2_with_the_windows_driver_only_is_fine():
    facts = rules.PlatformFacts(
        "linux",
        "x86_64",
        wsl=True,
        wsl_driver_libraries=("libcuda.so.1", "libnvidia-ml.so.1"),
        loader_driver_paths=(f"{WSL_LIB}/libcuda.so.1", f"{WSL_LIB}/libnvidia-ml.so.1"),
        tf_version="2.21.0",
    )
    assert rules.gpu_findings(facts, TABLE) == []


def test_a_linux_driver_installed_inside_wsl2_is_a_mistake():
    facts = rules.PlatformFacts(
        "linux",
        "x86_64",
        wsl=True,
        wsl_driver_libraries=("libcuda.so.1",),
        loader_driver_paths=("/usr/lib/x86_64-linux-gnu/libcuda.so.1", f"{WSL_LIB}/libcuda.so.1"),
    )
    found = rules.gpu_findings(facts, TABLE)
    assert codes(found) == ["WSL_LINUX_DRIVER"] and found[0].severity == ERROR
    assert "/usr/lib/x86_64-linux-gnu/libcuda.so.1" in found[0].message and WSL_LIB in found[0].message
    assert "apt-get purge" in found[0].fix and "wsl --shutdown" in found[0].fix


def test_wsl2_whose_loader_does_not_search_usr_lib_wsl_lib():
    facts = rules.PlatformFacts(
        "linux", "x86_64", wsl=True, wsl_driver_libraries=("libcuda.so.1",), loader_driver_paths=()
    )
    found = rules.gpu_findings(facts, TABLE)
    assert codes(found) == ["WSL_DRIVER_NOT_ON_LOADER_PATH"]
    assert found[0].fix.startswith(f"echo {WSL_LIB} | sudo tee /etc/ld.so.conf.d/ld.wsl.conf && sudo ldconfig")


def test_plain_linux_has_no_platform_findings():
    facts = rules.PlatformFacts(
        "linux",
        "x86_64",
        loader_driver_paths=("/usr/lib/x86_64-linux-gnu/libcuda.so.1",),
        tf_version="2.21.0",
        nvidia_gpus=1,
    )
    assert rules.gpu_findings(facts, TABLE) == [] and rules.system_findings(facts, TABLE) == []


# --- macOS ---------------------------------------------------------------------------------------


def test_a_mac_has_no_cuda_and_is_pointed_to_tensorflow_metal():
    found = rules.gpu_findings(
        rules.PlatformFacts("darwin", "arm64", apple_silicon=True, tf_version="2.21.0", python="/v/bin/python"), TABLE
    )
    assert codes(found) == ["MACOS_NO_CUDA"] and found[0].severity == WARNING
    assert "/v/bin/python -m pip install tensorflow-metal" in found[0].fix and "upgrading" not in found[0].fix


def test_a_mac_with_tensorflow_older_than_the_first_arm64_wheel_is_told_to_upgrade_first():
    found = rules.gpu_findings(
        rules.PlatformFacts("darwin", "arm64", tf_version="2.12.0", python="/v/bin/python"), TABLE
    )
    assert "TensorFlow 2.13 or later" in found[0].fix and "'tensorflow>=2.13'" in found[0].fix


def test_a_mac_with_tensorflow_metal_installed_gets_no_platform_warning():
    facts = rules.PlatformFacts("darwin", "arm64", tf_version="2.21.0", distributions={"tensorflow-metal": "1.2.0"})
    assert rules.gpu_findings(facts, TABLE) == []


def test_an_x86_64_python_under_rosetta_on_apple_silicon():
    found = rules.system_findings(rules.PlatformFacts("darwin", "x86_64", apple_silicon=True), TABLE)
    assert codes(found) == ["MACOS_ROSETTA_PYTHON"] and found[0].severity == ERROR
    assert "after 2.16" in found[0].message and "arm64" in found[0].fix


def test_an_arm64_python_on_apple_silicon_is_right():
    assert rules.system_findings(rules.PlatformFacts("darwin", "arm64", apple_silicon=True), TABLE) == []


def test_an_intel_mac_gets_tensorflow_2_16_at_most():
    found = rules.system_findings(
        rules.PlatformFacts("darwin", "x86_64", apple_silicon=False, python="/v/bin/python"), TABLE
    )
    assert codes(found) == ["MACOS_INTEL_LAST_TF"] and "'tensorflow==2.16.*'" in found[0].fix


def test_unknown_hardware_on_a_mac_is_not_guessed():
    assert rules.system_findings(rules.PlatformFacts("darwin", "x86_64", apple_silicon=None), TABLE) == []


# --- merging into check-cuda's findings ---------------------------------------------------------------


def test_amend_replaces_the_generic_words_and_keeps_errors_first():
    cuda = [
        Finding("NO_GPU", WARNING, "No NVIDIA GPU is present", "use a machine with an NVIDIA GPU"),
        Finding("TOOLKIT_NOT_USED", INFO, "toolkit", "nothing"),
    ]
    mac = rules.gpu_findings(rules.PlatformFacts("darwin", "arm64"), TABLE)
    assert codes(rules.amend(cuda, mac)) == ["MACOS_NO_CUDA", "TOOLKIT_NOT_USED"]
    win = rules.gpu_findings(rules.PlatformFacts("win32", "AMD64", tf_version="2.21.0", nvidia_gpus=1), TABLE)
    tf_cpu = Finding("TF_CPU_BUILD", ERROR, "cpu build", "x")
    assert codes(rules.amend([tf_cpu, cuda[1]], win)) == ["WINDOWS_NATIVE_NO_GPU", "TOOLKIT_NOT_USED"]
    assert rules.amend(cuda, []) == sorted(cuda, key=lambda f: f.severity != WARNING)


def test_every_platform_code_is_listed_in_the_readme():
    import re

    from helpers import ROOT

    source = (ROOT / "envcheck" / "diagnose" / "platform.py").read_text()
    emitted = set(re.findall(r'"([A-Z][A-Z0-9_]+)",\s*(?:ERROR|WARNING|INFO)', source))
    readme = (ROOT / "README.md").read_text()
    assert len(emitted) == 6 and all(f"`{code}`" in readme for code in emitted), emitted
