"""check-cuda and doctor's System line on Windows, macOS and WSL2, simulated: the real check with the
captured H200's nvidia-smi first on PATH and this venv's TensorFlow 2.21, the target's platform set."""

from __future__ import annotations

import os
import sys

import pytest

from envcheck import target
from envcheck.checks import cuda as cuda_check
from envcheck.checks import platform as platform_check
from envcheck.probes import platform as probe

from cuda_fakes import fake_nvidia_smi


def _as(platform: str, machine: str = "x86_64") -> target.TargetPython:
    here = target.current()
    return target.TargetPython(
        here.executable, here.version, here.path, here.prefix, here.base_prefix, here.implementation, platform, machine
    )


@pytest.fixture
def h200_path(tmp_path, monkeypatch):
    fake_nvidia_smi(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")


def _codes(report) -> list[str]:
    return [f.code for f in report.findings]


def test_check_cuda_on_native_windows_with_the_h200_says_wsl2(h200_path):
    report = cuda_check.check(_as("win32", "AMD64"), include_tf=False)
    # --no-tf answers "a GPU with a working driver is present", which holds; the finding says TensorFlow cannot use it
    assert report.gpus and report.ready is True
    windows = next(f for f in report.findings if f.code == "WINDOWS_NATIVE_NO_GPU")
    assert windows.severity == "error" and "TensorFlow 2.21" in windows.message and "wsl --install" in windows.fix


def test_check_cuda_on_a_mac_says_no_cuda_and_not_the_generic_no_gpu(monkeypatch):
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable))  # no nvidia-smi: what a Mac has
    report = cuda_check.check(_as("darwin", "arm64"), include_tf=False)
    assert "MACOS_NO_CUDA" in _codes(report) and "NO_GPU" not in _codes(report)
    assert report.ready is False


def test_check_cuda_on_plain_linux_is_unchanged(h200_path):
    report = cuda_check.check(_as("linux"), include_tf=False)
    assert report.ready is True
    assert not [c for c in _codes(report) if c.startswith(("WINDOWS_", "WSL_", "MACOS_"))]


def test_doctor_system_line_on_a_mac_under_rosetta(monkeypatch):
    monkeypatch.setattr(probe, "apple_silicon", lambda run=None: True)
    assert [f.code for f in platform_check.system_findings(_as("darwin", "x86_64"))] == ["MACOS_ROSETTA_PYTHON"]
    assert platform_check.system_findings(_as("darwin", "arm64")) == []
    assert platform_check.system_findings(_as("linux")) == []


def test_doctor_system_area_carries_the_platform_findings():
    from envcheck.diagnose import doctor as doctor_rules
    from envcheck.model import ERROR, Finding
    from envcheck.probes import system

    rosetta = Finding("MACOS_ROSETTA_PYTHON", ERROR, "x86_64 under Rosetta 2", "install an arm64 Python")
    area = doctor_rules.system_area(system.read(), [rosetta])
    assert area.status == "error" and area.findings[0].code == "MACOS_ROSETTA_PYTHON"
