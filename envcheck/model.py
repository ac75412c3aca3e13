"""Shared records: a finding (code, severity, message with the numbers, fix), the facts that cross
layers (installed distributions, the machine), a doctor area, and the helpers around them.

Convention (CONTRIBUTING.md): a record is a `typing.NamedTuple` with a `to_dict()` method. It is
cheap to import (no dataclasses on the fast paths), immutable, and JSON only at the edge.
"""

from __future__ import annotations

from typing import NamedTuple  # not dataclasses: ~15 ms less start-up on the fast paths

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)
OK = "ok"  # an area or a check with no error and no warning


class Finding(NamedTuple):
    code: str  # stable, e.g. DRIVER_TOO_OLD
    severity: str  # error / warning / info
    message: str  # what is wrong, with the numbers
    fix: str | None = None  # the command or step that fixes it

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "message": self.message, "fix": self.fix}


def pip_install(python: str, *requirements: str) -> str:
    """The fix command that installs `requirements` into `python`, quoted for a POSIX shell."""
    quoted = " ".join(f"'{req}'" if any(c in req for c in "<>=!~;[ *") else req for req in requirements)
    return f"{python} -m pip install {quoted}"


def worst(findings) -> str | None:
    """The most severe severity among findings, or None when there are none."""
    present = {finding.severity for finding in findings}
    return next((severity for severity in SEVERITIES if severity in present), None)


def status(findings) -> str:
    """ok / warning / error: the worst finding's severity, where info counts as ok."""
    level = worst(findings)
    return level if level in (ERROR, WARNING) else OK


# --- the machine (probes/system reads it; diagnose rules use it) ------------------------------

# Instruction sets TensorFlow's x86-64 wheels are built for (AVX since 1.6; the 2.x wheels also use
# AVX2/FMA where present). Without AVX, `import tensorflow` dies with SIGILL.
TF_CPU_FLAGS = ("avx", "avx2", "fma", "avx512f")


def gib(value: int | None) -> str:
    """Bytes as a short GiB figure for humans ("23 GiB", "0.5 GiB"); "?" when unknown."""
    if value is None:
        return "?"
    amount = value / 2**30
    return f"{amount:.0f} GiB" if amount >= 10 else f"{amount:.1f} GiB"


# What `envcheck verify` says of one requirement.
PASS = "pass"  # it holds
FAIL = "fail"  # it does not: detail says why, fix says what to run
SKIP = "skip"  # its environment marker is false for the target interpreter, so it does not apply here
NOT_CHECKED = "not-checked"  # envcheck cannot check it offline (a URL, a VCS link, a local path, -e): detail says why
# The finding code and severity of a requirement that fails (AREA_FAILED / AREA_TIMED_OUT when its check could not run).
NOT_MET = ("REQUIREMENT_NOT_MET", ERROR)


class Outcome(NamedTuple):
    requirement: str  # as the user wrote it: "python >=3.10", "package numpy>=1.26", "tensorflow[and-cuda]>=2.16"
    status: str  # PASS / FAIL / SKIP / NOT_CHECKED
    detail: str  # what was found, or what is wrong (with the numbers)
    fix: str | None = None  # the one command that fixes a FAIL
    source: str | None = None  # FILE:LINE the requirement came from (requirement files)
    seconds: float = 0.0
    code: str | None = None  # a FAIL's finding code when it is not REQUIREMENT_NOT_MET (AREA_FAILED, AREA_TIMED_OUT)

    @property
    def title(self) -> str:
        """The requirement as a user finds it again: `FILE:LINE requirement` when it came from a file."""
        return f"{self.source} {self.requirement}" if self.source else self.requirement

    @property
    def passed(self) -> bool | None:
        """True for PASS and SKIP, False for FAIL, None when it was not checked."""
        return None if self.status == NOT_CHECKED else self.status != FAIL

    @property
    def finding_code(self) -> str | None:
        """The stable code of a FAIL (REQUIREMENT_NOT_MET unless its check could not run); None otherwise."""
        return (self.code or NOT_MET[0]) if self.status == FAIL else None

    def to_dict(self) -> dict:
        return {
            "requirement": self.requirement, "status": self.status, "code": self.finding_code, "passed": self.passed,
            "detail": self.detail, "fix": self.fix, "source": self.source, "seconds": round(self.seconds, 3),
        }


# ------------------------------------------------------------------------------ check-cuda's facts
# Records the GPU, CUDA and TensorFlow probes fill and the check-cuda rules read (envcheck.probes.gpu,
# .cuda and .tensorflow re-export them). Field meanings of the GPU health records follow the NVML API
# reference (https://docs.nvidia.com/deploy/nvml-api/) and nvidia-smi's documentation.

# Which GPU source answered (GpuFacts.source).
NVML = "nvml"
SMI_CSV = "nvidia-smi --query-gpu"
SMI_XML = "nvidia-smi -q -x"
PROC = "/proc/driver/nvidia"


class GpuProcess(NamedTuple):
    """A process with a context on a GPU, and the GPU memory it holds."""

    pid: int | None
    name: str | None = None
    used_memory_mib: int | None = None
    type: str | None = None  # "C" compute, "G" graphics, "C+G" (nvidia-smi's letters)

    def to_dict(self) -> dict:
        return self._asdict()


class GpuHealth(NamedTuple):
    """What decides whether a present GPU can be used now, and shared; None where the source cannot say."""

    lost: bool = False  # NVML_ERROR_GPU_IS_LOST / nvidia-smi "Unable to determine the device handle"
    mig_mode: str | None = None  # "enabled" / "disabled"
    mig_pending: str | None = None  # the mode after the next GPU reset
    mig_instances: int | None = None  # MIG devices (GPU + compute instance) that exist
    mig_uuids: tuple[str, ...] = ()  # their UUIDs, for CUDA_VISIBLE_DEVICES (NVML only)
    compute_mode: str | None = None  # default / exclusive_process / prohibited / exclusive_thread
    processes: tuple[GpuProcess, ...] | None = None
    memory_used_mib: int | None = None
    ecc_mode: str | None = None  # "enabled" / "disabled"
    ecc_pending: str | None = None
    ecc_uncorrectable_volatile: int | None = None  # since the driver was loaded
    ecc_uncorrectable_aggregate: int | None = None  # over the GPU's life
    retired_pages_pending: bool | None = None  # a page waits to be retired: a reset is required
    remapped_rows_pending: bool | None = None  # a row waits to be remapped: a reset is required
    remapped_rows_failure: bool | None = None  # remapping failed: the GPU needs service
    throttle_reasons: tuple[str, ...] | None = None  # the active ones of THROTTLE_REASONS
    persistence_mode: str | None = None  # "enabled" / "disabled"

    def to_dict(self) -> dict:
        """The documented JSON shape (README, check-cuda): gpus[i].health."""
        return {
            "lost": self.lost,
            "mig": {"mode": self.mig_mode, "pending": self.mig_pending, "instances": self.mig_instances,
                    "instance_uuids": list(self.mig_uuids)},
            "compute_mode": self.compute_mode,
            "processes": None if self.processes is None else [process.to_dict() for process in self.processes],
            "memory_used_mib": self.memory_used_mib,
            "ecc": {"mode": self.ecc_mode, "pending": self.ecc_pending,
                    "uncorrectable_volatile": self.ecc_uncorrectable_volatile,
                    "uncorrectable_aggregate": self.ecc_uncorrectable_aggregate},
            "retired_pages_pending": self.retired_pages_pending,
            "remapped_rows_pending": self.remapped_rows_pending,
            "remapped_rows_failure": self.remapped_rows_failure,
            "throttle_reasons": None if self.throttle_reasons is None else list(self.throttle_reasons),
            "persistence_mode": self.persistence_mode,
        }


class Gpu(NamedTuple):
    """One GPU as a source reported it; a field the source cannot give is None."""

    index: int
    name: str | None = None
    uuid: str | None = None
    memory_mib: int | None = None
    compute_capability: str | None = None  # "9.0"
    pci_bus_id: str | None = None
    mig: str | None = None  # "enabled" / "disabled" / None when unknown
    error: str | None = None  # a GPU the source listed but could not read
    health: GpuHealth | None = None  # None when the source gives no health facts (/proc, the CSV alone)

    @property
    def lost(self) -> bool:
        return bool(self.health and self.health.lost)

    def to_dict(self) -> dict:
        data = self._asdict()
        data["health"] = self.health.to_dict() if self.health else None
        return data


class Driver(NamedTuple):
    """The NVIDIA driver: user-space version, newest CUDA it supports, kernel module version."""

    version: str | None = None  # user-space driver (NVML / nvidia-smi), e.g. 580.159.04
    cuda_version: str | None = None  # newest CUDA the driver supports, e.g. "13.0"
    kernel_module: str | None = None  # /proc/driver/nvidia/version, e.g. 580.159.04

    def to_dict(self) -> dict:
        return self._asdict()


class PciDevice(NamedTuple):
    """An NVIDIA display/3D device on the PCI bus, with the kernel driver bound to it (if any)."""

    address: str  # 0000:00:06.0
    device_id: str | None = None  # 0x2335
    pci_class: str | None = None  # 0x030200
    kernel_driver: str | None = None  # nvidia, nouveau, vfio-pci, None when none is bound

    def to_dict(self) -> dict:
        return self._asdict()


class SourceFailure(NamedTuple):
    """A source that did not answer, and why, in words."""

    source: str
    status: str  # a runner status, or "failed" for an answer that says it failed
    message: str

    def to_dict(self) -> dict:
        return self._asdict()


class GpuFacts(NamedTuple):
    """What the GPU sources said: the one that answered, its GPUs and driver, the failures before it."""

    source: str | None  # which source answered; None when none did
    gpus: tuple[Gpu, ...] = ()
    driver: Driver = Driver()
    failures: tuple[SourceFailure, ...] = ()
    pci_devices: tuple[PciDevice, ...] = ()
    seconds: float = 0.0
    device_nodes: tuple[str, ...] = ()  # /dev/nvidia* names: what a container was given

    @property
    def working_driver(self) -> bool:  # the driver's user space answered, not only its kernel module
        return self.source in (NVML, SMI_CSV, SMI_XML) and bool(self.driver.version)

    def to_dict(self) -> dict:
        """The GPU facts alone (check-cuda's JSON spreads them over gpus, driver, gpu_query_failures, pci_devices)."""
        return {
            "source": self.source,
            "gpus": [gpu.to_dict() for gpu in self.gpus],
            "driver": dict(self.driver.to_dict(), working=self.working_driver),
            "failures": [failure.to_dict() for failure in self.failures],
            "pci_devices": [device.to_dict() for device in self.pci_devices],
            "seconds": self.seconds,
            "device_nodes": list(self.device_nodes),
        }


class Toolkit(NamedTuple):
    """A CUDA toolkit found on this machine, and where."""

    version: str | None  # "13.0"
    source: str  # "nvcc", "CUDA_HOME", "CUDA_PATH", "/usr/local/cuda-13.0"
    path: str | None = None

    def to_dict(self) -> dict:
        return self._asdict()


class Library(NamedTuple):
    """A CUDA or driver library the loader could find, and where it came from."""

    name: str  # stem: cudart, cudnn, ...
    soname: str  # libcudart.so.12
    path: str
    origin: str  # "pip" / "ldconfig" / "LD_LIBRARY_PATH"
    distribution: str | None = None  # nvidia-cudnn-cu12 for pip libraries
    version: str | None = None  # that distribution's version

    def to_dict(self) -> dict:
        return self._asdict()


class LogLine(NamedTuple):
    """One line TensorFlow logged, with the kind of message it is (envcheck.probes.tensorflow.classify_log)."""

    kind: str
    text: str  # the message without absl's "I0000 00:00:... file.cc:12]" prefix
    source: str | None = None  # file.cc:12

    def to_dict(self) -> dict:
        return self._asdict()


class TfFacts(NamedTuple):
    """TensorFlow's own answer from the target interpreter, or what happened instead."""

    status: str  # ok / not-installed / import-failed / crashed / timed-out / no-answer
    problem: str | None = None  # what went wrong, in words, when status is not ok
    signal: str | None = None  # SIGSEGV, SIGILL ... when it crashed
    version: str | None = None
    build_info: dict = {}  # never mutated in place
    built_with_cuda: bool | None = None
    gpus: tuple[dict, ...] = ()
    loaded: tuple[str, ...] = ()
    load_checks: tuple[dict, ...] = ()
    log: tuple[LogLine, ...] = ()
    import_s: float | None = None
    seconds: float | None = None
    file: str | None = None

    @property
    def cuda_build(self) -> bool | None:
        value = self.build_info.get("is_cuda_build")
        return self.built_with_cuda if value is None else bool(value)

    def to_dict(self) -> dict:
        data = self._asdict()
        data["build_info"] = dict(self.build_info)
        data["gpus"] = [dict(gpu) for gpu in self.gpus]
        data["loaded"] = list(self.loaded)
        data["load_checks"] = [dict(check) for check in self.load_checks]
        data["log"] = [line.to_dict() for line in self.log]
        return data


# --- records off the fast paths --------------------------------------------------------------
# Doctor's, smoke-train's and the environment's records (Area, DoctorReport, SmokeReport, SmokeCheck,
# Installed, Broken, PythonFacts, Cpu, SystemFacts) are defined in envcheck/model_doctor.py and loaded
# on first use (PEP 562): building a NamedTuple class costs ~0.1 ms, and check-cuda --no-tf, which
# imports this module, uses none of them. Import them from here as from any record's home.
_ELSEWHERE = frozenset({"Area", "DoctorReport", "SmokeCheck", "SmokeReport", "Broken", "Installed", "PythonFacts",
                        "Cpu", "SystemFacts"})


def __getattr__(name: str):
    if name in _ELSEWHERE:
        from envcheck import model_doctor  # first use of an off-fast-path record (see above)

        return getattr(model_doctor, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
