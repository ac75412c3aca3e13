"""What the operating system says about itself, for the platform rules: Apple silicon or Intel under
macOS, and the driver libraries WSL2 maps in from Windows. Each reader runs only on its own platform
(callers guard) and answers None or () when it cannot tell.
"""

from __future__ import annotations

import os

from envcheck import runner

WSL_LIB_DIR = "/usr/lib/wsl/lib"  # where WSL2 maps the Windows NVIDIA driver's Linux libraries
SYSCTL_TIMEOUT = 5.0


def wsl_driver_libraries(lib_dir: str = WSL_LIB_DIR) -> tuple[str, ...]:
    """WSL2 only: the NVIDIA driver libraries Windows maps into /usr/lib/wsl/lib (libcuda.so.1, ...); () when none."""
    try:
        names = os.listdir(lib_dir)
    except OSError:
        return ()
    return tuple(sorted(name for name in names if name.startswith(("libcuda.so", "libnvidia-ml.so", "nvidia-smi"))))


def parse_sysctl_arm64(result: runner.CommandResult) -> bool | None:
    """`sysctl -n hw.optional.arm64` -> True on Apple silicon (1), False on Intel (0, or no such key), None if "
    "unknown."""
    if result.ok:
        value = result.stdout.strip()
        return value == "1" if value in ("0", "1") else None
    if result.status == runner.EXITED:
        return False  # Intel Macs have no hw.optional.arm64 key ("unknown oid")
    return None


def apple_silicon(run=runner.run) -> bool | None:
    """macOS only: whether the hardware is Apple silicon, whatever architecture the Python runs as.

    A Python under Rosetta 2 sees x86_64 everywhere (platform.machine(), uname); the hardware key
    hw.optional.arm64 still says 1.
    """
    return parse_sysctl_arm64(run(["sysctl", "-n", "hw.optional.arm64"], timeout=SYSCTL_TIMEOUT))
