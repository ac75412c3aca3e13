"""Fake programs and stand-in packages for check-cuda's tests: real captured outputs, no mocks.

`fake_nvidia_smi(dir, host)` writes an `nvidia-smi` that answers as the captured host did (by its
arguments); the failing variants print what real ones print when they fail. Stand-in `tensorflow`
and `pynvml` packages reproduce crashes, hangs and errors in the child processes.
"""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path

from helpers import H200


def _write_executable(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def fake_nvidia_smi(bin_dir: Path, host: Path = H200, xml: Path | None = None, listing: Path | None = None) -> Path:
    """An nvidia-smi that prints the captured host's output for each form check-cuda uses
    (`xml`, `listing`: other `-q -x` / `-L` answers, e.g. derived variants under tests/fixtures/derived/)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    return _write_executable(
        bin_dir / "nvidia-smi",
        textwrap.dedent(
            f"""\
            #!/bin/sh
            case "$*" in
              *--query-gpu*) exec cat '{host}/nvidia-smi-query.txt' ;;
              *-q*-x*) exec cat '{xml or host / "nvidia-smi-q-x.txt"}' ;;
              -L) exec cat '{listing or host / "nvidia-smi-L.txt"}' ;;
              --version) exec cat '{host}/nvidia-smi-version.txt' ;;
              *) exec cat '{host}/nvidia-smi.txt' ;;
            esac
            """
        ),
    )


def lost_gpu_nvidia_smi(bin_dir: Path, host: Path = H200) -> Path:
    """An nvidia-smi on a host whose only GPU fell off the bus: every form that opens the GPU prints
    "Unable to determine the device handle ..." and exits 15 (nvidia-smi(1): "GPU is lost");
    --version, which opens no GPU, still answers."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    lost = host.parent.parent / "derived" / "h200-smi-lost.txt"
    return _write_executable(
        bin_dir / "nvidia-smi",
        f"#!/bin/sh\ncase \"$*\" in\n  --version) exec cat '{host}/nvidia-smi-version.txt' ;;\n"
        f"  *) cat '{lost}'; exit 15 ;;\nesac\n",
    )


def failing_nvidia_smi(bin_dir: Path, message: str, code: int) -> Path:
    """An nvidia-smi that fails as real ones do: the message on stdout, a non-zero exit status."""
    return raw_nvidia_smi(bin_dir, (message + "\n").encode(), code)


def hanging_nvidia_smi(bin_dir: Path) -> Path:
    bin_dir.mkdir(parents=True, exist_ok=True)
    return _write_executable(bin_dir / "nvidia-smi", "#!/bin/sh\nexec sleep 600\n")


def raw_nvidia_smi(bin_dir: Path, data: bytes, code: int = 0) -> Path:
    """An nvidia-smi that prints these bytes (garbage, non-UTF-8, an error) and exits with `code`."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    payload = bin_dir / "nvidia-smi.out"
    payload.write_bytes(data)
    return _write_executable(bin_dir / "nvidia-smi", f"#!/bin/sh\ncat '{payload}'\nexit {code}\n")


SMI_NO_DRIVER = (
    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. "
    "Make sure that the latest NVIDIA driver is installed and running."
)
SMI_MISMATCH = "Failed to initialize NVML: Driver/library version mismatch"


def path_with(bin_dir: Path) -> str:
    return f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"


# Stand-in tensorflow packages: each module body is what `import tensorflow` does.
TF_STAND_INS = {
    "segfault": "import ctypes\nctypes.string_at(0)\n",
    "sigill": "import os, signal\nos.kill(os.getpid(), signal.SIGILL)\n",
    "hang": "import time\ntime.sleep(600)\n",
    "raise": (
        "raise ImportError('A module that was compiled using NumPy 1.x cannot be run in NumPy 2.0.0 as it may "
        "crash.')\n"
    ),
    "exit": "import os\nos._exit(3)\n",
}

# A stand-in with TensorFlow 2.21's build info that lists one H200, for the "ready" path.
TF_SEES_H200 = textwrap.dedent(
    """\
    import types
    __version__ = "2.21.0"
    _INFO = {"cpu_compiler": "clang", "cuda_compute_capabilities": ["sm_60", "sm_70", "sm_80", "sm_89", "compute_90"],
             "cuda_version": "12.5.1", "cudnn_version": "9", "is_cuda_build": True, "is_rocm_build": False,
             "is_tensorrt_build": False}
    class PhysicalDevice:
        def __init__(self, name, device_type):
            self.name, self.device_type = name, device_type
    _GPU = PhysicalDevice("/physical_device:GPU:0", "GPU")
    _GPUS = [_GPU]  # TF_SEES_NONE-style stand-ins replace this list
    _CPU = PhysicalDevice("/physical_device:CPU:0", "CPU")
    sysconfig = types.SimpleNamespace(get_build_info=lambda: dict(_INFO))
    test = types.SimpleNamespace(is_built_with_cuda=lambda: True)
    config = types.SimpleNamespace(
        list_physical_devices=lambda kind=None: _GPUS if kind == "GPU" else [_CPU] + _GPUS,
        experimental=types.SimpleNamespace(
            get_device_details=lambda d: {"device_name": "NVIDIA H200", "compute_capability": (9, 0)}),
    )
    """
)


def stand_in_package(root: Path, name: str, body: str) -> Path:
    """<root>/<name>/__init__.py with `body`; put <root> on the child's PYTHONPATH."""
    package = root / name
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text(body)
    return root


# Stand-in NVML bindings (nvidia-ml-py's module is `pynvml`).
PYNVML_MISMATCH = textwrap.dedent(
    """\
    class NVMLError(Exception):
        def __init__(self, value):
            self.value = value
        def __str__(self):
            return "Driver/library version mismatch"
    def nvmlInit():
        raise NVMLError(18)
    """
)

PYNVML_H200 = textwrap.dedent(
    """\
    import types
    class NVMLError(Exception):
        value = 999
    def nvmlInit(): pass
    def nvmlShutdown(): pass
    def nvmlSystemGetDriverVersion(): return "580.159.04"
    def nvmlSystemGetCudaDriverVersion(): return 13000
    def nvmlSystemGetNVMLVersion(): return "13.580.159.04"
    def nvmlDeviceGetCount(): return 1
    def nvmlDeviceGetHandleByIndex(i): return i
    def nvmlDeviceGetName(h): return "NVIDIA H200"
    def nvmlDeviceGetUUID(h): return "GPU-8a961472-0a8a-c757-5451-e4b90cc14c58"
    def nvmlDeviceGetMemoryInfo(h): return types.SimpleNamespace(total=150754820096, used=644939776)
    def nvmlDeviceGetCudaComputeCapability(h): return (9, 0)
    def nvmlDeviceGetPciInfo(h): return types.SimpleNamespace(busId="00000000:00:06.0")
    def nvmlDeviceGetMigMode(h): raise NVMLError()
    """
)

def pynvml_h200(lost: bool = False, mig: tuple[int, int] = (0, 0), mig_devices: tuple[str, ...] = (),
                compute_mode: int = 0, processes: tuple[tuple[int, str, int], ...] = ()) -> str:
    """A stand-in NVML answering like the H200 host, in a chosen health or sharing state: a GPU whose
    handle reports NVML_ERROR_GPU_IS_LOST (15), MIG mode and MIG devices, a compute mode
    (nvmlComputeMode_t), compute processes (pid, name, bytes)."""
    return PYNVML_H200.replace("def nvmlDeviceGetMigMode(h): raise NVMLError()\n", "") + textwrap.dedent(
        f"""\
        class NVMLError_GpuIsLost(NVMLError):
            value = 15
            def __str__(self):
                return "GPU is lost"
        def nvmlDeviceGetHandleByIndex(i):
            if {lost!r}:
                raise NVMLError_GpuIsLost()
            return i
        def nvmlDeviceGetMigMode(h): return list({mig!r})
        _MIG = {list(mig_devices)!r}
        def nvmlDeviceGetMaxMigDeviceCount(h): return 7
        def nvmlDeviceGetMigDeviceHandleByIndex(h, slot):
            if slot >= len(_MIG):
                raise NVMLError()
            return ("mig", slot)
        _uuid = nvmlDeviceGetUUID
        def nvmlDeviceGetUUID(h): return _MIG[h[1]] if isinstance(h, tuple) else _uuid(h)
        def nvmlDeviceGetComputeMode(h): return {compute_mode!r}
        def nvmlDeviceGetComputeRunningProcesses(h):
            return [types.SimpleNamespace(pid=pid, usedGpuMemory=used) for pid, _, used in {list(processes)!r}]
        def nvmlDeviceGetGraphicsRunningProcesses(h): return []
        def nvmlSystemGetProcessName(pid): return {{pid: name for pid, name, _ in {list(processes)!r}}}[pid]
        def nvmlDeviceGetPersistenceMode(h): return 1
        """
    )


PYNVML_HANG = "import time\ndef nvmlInit():\n    time.sleep(600)\nclass NVMLError(Exception):\n    pass\n"


def stand_in_module(root: Path, name: str, body: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{name}.py").write_text(body)
    return root
