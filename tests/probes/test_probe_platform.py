"""The platform probes: the driver libraries WSL2 maps in, and Apple silicon from sysctl."""

from __future__ import annotations

import pytest

from envcheck import runner
from envcheck.probes import platform as probe


def test_wsl_driver_libraries_reads_the_mapped_directory(tmp_path):
    for name in ("libcuda.so.1", "libcuda.so.1.1", "libnvidia-ml.so.1", "libd3d12.so", "nvidia-smi"):
        (tmp_path / name).write_text("")
    assert probe.wsl_driver_libraries(str(tmp_path)) == (
        "libcuda.so.1",
        "libcuda.so.1.1",
        "libnvidia-ml.so.1",
        "nvidia-smi",
    )
    assert probe.wsl_driver_libraries(str(tmp_path / "missing")) == ()


@pytest.mark.parametrize(
    "status, code, out, expected",
    [
        (runner.OK, 0, "1\n", True),  # Apple silicon, whatever the Python's architecture
        (runner.OK, 0, "0\n", False),
        (runner.EXITED, 1, "", False),  # Intel: sysctl: unknown oid 'hw.optional.arm64'
        (runner.NOT_FOUND, None, "", None),
        (runner.TIMED_OUT, None, "", None),
    ],
)
def test_apple_silicon_from_sysctl(status, code, out, expected):
    result = runner.CommandResult(("sysctl", "-n", "hw.optional.arm64"), status, code, out)
    assert probe.apple_silicon(run=lambda argv, timeout: result) is expected
