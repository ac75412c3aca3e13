"""What the operating system allows TensorFlow: pure rules from PlatformFacts to Findings.

Native Windows has had no TensorFlow GPU support since 2.11 (the way there is WSL2 with the Windows
driver only); WSL2 gets the driver's libraries from /usr/lib/wsl/lib, and a Linux driver installed
inside WSL is a mistake; macOS has no CUDA (Apple GPUs go through tensorflow-metal); Apple silicon
needs an arm64 Python. The facts and their sources are in envcheck/data/platforms.toml, passed in as
`table`; the platform is a field, so every rule is tested for win32, darwin and linux/WSL2 anywhere.

Codes: WINDOWS_NATIVE_NO_GPU, WSL_LINUX_DRIVER, WSL_DRIVER_NOT_ON_LOADER_PATH, MACOS_NO_CUDA,
MACOS_ROSETTA_PYTHON, MACOS_INTEL_LAST_TF.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from envcheck.model import ERROR, INFO, WARNING, Finding, pip_install

DRIVER_SONAMES = ("libcuda.so.1", "libnvidia-ml.so.1")  # what the NVIDIA driver, and only it, provides


class PlatformFacts(NamedTuple):
    platform: str  # the target's sys.platform: linux, win32, darwin
    machine: str = ""  # as the target interpreter sees it: x86_64, AMD64, arm64 (x86_64 under Rosetta 2)
    apple_silicon: bool | None = None  # macOS: the hardware is Apple silicon, whatever the Python; None: unknown
    wsl: bool = False
    wsl_driver_libraries: tuple[str, ...] = ()  # file names Windows maps into /usr/lib/wsl/lib
    loader_driver_paths: tuple[str, ...] = ()  # where ldconfig / LD_LIBRARY_PATH find libcuda.so.1, libnvidia-ml.so.1
    tf_version: str | None = None  # installed TensorFlow, or None
    distributions: Mapping[str, str] = MappingProxyType({})  # canonical name -> version
    nvidia_gpus: int = 0  # NVIDIA GPUs the driver (nvidia-smi, NVML) listed
    python: str = "python"  # the target interpreter, for fix commands


def _version(text: str | None) -> tuple[int, ...]:
    parts = []
    for part in (text or "").split(".")[:2]:
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def gpu_findings(facts: PlatformFacts, table: Mapping) -> list[Finding]:
    """What the platform means for TensorFlow on a GPU (check-cuda's question)."""
    if facts.platform == "win32":
        return _windows(facts, table.get("windows_native", {}))
    if facts.platform == "darwin":
        return _macos_gpu(facts, table.get("macos", {}))
    if facts.platform.startswith("linux") and facts.wsl:
        return _wsl(facts, table.get("wsl2", {}))
    return []


def system_findings(facts: PlatformFacts, table: Mapping) -> list[Finding]:
    """What the platform means for installing TensorFlow at all (doctor's System line)."""
    if facts.platform != "darwin":
        return []
    row = table.get("macos", {})
    last_x86 = row.get("last_x86_64_release", "2.16")
    x86 = facts.machine.lower() in ("x86_64", "i386", "amd64")
    if facts.apple_silicon and x86:
        return [
            Finding(
                "MACOS_ROSETTA_PYTHON",
                ERROR,
                f"This Python runs as {facts.machine} under Rosetta 2 on an Apple silicon Mac: TensorFlow publishes "
                "no macOS "
                f"x86_64 wheels after {last_x86}, and tensorflow-metal (the Apple GPU) needs an arm64 Python.",
                "Install an arm64 Python (python.org's macOS installer, or Homebrew's in /opt/homebrew), check it with "
                'python3 -c "import platform; print(platform.machine())" (arm64), then recreate the environment with '
                "it: "
                "python3 -m venv --clear .venv && .venv/bin/python -m pip install tensorflow",
            )
        ]
    if facts.apple_silicon is False and x86:
        return [
            Finding(
                "MACOS_INTEL_LAST_TF",
                INFO,
                f"An Intel Mac: TensorFlow {last_x86} is the last release with macOS x86_64 wheels, so newer course "
                "requirements cannot be installed here.",
                f"{pip_install(facts.python, f'tensorflow=={last_x86}.*')}; for a newer TensorFlow use Linux (or "
                "Colab).",
            )
        ]
    return []


def _windows(facts: PlatformFacts, row: Mapping) -> list[Finding]:
    last = row.get("last_gpu_release", "2.10")
    too_new = facts.tf_version is not None and _version(facts.tf_version) > _version(last)
    if not too_new and not (facts.tf_version is None and facts.nvidia_gpus):
        return []  # TensorFlow <= 2.10 can still use the GPU natively (CUDA 11.2, cuDNN 8.1)
    which = f"TensorFlow {facts.tf_version}" if facts.tf_version else f"TensorFlow after {last}"
    gpus = f"; this machine's {facts.nvidia_gpus} NVIDIA GPU(s) are usable only from WSL2" if facts.nvidia_gpus else ""
    return [
        Finding(
            "WINDOWS_NATIVE_NO_GPU",
            ERROR if facts.nvidia_gpus else INFO,
            f"{which} cannot use a GPU on native Windows: {last} was the last release with GPU support there{gpus}.",
            "Use the GPU from WSL2: in PowerShell run `wsl --install -d Ubuntu`; keep the NVIDIA driver on Windows "
            "only "
            "(install no Linux driver inside WSL); then inside Ubuntu: python3 -m venv .venv && "
            ".venv/bin/python -m pip install 'tensorflow[and-cuda]'. For CPU work nothing needs to change."
            + (
                f" (Or stay native with tensorflow<2.11 and CUDA {row.get('last_gpu_cuda', '11.2')} / cuDNN "
                f"{row.get('last_gpu_cudnn', '8.1')}.)"
                if too_new
                else ""
            ),
        )
    ]


def _wsl(facts: PlatformFacts, row: Mapping) -> list[Finding]:
    """WSL2 only: a Linux driver inside WSL, or a loader that does not search /usr/lib/wsl/lib."""
    lib_dir = row.get("library_dir", "/usr/lib/wsl/lib")
    inside = [path for path in facts.loader_driver_paths if not path.startswith(lib_dir.rstrip("/") + "/")]
    if inside:
        return [
            Finding(
                "WSL_LINUX_DRIVER",
                ERROR,
                f"A Linux NVIDIA driver is installed inside WSL2: the loader finds {', '.join(sorted(set(inside)))}, "
                "which "
                f"hides the Windows driver's libraries in {lib_dir}. Under WSL2 the Windows driver is the only driver.",
                "Remove the Linux driver inside WSL (sudo apt-get purge 'nvidia-driver-*' 'libnvidia-compute-*' "
                "'nvidia-utils-*', or `sudo nvidia-uninstall` after a .run installer), run `wsl --shutdown` in "
                "PowerShell, "
                "reopen WSL and check nvidia-smi.",
            )
        ]
    if "libcuda.so.1" in facts.wsl_driver_libraries and not facts.loader_driver_paths:
        return [
            Finding(
                "WSL_DRIVER_NOT_ON_LOADER_PATH",
                ERROR,
                f"The Windows driver's libcuda.so.1 is in {lib_dir}, but the loader does not search there, so "
                "TensorFlow "
                "cannot load it.",
                f"echo {lib_dir} | sudo tee /etc/ld.so.conf.d/ld.wsl.conf && sudo ldconfig   (WSL normally writes "
                "this file; "
                "`wsl --update` in PowerShell restores it)",
            )
        ]
    return []


def _macos_gpu(facts: PlatformFacts, row: Mapping) -> list[Finding]:
    plugin = row.get("gpu_plugin", "tensorflow-metal")
    if plugin in facts.distributions:
        return []  # the Apple GPU route is installed: TensorFlow's own device list says whether it works
    first_arm = row.get("first_arm64_release", "2.13")
    needs = ""
    if facts.tf_version and _version(facts.tf_version) < _version(first_arm):
        upgrade = pip_install(facts.python, f"tensorflow>={first_arm}")
        needs = f" after upgrading to TensorFlow {first_arm} or later ({upgrade})"
    return [
        Finding(
            "MACOS_NO_CUDA",
            WARNING,
            "macOS has no CUDA: TensorFlow cannot use an NVIDIA GPU on a Mac, and without Apple's Metal plug-in it "
            "runs on the CPU.",
            f"For the Apple GPU (Apple silicon or AMD): {pip_install(facts.python, plugin)}{needs}. "
            "Nothing to fix for CPU work; for CUDA use a Linux machine.",
        )
    ]


# check-cuda's findings that a platform finding replaces: its generic words for what the platform explains.
SUPERSEDED = {
    "MACOS_NO_CUDA": frozenset({"NO_GPU", "TF_CPU_BUILD"}),
    "WINDOWS_NATIVE_NO_GPU": frozenset({"TF_CPU_BUILD", "CUDA_LIBS_MISSING", "TF_NO_GPU_UNEXPLAINED"}),
    "WSL_LINUX_DRIVER": frozenset({"LIBCUDA_NOT_LOADABLE", "DRIVER_LIBRARY_MISMATCH"}),
    "WSL_DRIVER_NOT_ON_LOADER_PATH": frozenset({"LIBCUDA_NOT_LOADABLE"}),
}


def amend(found: list[Finding], platform_found: list[Finding]) -> list[Finding]:
    """check-cuda's findings with the platform's added, the ones they supersede dropped, errors first."""
    dropped = set().union(*(SUPERSEDED.get(f.code, ()) for f in platform_found)) if platform_found else set()
    merged = [f for f in found if f.code not in dropped]
    merged += [f for f in platform_found if all(f.code != g.code for g in found)]
    order = {ERROR: 0, WARNING: 1, INFO: 2}
    return sorted(merged, key=lambda f: order.get(f.severity, 3))
