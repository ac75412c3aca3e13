"""Shared records: a finding (code, severity, message with the numbers, fix), the facts that cross
layers (installed distributions, the machine), a doctor area, and the helpers around them.

Convention (CONTRIBUTING.md): a record is a `typing.NamedTuple` with a `to_dict()` method. It is
cheap to import (no dataclasses on the fast paths), immutable, and JSON only at the edge.
"""

from __future__ import annotations

from typing import Any, NamedTuple  # not dataclasses: ~15 ms less start-up on the fast paths

from envcheck import exitcodes

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


class Area(NamedTuple):
    """One line of doctor (or one requirement of verify): the answer for an area, its findings, its facts."""

    key: str  # stable: python, packages, numpy, tensorflow, gpu, smoke, system
    title: str  # for people: "Smoke training"
    summary: str  # one line: the answer for this area
    findings: list = []  # list[Finding]; never mutated in place
    facts: dict = {}  # JSON-able facts behind the summary; never mutated in place
    seconds: float = 0.0

    @property
    def status(self) -> str:
        return status(self.findings)

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "status": self.status,
            "summary": self.summary,
            "findings": [finding.to_dict() for finding in self.findings],
            "facts": self.facts,
            "seconds": round(self.seconds, 3),
        }


class DoctorReport(NamedTuple):
    """envcheck doctor's answer: one Area per check, in order, and what the shared sources gathered."""

    SCHEMA = "envcheck.doctor/1"

    python: Any  # envcheck.target.TargetPython: the inspected interpreter
    areas: tuple  # tuple[Area, ...]
    seconds: float
    sources: dict = {}  # name -> value of each shared source that answered (report reads "installed")

    @property
    def errors(self) -> int:
        return sum(1 for area in self.areas for f in area.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for area in self.areas for f in area.findings if f.severity == WARNING)

    def exit_code(self, strict: bool = False) -> int:
        return exitcodes.NOT_OK if self.errors or (strict and self.warnings) else exitcodes.OK

    def to_dict(self) -> dict:
        return {
            "schema": self.SCHEMA,
            "python": self.python.to_dict(),
            "areas": [area.to_dict() for area in self.areas],
            "errors": self.errors,
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
        }


class SmokeCheck(NamedTuple):
    """One of smoke-train's checks (forward, gradients, learning, device, gradient flow, ...)."""

    name: str
    passed: bool
    detail: str

    def to_dict(self) -> dict:
        return {"name": self.name, "passed": self.passed, "detail": self.detail}


class SmokeReport(NamedTuple):
    """smoke-train's answer (`envcheck.smoke-train/1`): passed, the checks, and what the child measured."""

    SCHEMA = "envcheck.smoke-train/1"

    passed: bool
    failure: str | None  # in words, or None
    fix: str | None
    backend: str
    task: str
    activation: str
    device_requested: str
    device: str | None  # where it trained ("CPU:0"), None when it never got that far
    python: dict  # the inspected interpreter (TargetPython.to_dict())
    versions: dict  # python, numpy, tensorflow
    checks: tuple  # tuple[SmokeCheck, ...]
    timings: dict  # import_s, checks_s, train_s, total_s, wall_s
    details: dict = {}  # the child's other facts, in its order: network, loss_curve, initial_loss, ...

    @property
    def network(self) -> dict:
        return self.details.get("network") or {}

    @property
    def loss_curve(self) -> list:
        return self.details.get("loss_curve") or []

    @property
    def initial_loss(self) -> float | None:
        return self.details.get("initial_loss")

    @property
    def final_loss(self) -> float | None:
        return self.details.get("final_loss")

    @property
    def steps(self) -> int | None:
        return self.details.get("steps")

    @property
    def failed_names(self) -> list:
        return [check.name for check in self.checks if not check.passed]

    def to_dict(self) -> dict:
        return {
            "schema": self.SCHEMA,
            "passed": self.passed,
            "failure": self.failure,
            "fix": self.fix,
            "backend": self.backend,
            "task": self.task,
            "activation": self.activation,
            "device_requested": self.device_requested,
            "device": self.device,
            "python": self.python,
            "versions": self.versions,
            "checks": [check.to_dict() for check in self.checks],
            "timings": self.timings,
            **self.details,
        }

    @classmethod
    def from_dict(cls, data: dict) -> SmokeReport:
        """A report read back from its JSON (another process's, a saved file): the one place a dict
        becomes a SmokeReport. Missing keys take smoke-train's defaults."""
        fields = set(cls._fields) | {"schema"}
        return cls(
            passed=bool(data.get("passed")),
            failure=data.get("failure"),
            fix=data.get("fix"),
            backend=data.get("backend", "tensorflow"),
            task=data.get("task", "xor"),
            activation=data.get("activation", "relu"),
            device_requested=data.get("device_requested", "auto"),
            device=data.get("device"),
            python=data.get("python") or {},
            versions=data.get("versions") or {},
            checks=tuple(SmokeCheck(c.get("name", "?"), bool(c.get("passed")), c.get("detail", ""))
                         for c in data.get("checks") or []),
            timings=data.get("timings") or {},
            details={key: value for key, value in data.items() if key not in fields},
        )


# --- installed distributions (probes/requirements reads them; diagnose rules use them) ---------


class Broken(NamedTuple):
    """One line of `pip check`."""

    name: str  # canonical name of the distribution that requires
    version: str
    requirement: str  # as written in its metadata, normalised by packaging
    dependency: str  # canonical name of what it requires
    installed: str | None  # the installed version, or None when missing

    def line(self) -> str:
        if self.installed is None:
            return f"{self.name} {self.version} requires {self.dependency}, which is not installed."
        return (
            f"{self.name} {self.version} has requirement {self.requirement}, "
            f"but you have {self.dependency} {self.installed}."
        )

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "version": self.version,
            "requirement": self.requirement,
            "dependency": self.dependency,
            "installed": self.installed,
        }


class Installed(NamedTuple):
    """A distribution with what it requires: enough for pip check and for version-fit rules."""

    name: str  # canonical
    display_name: str
    version: str
    requires: tuple  # tuple[str, ...]: raw Requires-Dist strings
    requires_python: str | None
    extras: tuple = ()  # tuple[str, ...]: Provides-Extra, as written (an egg-info's requires.txt sections)


# --- the interpreter (probes/python_env reads it; diagnose rules use it) ---------------------


class PythonFacts(NamedTuple):
    executable: str
    version: str
    implementation: str
    prefix: str
    kind: str  # "venv", "conda", "system"
    env_name: str | None  # the venv or conda env's directory name
    pip_version: str | None  # None when pip is not installed in the environment

    def to_dict(self) -> dict:
        return {
            "executable": self.executable,
            "version": self.version,
            "implementation": self.implementation,
            "prefix": self.prefix,
            "kind": self.kind,
            "env_name": self.env_name,
            "pip": self.pip_version,
        }


# --- the machine (probes/system reads it; diagnose rules use it) ------------------------------

# Instruction sets TensorFlow's x86-64 wheels are built for (AVX since 1.6; the 2.x wheels also use
# AVX2/FMA where present). Without AVX, `import tensorflow` dies with SIGILL.
TF_CPU_FLAGS = ("avx", "avx2", "fma", "avx512f")


class Cpu(NamedTuple):
    model: str | None
    logical_cpus: int | None
    flags: frozenset = frozenset()  # frozenset[str]
    machine: str = ""

    def has(self, flag: str) -> bool:
        return flag in self.flags

    def to_dict(self) -> dict:
        return {
            "model": self.model,
            "logical_cpus": self.logical_cpus,
            "machine": self.machine,
            "instruction_sets": {flag: flag in self.flags for flag in TF_CPU_FLAGS} if self.flags else None,
        }


class SystemFacts(NamedTuple):
    cpu: Cpu
    ram_total: int | None  # bytes
    ram_available: int | None
    disk_free: int | None  # bytes free where the environment lives
    disk_path: str | None
    os_name: str | None  # "Ubuntu 24.04.3 LTS"
    kernel: str | None
    wsl: bool

    def to_dict(self) -> dict:
        return {
            "cpu": self.cpu.to_dict(),
            "ram_total_bytes": self.ram_total,
            "ram_available_bytes": self.ram_available,
            "disk_free_bytes": self.disk_free,
            "disk_path": self.disk_path,
            "os": self.os_name,
            "kernel": self.kernel,
            "wsl": self.wsl,
        }


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
