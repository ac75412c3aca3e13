"""Can TensorFlow use an NVIDIA GPU here? Pure rules from CudaFacts to Findings with stable codes.

No I/O: the version tables come in as arguments (envcheck.data loads them), the facts from the
probes. Each rule cites the failure it recognises (rows of shared/research/failures.md in brackets).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple  # frozen records without dataclasses' ~15 ms import (fast path)

from envcheck.i18n import N_, _
from envcheck.i18n import gettext as translate
from envcheck.model import ERROR, INFO, WARNING, Finding, Gpu, GpuFacts, Library, TfFacts, Toolkit, pip_install

# TfFacts.status values (envcheck.probes.tensorflow), repeated so this module does not import a probe.
OK, NOT_INSTALLED, IMPORT_FAILED, CRASHED, TIMED_OUT = "ok", "not-installed", "import-failed", "crashed", "timed-out"
GPU_FAILED = "gpu-listing-failed"  # probes.tensorflow.GPU_FAILED: imported, then listing the GPUs failed

# Environment variables that change the answer; reported as facts.
ENV_VARS = (
    "CUDA_VISIBLE_DEVICES",
    "NVIDIA_VISIBLE_DEVICES",
    "TF_FORCE_GPU_ALLOW_GROWTH",
    "TF_CPP_MIN_LOG_LEVEL",
    "TF_USE_LEGACY_KERAS",
    "XLA_FLAGS",
    "LD_LIBRARY_PATH",
    "CUDA_HOME",
    "CUDA_PATH",
    "CUDA_CACHE_MAXSIZE",
    "CUDA_CACHE_PATH",
)


class CudaFacts(NamedTuple):
    """Every fact the rules read: GPU and driver, toolkit, libraries, TensorFlow, environment."""

    gpu: GpuFacts
    toolkits: tuple[Toolkit, ...] = ()
    libraries: tuple[Library, ...] = ()
    tf: TfFacts | None = None  # None with --no-tf
    env: Mapping[str, str] = MappingProxyType({})
    python: str = "python"  # the target interpreter, for fix commands
    python_version: tuple[int, ...] = (3,)
    platform: str = "linux"  # the target's sys.platform
    wsl: bool = False
    machine: str = "x86_64"
    distributions: Mapping[str, str] = MappingProxyType({})  # canonical name -> version
    container: str | None = None  # docker / podman / kubernetes / containerd / lxc, None when not in one


def version_tuple(text: str | None) -> tuple[int, ...]:
    """'580.159.04' -> (580, 159, 4); '' or None -> ()."""
    return tuple(int(part) for part in re.findall(r"\d+", text or ""))


def tf_row(builds: Mapping, version: str | None) -> dict | None:
    """The tensorflow_builds.toml row for a TensorFlow version ('2.21.0' -> row '2.21')."""
    if not version:
        return None
    major_minor = ".".join(str(part) for part in version_tuple(version)[:2])
    return builds.get("tf", {}).get(major_minor)


def in_python_range(spec: str, version: tuple[int, ...]) -> bool:
    """Whether a Python version satisfies the table's PEP 440 range ('>=3.10,<3.14')."""
    from packaging.specifiers import SpecifierSet  # only when TensorFlow is checked; pip's own semantics

    return SpecifierSet(spec).contains(".".join(str(part) for part in version))


def visible_gpus(gpus: tuple[Gpu, ...], cuda_visible_devices: str | None) -> tuple[Gpu, ...]:
    """The GPUs CUDA shows a process under CUDA_VISIBLE_DEVICES (unset: all).

    CUDA reads the comma-separated list up to the first entry that names no device: "-1", "" and
    "none" hide every GPU; indices and GPU-UUID prefixes select.
    """
    if cuda_visible_devices is None:
        return gpus
    chosen = []
    for entry in cuda_visible_devices.split(","):
        entry = entry.strip()
        match = None
        if entry.isdigit():
            match = next((gpu for gpu in gpus if gpu.index == int(entry)), None)
        elif entry.startswith(("GPU-", "MIG-")) and len(entry) > 4:
            match = next((gpu for gpu in gpus if gpu.uuid and gpu.uuid.startswith(entry)), None)
            if match is None and entry.startswith("MIG-"):
                match = next((gpu for gpu in gpus if any(uuid.startswith(entry) for uuid in _mig_uuids(gpu))), None)
                if match is None and not any(_mig_uuids(gpu) for gpu in gpus):
                    match = gpus[0] if gpus else None  # MIG devices' UUIDs unknown (nvidia-smi): assume it names one
        if match is None:
            break
        if match not in chosen:
            chosen.append(match)
    return tuple(chosen)


def _mig_uuids(gpu: Gpu) -> tuple[str, ...]:
    return gpu.health.mig_uuids if gpu.health else ()


# ------------------------------------------------------------------------------ GPU and driver


def gpu_findings(facts: CudaFacts) -> list[Finding]:
    gpu = facts.gpu
    findings: list[Finding] = []
    failure_text = " ".join(failure.message for failure in gpu.failures)
    if re.search(r"version mismatch|RM_VERSION_MISMATCH", failure_text, re.IGNORECASE):  # [6]
        kernel = _(" (the loaded kernel module is {module})").format(module=gpu.driver.kernel_module) \
            if gpu.driver.kernel_module else ""
        findings.append(
            Finding(
                "DRIVER_LIBRARY_MISMATCH",
                ERROR,
                _("NVML reports 'Driver/library version mismatch': the NVIDIA kernel module{kernel} and the "
                  "driver's user-space libraries (libnvidia-ml, libcuda) are different versions, usually after a "
                  "driver upgrade without a reboot. CUDA fails the same way.").format(kernel=kernel),
                _("Reboot (or reload the modules: {reload}); keep only one driver version's packages installed; then "
                  "run nvidia-smi.").format(
                    reload="sudo rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia && sudo modprobe nvidia"),
            )
        )
    for failure in gpu.failures:
        if failure.status == "timed-out":
            findings.append(
                Finding(
                    "GPU_QUERY_TIMED_OUT",
                    ERROR,
                    _("{source} did not answer in time: {message}. A GPU that hangs NVML will hang TensorFlow's start "
                      "too.").format(source=failure.source, message=failure.message),
                    _("Run nvidia-smi by hand and look for Xid errors ({command}); on a busy multi-GPU host rerun with "
                      "a longer --timeout.").format(command="sudo dmesg | grep -i -E 'NVRM|Xid'"),
                )
            )
            break
    if gpu.working_driver:
        findings += health_findings(facts)
        if not gpu.gpus:
            findings.append(Finding("NO_GPU", WARNING, _("The NVIDIA driver is loaded but lists no GPU."),
                                    _("Check {command}; in a container, start it with GPU access ({docker}).").format(
                                        command="nvidia-smi -L", docker="docker run --gpus all")))
        findings += visibility_findings(facts)
        return findings

    if any(f.code in ("DRIVER_LIBRARY_MISMATCH", "GPU_QUERY_TIMED_OUT") for f in findings):
        return findings
    if gpu.pci_devices and facts.container and not gpu.device_nodes:
        findings.append(container_finding(facts))
    elif gpu.pci_devices:  # hardware present, no working driver
        bound = {device.kernel_driver for device in gpu.pci_devices}
        devices = ", ".join(
            _("{address} (device {device}, driver {driver})").format(
                address=d.address, device=d.device_id or "?", driver=d.kernel_driver or _("none"))
            for d in gpu.pci_devices
        )
        detail = _("; failed: {failures}").format(failures=failure_text) if failure_text else ""
        findings.append(
            Finding(
                "GPU_NO_DRIVER",
                ERROR,
                _("{count} NVIDIA GPU(s) on the PCI bus but no working NVIDIA driver: {devices}{detail}.").format(
                    count=len(gpu.pci_devices), devices=devices, detail=detail),
                (_("The open-source nouveau driver holds the GPU: install NVIDIA's driver and blacklist nouveau. ")
                 if "nouveau" in bound else "")
                + _("Install the NVIDIA driver (Ubuntu: {ubuntu}; others: your distribution's nvidia-driver package or "
                    "{url}), then reboot and run nvidia-smi.").format(
                    ubuntu="sudo ubuntu-drivers install", url="https://www.nvidia.com/drivers"),
            )
        )
    elif gpu.source == "/proc/driver/nvidia":
        findings.append(
            Finding(
                "DRIVER_LIBRARIES_MISSING",
                ERROR,
                _("The NVIDIA kernel module {module} is loaded, but neither NVML nor nvidia-smi answered ({failures}).")
                .format(module=gpu.driver.kernel_module or "", failures=failure_text or _("not found")),
                _("Install the driver's user-space package of the same version as the kernel module (it provides "
                  "nvidia-smi, libnvidia-ml.so.1 and libcuda.so.1); in a container use the NVIDIA Container Toolkit."),
            )
        )
    elif facts.wsl:
        findings.append(
            Finding(
                "NO_GPU",
                WARNING,
                _("WSL2 without a GPU: no NVIDIA driver answered inside WSL."),
                _("Install the NVIDIA driver on Windows (not inside WSL); it provides {library}. Then run nvidia-smi "
                  "inside WSL.").format(library="/usr/lib/wsl/lib/libcuda.so.1"),
            )
        )
    elif "communicate with the NVIDIA driver" in failure_text:  # [17]
        findings.append(
            Finding("DRIVER_NOT_LOADED", ERROR,
                    _("nvidia-smi is installed but the driver is not running: {failures}.").format(
                        failures=failure_text),
                    _("Load the kernel module ({modprobe}) or reinstall the driver and reboot; in a container, start "
                      "it with GPU access ({docker}).").format(modprobe="sudo modprobe nvidia",
                                                               docker="docker run --gpus all"))
        )
    else:
        findings.append(
            Finding(
                "NO_GPU",
                WARNING,
                _("No NVIDIA GPU is present (none on the PCI bus, no NVIDIA driver), so TensorFlow runs on the CPU."),
                _("Nothing to fix for CPU work. For GPU work use a machine with an NVIDIA GPU "
                  "(compute capability 6.0 or newer for TensorFlow 2.17 to 2.21)."),
            )
        )
    return findings


def container_finding(facts: CudaFacts) -> Finding:
    """A container that sees the host's NVIDIA PCI device in sysfs but was given no /dev/nvidia* node.

    The GPU reaches a container only through the NVIDIA Container Toolkit (`docker run --gpus all`,
    https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html) or, in
    Kubernetes, the NVIDIA device plugin's resource (https://github.com/NVIDIA/k8s-device-plugin).
    """
    devices = ", ".join(device.address for device in facts.gpu.pci_devices)
    return Finding(
        "CONTAINER_NO_GPU_ACCESS",
        ERROR,
        _("This is a {container} container without GPU access: the host's NVIDIA GPU ({devices}) shows on the PCI "
          "bus, but no /dev/nvidia* device and no driver library were passed in, so CUDA finds no GPU. Installing a "
          "driver inside the container does not help.").format(container=facts.container, devices=devices),
        _("Start the container with the GPU passed through: {docker} (the host needs the NVIDIA Container Toolkit: "
          "{toolkit}); in Kubernetes request it in the pod spec: {spec} (NVIDIA device plugin).").format(
            docker="docker run --gpus all …",
            toolkit="sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker",
            spec="resources: limits: nvidia.com/gpu: 1"),
    )


# ------------------------------------------------------------------------------ GPU health and sharing
# Sources: NVML API reference (https://docs.nvidia.com/deploy/nvml-api/), nvidia-smi's documentation
# (https://docs.nvidia.com/deploy/nvidia-smi/), NVIDIA's Xid catalogue
# (https://docs.nvidia.com/deploy/xid-errors/analyzing-xid-catalog.html),
# the MIG user guide (https://docs.nvidia.com/datacenter/tesla/mig-user-guide/), TensorFlow's GPU guide
# (https://www.tensorflow.org/guide/gpu, "Limiting GPU memory growth").


def unusable_reason(gpu: Gpu) -> str | None:
    """The code of what keeps CUDA from using this GPU now, or None when nothing known does."""
    if gpu.lost:
        return "GPU_LOST"
    if gpu.error:
        return "GPU_UNREADABLE"
    health = gpu.health
    if health is None:
        return None
    if health.mig_mode == "enabled" and health.mig_instances == 0:
        return "MIG_NO_INSTANCES"
    if health.compute_mode == "prohibited":
        return "GPU_COMPUTE_PROHIBITED"
    if health.compute_mode in ("exclusive_process", "exclusive_thread") and _compute_processes(health):
        return "GPU_EXCLUSIVE_BUSY"
    return None


def usable_gpus(facts: CudaFacts) -> tuple[Gpu, ...]:
    """The GPUs CUDA_VISIBLE_DEVICES shows that nothing known keeps from taking a CUDA context."""
    visible = visible_gpus(facts.gpu.gpus, facts.env.get("CUDA_VISIBLE_DEVICES"))
    return tuple(gpu for gpu in visible if unusable_reason(gpu) is None)


def _compute_processes(health) -> tuple:
    return tuple(p for p in health.processes or () if "C" in (p.type or "C"))


def _tf_sees_none(facts: CudaFacts) -> bool:
    tf = facts.tf
    return tf is not None and tf.status == OK and tf.cuda_build is not False and not tf.gpus


def _name(gpu: Gpu) -> str:
    bus = f", {gpu.pci_bus_id}" if gpu.pci_bus_id else ""
    return f"GPU {gpu.index} ({gpu.name or 'NVIDIA GPU'}{bus})"  # names, in every language


def _who(processes) -> str:
    return ", ".join(
        f"pid {p.pid} {p.name or '?'}" + (f" ({p.used_memory_mib} MiB)" if p.used_memory_mib is not None else "")
        for p in processes
    )


def health_findings(facts: CudaFacts) -> list[Finding]:
    """Per-GPU health and sharing: a lost GPU, MIG, compute modes, pending resets, ECC, memory held, throttling.

    A cause that leaves no visible GPU usable, or that TensorFlow's empty GPU list points to, is an
    error (it is why CUDA sees none); with another GPU still usable it is a warning (the node is degraded).
    """
    gpus = facts.gpu.gpus
    visible = visible_gpus(gpus, facts.env.get("CUDA_VISIBLE_DEVICES"))
    none_left = bool(visible) and not usable_gpus(facts)  # none visible at all: CUDA_VISIBLE_DEVICES says why
    # With TensorFlow listing no GPU, an unusable GPU is the best-known explanation even beside a
    # healthy one (a lost GPU can fail cuInit for the whole process).
    blocking = ERROR if none_left or _tf_sees_none(facts) else WARNING
    found: list[Finding] = []

    def each(code):
        return [gpu for gpu in gpus if unusable_reason(gpu) == code]

    lost = each("GPU_LOST")
    if lost:  # NVML_ERROR_GPU_IS_LOST; Xid 79 "GPU has fallen off the bus" in the Xid catalogue
        gone = _("GPU is lost")
        names = "; ".join(f"{_name(gpu)}: {gpu.error or gone}" for gpu in lost)
        bus = lost[0].pci_bus_id or str(lost[0].index)
        found.append(Finding(
            "GPU_LOST", blocking,
            _("{count} GPU(s) cannot be reached and are lost to CUDA until reset: {names}. A GPU that fell off the "
              "PCI bus is logged by the kernel as Xid 79 ('GPU has fallen off the bus').").format(
                count=len(lost), names=names),
            _("Find the kernel's reason: {dmesg}; then stop the GPU's processes and reset it: {reset} (or reboot if "
              "the reset fails). If it falls off again, check the GPU's power, cooling and seating.").format(
                dmesg="sudo dmesg -T | grep -i -E 'xid|fallen off the bus'", reset=f"sudo nvidia-smi -r -i {bus}"),
        ))
    unreadable = each("GPU_UNREADABLE")
    if unreadable:
        found.append(Finding(
            "GPU_UNREADABLE", blocking,
            "; ".join(_("{gpu} is listed but cannot be read: {error}").format(gpu=_name(gpu), error=gpu.error)
                      for gpu in unreadable) + ".",
            _("Check nvidia-smi and the kernel log ({dmesg}); a reset ({reset}) or a reboot may be needed.").format(
                dmesg="sudo dmesg -T | grep -i xid", reset="sudo nvidia-smi -r"),
        ))
    found += mig_findings(facts, each("MIG_NO_INSTANCES"), blocking)
    prohibited = each("GPU_COMPUTE_PROHIBITED")
    if prohibited:  # nvidia-smi -c: PROHIBITED lets no process create a CUDA context
        found.append(Finding(
            "GPU_COMPUTE_PROHIBITED", blocking,
            _("{gpus} is in PROHIBITED compute mode: no process may create a CUDA context on it "
              "(CUDA_ERROR_DEVICES_UNAVAILABLE).").format(gpus=", ".join(_name(gpu) for gpu in prohibited)),
            _("Ask the administrator to allow compute: {command}; or use another GPU ({export}).").format(
                command=f"sudo nvidia-smi -i {prohibited[0].index} -c DEFAULT",
                export="export CUDA_VISIBLE_DEVICES=<index>"),
        ))
    busy = each("GPU_EXCLUSIVE_BUSY")
    if busy:  # nvidia-smi -c EXCLUSIVE_PROCESS: one context per GPU; others get CUDA_ERROR_DEVICES_UNAVAILABLE
        holders = "; ".join(
            _("{gpu} is in {mode} compute mode and held by {who}").format(
                gpu=_name(gpu), mode=gpu.health.compute_mode.upper(), who=_who(_compute_processes(gpu.health)))
            for gpu in busy
        )
        pids = " ".join(str(p.pid) for gpu in busy for p in _compute_processes(gpu.health) if p.pid is not None)
        found.append(Finding(
            "GPU_EXCLUSIVE_BUSY", blocking,
            _("{holders}. One process at a time may use it, so CUDA gives every other process "
              "CUDA_ERROR_DEVICES_UNAVAILABLE ('all CUDA-capable devices are busy or unavailable').").format(
                holders=holders),
            _("Wait for that job or stop it if it is yours ({kill}); use another GPU ({export}); or ask the "
              "administrator for the shared mode: {command}.").format(
                kill=f"kill {pids or '<pid>'}", export="export CUDA_VISIBLE_DEVICES=<index>",
                command=f"sudo nvidia-smi -i {busy[0].index} -c DEFAULT"),
        ))
    found += reset_findings(facts, visible, none_left)
    found += sharing_findings(facts, visible)
    return found


def mig_findings(facts: CudaFacts, empty: list[Gpu], blocking: str) -> list[Finding]:
    """MIG on without instances; a mode change waiting for a reset; CUDA_VISIBLE_DEVICES naming a MIG
    GPU's parent or an unknown MIG device. (MIG user guide: "Getting Started with MIG", "CUDA Device Enumeration".)"""
    found: list[Finding] = []
    if empty:
        first = empty[0].index
        found.append(Finding(
            "MIG_NO_INSTANCES", blocking,
            _("{gpus} is in MIG mode with no MIG instances: CUDA sees no device on a MIG-enabled GPU until GPU and "
              "compute instances are created.").format(gpus=", ".join(_name(gpu) for gpu in empty)),
            _("Create instances (as root): {list} lists the profiles, then {create} creates a GPU instance with its "
              "compute instance; or turn MIG off: {off} (then reset the GPU: {reset}).").format(
                list=f"nvidia-smi mig -i {first} -lgip", create=f"nvidia-smi mig -i {first} -cgi <profile> -C",
                off=f"nvidia-smi -i {first} -mig 0", reset=f"nvidia-smi -r -i {first}"),
        ))
    for gpu in facts.gpu.gpus:
        health = gpu.health
        if health and health.mig_mode and health.mig_pending and health.mig_mode != health.mig_pending:
            found.append(Finding(
                "MIG_MODE_PENDING", WARNING,
                _("{gpu}'s MIG mode is {mode} and becomes {pending} only after a GPU reset.").format(
                    gpu=_name(gpu), mode=health.mig_mode, pending=health.mig_pending),
                _("Stop the GPU's processes and reset it: {command} (or reboot).").format(
                    command=f"sudo nvidia-smi -r -i {gpu.index}"),
            ))
            break
    value = facts.env.get("CUDA_VISIBLE_DEVICES")
    with_instances = [
        gpu for gpu in facts.gpu.gpus if gpu.health and gpu.health.mig_mode == "enabled" and gpu.health.mig_instances
    ]
    if value and with_instances:
        known = [uuid for gpu in with_instances for uuid in gpu.health.mig_uuids]
        wrong = []
        for entry in (part.strip() for part in value.split(",")):
            parent = next((gpu for gpu in with_instances
                           if entry.startswith("GPU-") and gpu.uuid and gpu.uuid.startswith(entry)), None)
            if parent is not None:
                wrong.append(_("{entry} is {gpu} itself, not one of its MIG devices").format(
                    entry=entry, gpu=_name(parent)))
            elif entry.startswith("MIG-") and known and not any(uuid.startswith(entry) for uuid in known):
                wrong.append(_("{entry} is not a MIG device here").format(entry=entry))
        if wrong:
            use = ",".join(known) if known else _("MIG-<uuid> (nvidia-smi -L lists them)")
            found.append(Finding(
                "CUDA_VISIBLE_DEVICES_MIG", ERROR,
                _("CUDA_VISIBLE_DEVICES={value} does not name a MIG device: {wrong}. On a MIG-enabled GPU, CUDA runs "
                  "only on MIG devices, named by their MIG-… UUIDs.").format(value=repr(value), wrong="; ".join(wrong)),
                f"export CUDA_VISIBLE_DEVICES={use.split(',')[0] if known else use}"
                + (_("  (the MIG devices here: {devices})").format(devices=", ".join(known)) if len(known) > 1 else ""),
            ))
    return found


def reset_findings(facts: CudaFacts, visible: tuple[Gpu, ...], none_left: bool) -> list[Finding]:
    """Retired pages / remapped rows waiting for a reset, and uncorrectable ECC errors (nvidia-smi -q's
    "Retired Pages" / "Remapped Rows" / "ECC Errors"; Xid 48, 63, 64, 94, 95 in the Xid catalogue). An error
    when TensorFlow lists no GPU and nothing else explains it; a warning otherwise."""
    found: list[Finding] = []
    explains = _tf_sees_none(facts) and not none_left
    severity = ERROR if explains else WARNING
    pending = []
    for gpu in facts.gpu.gpus:
        health = gpu.health
        if health is None or gpu.lost:
            continue
        flags = ((_("remapped rows"), health.remapped_rows_pending), (_("retired pages"), health.retired_pages_pending))
        what = [label for label, flag in flags if flag]
        if what:
            pending.append(_("{gpu} has {what} pending").format(gpu=_name(gpu), what=_(" and ").join(what)))
    if pending:
        found.append(Finding(
            "GPU_RESET_PENDING", severity,
            _("{pending}: uncorrectable memory errors were found and the faulty memory is taken out of use only after "
              "a GPU reset; until then CUDA can fail on it.").format(pending="; ".join(pending)),
            _("Stop the GPU's processes and reset it: {reset} (or reboot); {dmesg} shows the memory errors (Xid 48, "
              "63, 64, 94, 95).").format(reset="sudo nvidia-smi -r -i <index>", dmesg="sudo dmesg -T | grep -i xid"),
        ))
    failing = []
    for gpu in facts.gpu.gpus:
        health = gpu.health
        if health is None or gpu.lost:
            continue
        if health.ecc_uncorrectable_volatile:
            failing.append(_("{gpu} logged {count} uncorrectable ECC error(s) since the driver loaded").format(
                gpu=_name(gpu), count=health.ecc_uncorrectable_volatile))
        if health.remapped_rows_failure:
            failing.append(_("{gpu} failed to remap a memory row (the GPU needs service)").format(gpu=_name(gpu)))
    if failing:
        found.append(Finding(
            "GPU_ECC_ERRORS", severity,
            "; ".join(failing) + ".",
            _("See the counters: {counters} and the kernel log: {dmesg}; reset the GPU ({reset}); if errors return or "
              "row remapping failed, have the GPU serviced.").format(
                counters="nvidia-smi -q -d ECC,ROW_REMAPPER,PAGE_RETIREMENT", dmesg="sudo dmesg -T | grep -i xid",
                reset="sudo nvidia-smi -r -i <index>"),
        ))
    return found


def sharing_findings(facts: CudaFacts, visible: tuple[Gpu, ...]) -> list[Finding]:
    """Memory other processes hold on the visible GPUs, and clocks slowed by heat or power."""
    found: list[Finding] = []
    held = []
    for gpu in visible:
        health = gpu.health
        if health is None or unusable_reason(gpu):
            continue
        processes = [p for p in _compute_processes(health) if p.used_memory_mib]
        used = sum(p.used_memory_mib for p in processes)
        if processes and (used >= 1024 or (gpu.memory_mib and used >= gpu.memory_mib / 10)):
            if gpu.memory_mib:
                text = _("{gpu}: {used} MiB of {total} MiB held by {who}")
            else:
                text = _("{gpu}: {used} MiB held by {who}")
            held.append(text.format(gpu=_name(gpu), used=used, total=gpu.memory_mib, who=_who(processes)))
    if held:
        growth = str(facts.env.get("TF_FORCE_GPU_ALLOW_GROWTH", "")).lower() == "true"
        found.append(Finding(
            "GPU_MEMORY_HELD", WARNING,
            _("Other processes hold GPU memory: {held}. TensorFlow maps nearly all free GPU memory when it starts, so "
              "jobs sharing a GPU run out of memory.").format(held="; ".join(held)),
            ("" if growth else _("{export} so each TensorFlow process takes memory as it needs it; ").format(
                export="export TF_FORCE_GPU_ALLOW_GROWTH=true"))
            + _("stop processes you own ({kill}) or choose a free GPU ({export}).").format(
                kill="kill <pid>", export="export CUDA_VISIBLE_DEVICES=<index>"),
        ))
    slowed = [f"{_name(gpu)}: {', '.join(gpu.health.throttle_reasons)}"
              for gpu in visible if gpu.health and gpu.health.throttle_reasons]
    if slowed:  # nvidia-smi -q "Clocks Event Reasons"; nvmlClocksEventReasons in the NVML API reference
        found.append(Finding(
            "GPU_THROTTLED", WARNING,
            _("GPU clocks are slowed by heat or power: {slowed}. Training runs slower than the GPU can.").format(
                slowed="; ".join(slowed)),
            _("Check temperatures, cooling and power: {command} (HW power brake: the board's power supply signalled; "
              "thermal: the GPU is too hot).").format(command="nvidia-smi -q -d PERFORMANCE,TEMPERATURE,POWER"),
        ))
    return found


def visibility_findings(facts: CudaFacts) -> list[Finding]:
    value = facts.env.get("CUDA_VISIBLE_DEVICES")
    if value is None or not facts.gpu.gpus:
        return []
    if visible_gpus(facts.gpu.gpus, value):
        return []
    return [
        Finding(
            "CUDA_VISIBLE_DEVICES_HIDES_ALL",
            ERROR,
            _("CUDA_VISIBLE_DEVICES={value} hides every GPU ({count} present), so CUDA and TensorFlow see none.")
            .format(value=repr(value), count=len(facts.gpu.gpus)),
            _("{unset} (or set it to the GPU indices to use, e.g. {export})").format(
                unset="unset CUDA_VISIBLE_DEVICES", export="export CUDA_VISIBLE_DEVICES=0"),
        )
    ]


# ------------------------------------------------------------------------------ TensorFlow


def tf_findings(facts: CudaFacts, builds: Mapping, drivers: Mapping, explained: bool = False) -> list[Finding]:
    """TensorFlow's view; `explained`: a GPU-level error already says why CUDA sees no usable GPU."""
    tf = facts.tf
    if tf is None:
        return []
    # the CUDA wheels only where there is NVIDIA hardware to use them (gigabytes otherwise wasted)
    nvidia = bool(facts.gpu.gpus or facts.gpu.pci_devices or facts.gpu.working_driver)
    install = pip_install(facts.python, "tensorflow[and-cuda]" if facts.platform.startswith("linux") and nvidia
                          else "tensorflow")
    if tf.status == NOT_INSTALLED:
        return [Finding("TF_NOT_INSTALLED", ERROR, _("TensorFlow is not installed in {python}.").format(
            python=facts.python), install)]
    if tf.status == CRASHED:
        sigill = tf.signal == "SIGILL"
        return [
            Finding(
                "TF_IMPORT_CRASHED",
                ERROR,
                _("Importing TensorFlow killed the interpreter: {problem}.").format(problem=tf.problem),
                (  # [8]
                    _("This CPU (or VM) lacks instructions the wheel uses; check: {command}. Use a CPU/VM that exposes "
                      "AVX, or a TensorFlow built without AVX.").format(
                        command="grep -o -w avx /proc/cpuinfo | head -1")
                    if sigill
                    else _("Reinstall TensorFlow in a fresh virtual environment ({install}) and check that no other "
                           "package replaced its libraries; run {command} to see where it dies.").format(
                        install=install, command="python -X faulthandler -c 'import tensorflow'")
                ),
            )
        ] + log_findings(facts)
    if tf.status == TIMED_OUT:
        return [
            Finding(
                "TF_IMPORT_TIMED_OUT",
                ERROR,
                _("Importing TensorFlow did not finish: {problem}.").format(problem=tf.problem),
                _("Run {command} to see where it stops; a hung GPU or a network file system are common causes. Rerun "
                  "with a longer --tf-timeout on a slow machine.").format(
                    command="python -X importtime -c 'import tensorflow'"),
            )
        ]
    if tf.status == IMPORT_FAILED:
        specific = log_findings(facts)
        return [
            Finding("TF_IMPORT_FAILED", ERROR,
                    _("import tensorflow failed: {problem}").format(problem=_short(tf.problem)),
                    specific[0].fix if specific else _("Reinstall TensorFlow in a fresh virtual environment: {install}")
                    .format(install=install))
        ] + specific
    if tf.status == GPU_FAILED:
        return [Finding("TF_GPU_LISTING_FAILED", ERROR,
                        _("TensorFlow {version} imports, but asking it for its GPUs failed: {problem}.").format(
                            version=tf.version or "", problem=tf.problem),
                        _("Run {command} to see where it fails; {no_tf} checks the driver without TensorFlow.").format(
                            command=f"{facts.python} -X faulthandler -c \"import tensorflow as tf; "
                                    "print(tf.config.list_physical_devices('GPU'))\"",
                            no_tf="check-cuda --no-tf"))] + log_findings(facts)
    if tf.status != OK:
        return [Finding("TF_PROBE_FAILED", ERROR, _("Asking TensorFlow about its GPUs failed: {problem}.").format(
            problem=tf.problem),
                        _("Run {command} to see the error.").format(
                            command=f"{facts.python} -c \"import tensorflow as tf; "
                                    "print(tf.config.list_physical_devices('GPU'))\""))]

    findings: list[Finding] = []
    row = tf_row(builds, tf.version)
    version = tf.version or "?"
    if row and not in_python_range(row["python"], facts.python_version):
        findings.append(
            Finding("PYTHON_UNSUPPORTED", ERROR,
                    _("TensorFlow {version} supports Python {supported}; this interpreter is {python}.").format(
                        version=version, supported=row["python"], python=".".join(map(str, facts.python_version))),
                    _("Use a Python in {supported} for TensorFlow {version}, or a TensorFlow release built for this "
                      "Python.").format(supported=row["python"], version=version))
        )
    if tf.cuda_build is False:
        findings.append(cpu_build_finding(facts, version))
        return findings + log_findings(facts)

    build_cuda = tf.build_info.get("cuda_version") or (row or {}).get("build_cuda")
    driver = facts.gpu.driver
    if facts.gpu.working_driver and build_cuda:
        findings += driver_findings(driver.version, driver.cuda_version, str(build_cuda), version, drivers)

    caps = [str(cap) for cap in tf.build_info.get("cuda_compute_capabilities") or (row or {}).get("capabilities") or []]
    visible = visible_gpus(facts.gpu.gpus, facts.env.get("CUDA_VISIBLE_DEVICES"))
    per_gpu = [capability_findings(gpu, caps, version) for gpu in visible]
    too_low = [found[0] for found in per_gpu if found and found[0].code == "COMPUTE_CAPABILITY_TOO_LOW"]
    if too_low and len(too_low) < len(per_gpu) and tf.gpus:
        # TensorFlow skips GPUs below its minimum ("Ignoring visible gpu device") and uses the others. [12]
        findings.append(Finding("GPUS_IGNORED", WARNING,
                                _("TensorFlow {version} uses {used} of {count} GPUs and ignores the rest: {which}")
                                .format(version=version, used=len(per_gpu) - len(too_low), count=len(per_gpu),
                                        which=" ".join(f.message.split("; ")[0] + "." for f in too_low)),
                                _("Nothing to do to train on the others; to hide the ignored ones set "
                                  "CUDA_VISIBLE_DEVICES to the usable GPUs' indices.")))
        per_gpu = [found for found in per_gpu if not (found and found[0].code == "COMPUTE_CAPABILITY_TOO_LOW")]
    elif len(too_low) > 1:
        findings.append(too_low[0]._replace(message=" ".join(f.message for f in too_low)))
        per_gpu = [found for found in per_gpu if not (found and found[0].code == "COMPUTE_CAPABILITY_TOO_LOW")]
    for found in per_gpu:
        findings += found

    findings += wheel_findings(facts, tf, build_cuda, row)
    if not tf.gpus and not explained:
        findings += no_gpu_listed_findings(facts, tf, row, version, findings)
    findings += log_findings(facts)
    return findings


def cpu_build_finding(facts: CudaFacts, version: str) -> Finding:
    platform, dists = facts.platform, facts.distributions
    if platform == "darwin":  # [19]
        fix = _("There is no CUDA on macOS. For Apple GPUs: {command}").format(
            command=pip_install(facts.python, "tensorflow-metal"))
    elif platform.startswith("win"):  # [18]
        fix = _("TensorFlow 2.10 was the last release with GPU support on native Windows: use WSL2 and {command} "
                "inside it, or tensorflow<2.11 with CUDA 11.2 and cuDNN 8.1.").format(
            command="pip install 'tensorflow[and-cuda]'")
    elif facts.machine in ("aarch64", "arm64"):
        fix = _("The PyPI tensorflow for Linux aarch64 is a CPU build; use NVIDIA's NGC TensorFlow container on ARM "
                "GPU hosts.")
    else:
        cpu_builds = ("tensorflow-cpu", "tensorflow-intel", "tensorflow-cpu-aws")
        cpu_dist = next((name for name in dists if name in cpu_builds), None)
        uninstall = f"{facts.python} -m pip uninstall -y {cpu_dist} && " if cpu_dist else ""
        fix = uninstall + pip_install(facts.python, f"tensorflow[and-cuda]=={version}")
    return Finding("TF_CPU_BUILD", ERROR,
                   _("This TensorFlow {version} is a CPU-only build (is_cuda_build is False): it cannot use a GPU.")
                   .format(version=version), fix)


def driver_findings(driver: str | None, driver_cuda: str | None, build_cuda: str, tf_version: str,
                    drivers: Mapping) -> list[Finding]:
    """The driver against the CUDA TensorFlow was built with: minor-version compatibility, then full support. [14]"""
    have = version_tuple(driver)
    if not have:
        return []
    major = build_cuda.split(".")[0]
    major_minor = ".".join(build_cuda.split(".")[:2])
    floor = drivers.get("minor_compat", {}).get(major, {}).get("min_linux")
    full = drivers.get("cuda", {}).get(major_minor, {}).get("min_linux")
    if floor and have < version_tuple(floor):
        return [
            Finding("DRIVER_TOO_OLD", ERROR,
                    _("Driver {driver} is older than {floor}, the oldest that runs CUDA {major}.x software; TensorFlow "
                      "{tf_version} was built with CUDA {build_cuda}.").format(
                        driver=driver, floor=floor, major=major, tf_version=tf_version, build_cuda=build_cuda),
                    _("Install an NVIDIA driver >= {minimum} (for CUDA {cuda}), e.g. {command}, then reboot.").format(
                        minimum=full or floor, cuda=major_minor, command="sudo ubuntu-drivers install"))
        ]
    if full and have < version_tuple(full):
        supports = _(" (supports CUDA {version})").format(version=driver_cuda) if driver_cuda else ""
        return [
            Finding("DRIVER_OLDER_THAN_BUILD", WARNING,
                    _("Driver {driver}{supports} is older than {full}, CUDA {cuda}'s driver, which TensorFlow "
                      "{tf_version} was built with. It runs through minor-version compatibility, but PTX and XLA code "
                      "from the newer toolkit can fail with CUDA_ERROR_UNSUPPORTED_PTX_VERSION.").format(
                        driver=driver, supports=supports, full=full, cuda=major_minor, tf_version=tf_version),
                    _("Upgrade the driver to >= {full}.").format(full=full))
        ]
    return []


def capability_findings(gpu: Gpu, caps: list[str], tf_version: str) -> list[Finding]:
    """Compute capability against the wheel's kernels: below the minimum, or only through PTX JIT. [12] [13]"""
    cc = version_tuple(gpu.compute_capability)
    parsed = [
        (kind, (int(digits[:-1]), int(digits[-1])))
        for kind, digits in (cap.split("_", 1) for cap in caps if "_" in cap)
        if digits.isdigit() and len(digits) >= 2
    ]
    if len(cc) < 2 or not parsed:
        return []
    cc = cc[:2]
    minimum = min(target for _kind, target in parsed)
    name = _("GPU {index} ({name}, compute capability {cc})").format(
        index=gpu.index, name=gpu.name or "NVIDIA GPU", cc=gpu.compute_capability)
    if cc < minimum:
        return [
            Finding("COMPUTE_CAPABILITY_TOO_LOW", ERROR,
                    # GPUS_IGNORED quotes what comes before "; " in every language
                    _("{gpu} is older than TensorFlow {tf_version} supports (minimum {minimum}); TensorFlow ignores "
                      "it.").format(gpu=name, tf_version=tf_version, minimum=f"{minimum[0]}.{minimum[1]}"),
                    _("Use an older TensorFlow whose minimum fits this GPU (2.16 for 5.x, 2.14 for 3.5/3.7) or a newer "
                      "GPU."))
        ]
    sass = [target for kind, target in parsed if kind == "sm" and target[0] == cc[0] and target[1] <= cc[1]]
    if sass:
        return []
    ptx = [target for kind, target in parsed if kind == "compute" and target <= cc]
    listed = ", ".join(caps)
    if ptx:
        blackwell = cc[0] >= 10
        return [
            Finding("PTX_JIT", WARNING,
                    _("TensorFlow {tf_version} has no compiled kernels for {gpu} (it has {listed}); the driver "
                      "compiles them from PTX on first use: a slow first start (minutes), then cached.").format(
                        tf_version=tf_version, gpu=name, listed=listed)
                    + (_(" On Blackwell GPUs (10.x/12.x) several reports show this JIT failing with "
                         "CUDA_ERROR_INVALID_PTX.") if blackwell else ""),
                    _("Keep the CUDA JIT cache large enough: {command}").format(
                        command="export CUDA_CACHE_MAXSIZE=4294967296")
                    + (_("; for Blackwell, NVIDIA's NGC TensorFlow container is built for these GPUs.")
                       if blackwell else ""))
        ]
    return [Finding("COMPUTE_CAPABILITY_UNSUPPORTED", ERROR,
                    _("TensorFlow {tf_version} has neither kernels nor PTX usable on {gpu} (it has {listed}).").format(
                        tf_version=tf_version, gpu=name, listed=listed),
                    _("Use a TensorFlow build that targets this GPU (NVIDIA's NGC container or a source build)."))]


def wheel_findings(facts: CudaFacts, tf: TfFacts, build_cuda: str | None, row: dict | None) -> list[Finding]:
    """pip CUDA/cuDNN wheels of another major than this TensorFlow's build, or a cuDNN older than
    the one it was built with (cuDNN needs the same major and an equal or higher minor). [4] [16]"""
    if not build_cuda:
        return []
    cudnn = str(tf.build_info.get("cudnn_version") or "").split(".")[0]
    # distribution stem -> (major TensorFlow needs, oldest major.minor it was built with, or None)
    want = {"nvidia-cuda-runtime": (build_cuda.split(".")[0], None)}
    if cudnn:
        built_cudnn = (row or {}).get("cudnn") if str((row or {}).get("cudnn", "")).split(".")[0] == cudnn else None
        want["nvidia-cudnn"] = (cudnn, built_cudnn)
    wrong = []
    for name, version in sorted(facts.distributions.items()):
        for stem, (major, oldest) in want.items():
            suffixes = ("cu11", "cu12", "cu13", stem.rsplit("-", 1)[-1])
            if not (name.startswith(stem) and name.rsplit("-", 1)[-1] in suffixes):
                continue
            if version.split(".")[0] != major:
                wrong.append(_("{name} {version} (TensorFlow needs {major}.x)").format(
                    name=name, version=version, major=major))
            elif oldest and version_tuple(version)[:2] < version_tuple(oldest)[:2]:
                wrong.append(_("{name} {version} (TensorFlow was built with {oldest}; it needs that or newer)").format(
                    name=name, version=version, oldest=oldest))
    if not wrong:
        return []
    return [
        Finding("CUDA_WHEELS_MISMATCH", WARNING if tf.gpus else ERROR,
                _("pip CUDA wheels do not match TensorFlow {version}'s build (CUDA {cuda}, cuDNN {cudnn}): {wrong}.")
                .format(version=tf.version, cuda=build_cuda, cudnn=cudnn or "?", wrong="; ".join(wrong)),
                _("{command}  (use separate environments for frameworks that need other CUDA majors)").format(
                    command=pip_install(facts.python, f"tensorflow[and-cuda]=={tf.version}")))
    ]


def no_gpu_listed_findings(facts: CudaFacts, tf: TfFacts, row: dict | None, version: str,
                           earlier: list[Finding]) -> list[Finding]:
    """TensorFlow lists no GPU although it is a CUDA build: say which library, or show its own words."""
    if not facts.gpu.working_driver or not usable_gpus(facts):
        return []  # no GPU / no driver / hidden / lost / held: already said by the GPU rules
    if any(f.code in ("COMPUTE_CAPABILITY_TOO_LOW", "DRIVER_TOO_OLD", "TF_CPU_BUILD") for f in earlier):
        return []
    failed = [check for check in tf.load_checks if not check.get("ok")]
    path_only = [check for check in tf.load_checks if check.get("ok") and check.get("by_name") is False]
    if version in (row or {}).get("broken_runpath_releases", ()) and (path_only or failed):  # [3]
        names = ", ".join(check["soname"] for check in (path_only or failed))
        return [Finding("TF_2_16_1_RUNPATH", ERROR,
                        _("TensorFlow {version} cannot find the [and-cuda] libraries it needs although they are "
                          "installed: {names}. Its libtensorflow_framework.so.2 only searches nvidia/cuda_runtime/lib "
                          "(tensorflow/tensorflow#63362).").format(version=version, names=names),
                        _("{command}  (or any release >= 2.17)").format(
                            command=pip_install(facts.python, "tensorflow[and-cuda]==2.16.2")))]
    driver_lib = next((check for check in failed if check.get("name") == "cuda"), None)
    if driver_lib:
        return [Finding("LIBCUDA_NOT_LOADABLE", ERROR,
                        _("TensorFlow cannot load the driver's CUDA library libcuda.so.1: {error}.").format(
                            error=driver_lib.get("error")),
                        _("Install the driver's CUDA user-space library (libcuda1 / nvidia-compute-utils of the "
                          "driver's version); in a container start it with --gpus all (NVIDIA Container Toolkit); on "
                          "WSL2 add /usr/lib/wsl/lib to the loader path."))]
    if failed:
        names = ", ".join(f"{check['soname']} ({_dependency_hint(check)})" for check in failed)
        if row and row.get("and_cuda") and facts.platform.startswith("linux"):
            fix = pip_install(facts.python, f"tensorflow[and-cuda]=={version}")
        elif row:
            fix = _("Install CUDA {cuda} and cuDNN {cudnn} (TensorFlow {version} has no [and-cuda] extra) and add "
                    "their lib directories to LD_LIBRARY_PATH").format(cuda=row["cuda"], cudnn=row["cudnn"],
                                                                        version=version)
        else:
            fix = pip_install(facts.python, f"tensorflow[and-cuda]=={version}")
        return [Finding("CUDA_LIBS_MISSING", ERROR,  # [1] [2] [4]
                        _("TensorFlow {version} lists no GPU because these libraries its GPU check needs do not "
                          "load: {names}.").format(version=version, names=names), fix)]
    if any(f.severity == ERROR for f in earlier):
        return []
    shown = [line.text for line in tf.log if line.kind not in ("onednn", "cpu_features", "absl_preamble", "other")][:6]
    return [Finding("TF_NO_GPU_UNEXPLAINED", ERROR,
                    _("Driver, GPU and libraries look right, yet TensorFlow {version} lists no GPU. Its own words: "
                      "{words}").format(version=version, words=" | ".join(shown) if shown else _("(nothing logged)")),
                    _("Rerun with verbose loader logging: {command}").format(
                        command=f"TF_CPP_MAX_VLOG_LEVEL=1 {facts.python} -c "
                                "\"import tensorflow as tf; print(tf.config.list_physical_devices('GPU'))\""))]


def _dependency_hint(check: Mapping) -> str:
    error = str(check.get("error") or _("not found"))
    named = re.match(r"([\w.+-]+\.so[\w.]*): cannot open shared object file", error)
    if named and named.group(1) != check.get("soname"):
        return _("it needs {library}, which is missing").format(library=named.group(1))
    return error


# ------------------------------------------------------------------------------ TensorFlow's own log lines

# kind -> (code, severity, message, fix): lines whose meaning does not depend on other facts.
_LOG_RULES: dict[str, tuple[str, str, str, str]] = {
    "driver_mismatch": ("DRIVER_LIBRARY_MISMATCH", ERROR,  # [6]
                        N_("TensorFlow reports a driver/library version mismatch: {text}"),
                        N_("Reboot (or reload the nvidia kernel modules) so the kernel module and libraries match.")),
    "cudnn_mismatch": ("CUDNN_VERSION_MISMATCH", ERROR, N_("TensorFlow loaded a cuDNN other than the one it was built "
                                                           "with: {text}"),
                       N_("Make TensorFlow's cuDNN the one loaded: drop old cuDNN directories from LD_LIBRARY_PATH, "
                          "reinstall its pin (pip install 'tensorflow[and-cuda]==<version>'), keep PyTorch in "
                          "another environment.")),  # [16]
    "ptx_unsupported": ("DRIVER_TOO_OLD_FOR_PTX", ERROR, N_("The driver is older than the CUDA toolkit that made the "
                                                            "code TensorFlow loads: {text}"),
                        N_("Upgrade the NVIDIA driver so nvidia-smi's 'CUDA Version' is at least the TensorFlow "
                           "build's and the installed nvidia-cuda-nvcc / nvidia-nvjitlink wheels' versions.")),  # [14]
    "libdevice_missing": ("XLA_LIBDEVICE_MISSING", WARNING, N_("XLA cannot find libdevice or ptxas: {text}"),
                          N_("pip install nvidia-cuda-nvcc-cu12 (part of [and-cuda]) or set "
                             "XLA_FLAGS=--xla_gpu_cuda_data_dir=<CUDA dir with nvvm/libdevice>.")),  # [15]
    "numpy_abi": ("NUMPY_ABI_MISMATCH", ERROR, N_("TensorFlow and the installed NumPy are binary-incompatible: {text}"),
                  N_("For TensorFlow <= 2.17: pip install 'numpy<2'; or upgrade TensorFlow to >= 2.18.")),  # [7]
    "protobuf": ("PROTOBUF_MISMATCH", ERROR, N_("The installed protobuf does not fit this TensorFlow: {text}"),
                 N_("Install the protobuf range TensorFlow requires (pip check shows the conflict).")),  # [10]
    "legacy_keras": ("LEGACY_KERAS_MISSING", ERROR, "{text}",
                     N_("pip install 'tf-keras~=<TensorFlow major.minor>' or unset TF_USE_LEGACY_KERAS.")),  # [11]
    "out_of_memory": ("GPU_OUT_OF_MEMORY", WARNING, N_("TensorFlow could not get GPU memory: {text}"),
                      N_("export TF_FORCE_GPU_ALLOW_GROWTH=true, and stop other processes on the GPU "
                         "(nvidia-smi lists them).")),  # [21]
    "tensorrt_missing": ("TENSORRT_MISSING", INFO, N_("TensorRT is not installed; only TF-TRT is unavailable, GPU use "
                                                      "is not affected."),
                         N_("Nothing to do unless you use TF-TRT.")),  # [5]
    "numa": ("NUMA_NODE_UNKNOWN", INFO,  # [9]
             N_("TensorFlow could not read the GPU's NUMA node and assumes node 0; harmless."), N_("Nothing to do.")),
    "duplicate_factory": ("DUPLICATE_FACTORY", INFO, N_("TensorFlow logged a duplicate cuDNN/cuFFT/cuBLAS factory "
                                                        "registration; harmless."),
                          N_("Nothing to do (TF_CPP_MIN_LOG_LEVEL=2 hides it).")),  # [20]
}


def log_findings(facts: CudaFacts) -> list[Finding]:
    tf = facts.tf
    if tf is None:
        return []
    findings: list[Finding] = []
    seen: set[str] = set()
    gpu_present = facts.gpu.working_driver and bool(facts.gpu.gpus)
    for line in tf.log:
        rule = _LOG_RULES.get(line.kind)
        if rule and rule[0] not in seen:
            code, severity, message, fix = rule
            seen.add(code)
            findings.append(Finding(code, severity, translate(message).format(text=_short(line.text)), translate(fix)))
        elif line.kind == "cuinit_failed" and gpu_present and not tf.gpus and "CUINIT_FAILED" not in seen:  # [17]
            seen.add("CUINIT_FAILED")
            findings.append(Finding("CUINIT_FAILED", ERROR,
                                    _("CUDA could not start: {text}").format(text=_short(line.text)),
                                    _("Check nvidia-smi works, CUDA_VISIBLE_DEVICES, and in a container --gpus all.")))
    return findings


def _short(text: str | None, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ------------------------------------------------------------------------------ everything


# The verdict headlines the first error, so errors are ordered from the most specific explanation of
# "CUDA sees no usable GPU" to the least: what keeps the GPU from this process (no passthrough, a driver
# that does not answer, a lost GPU, CUDA_VISIBLE_DEVICES, MIG, compute modes, a pending reset) before
# what TensorFlow's build and libraries say, and the generic symptoms last.
FIRST = ("CONTAINER_NO_GPU_ACCESS", "DRIVER_LIBRARY_MISMATCH", "GPU_QUERY_TIMED_OUT", "GPU_LOST", "GPU_UNREADABLE",
         "CUDA_VISIBLE_DEVICES_HIDES_ALL", "CUDA_VISIBLE_DEVICES_MIG", "MIG_NO_INSTANCES", "GPU_COMPUTE_PROHIBITED",
         "GPU_EXCLUSIVE_BUSY", "GPU_RESET_PENDING", "GPU_ECC_ERRORS")
LAST = ("CUINIT_FAILED", "TF_NO_GPU_UNEXPLAINED")


def _rank(code: str) -> int:
    if code in FIRST:
        return FIRST.index(code)
    return len(FIRST) + 1 + LAST.index(code) if code in LAST else len(FIRST)


def diagnose(facts: CudaFacts, builds: Mapping, drivers: Mapping) -> list[Finding]:
    """Every finding for these facts: errors first, the most specific cause first, otherwise in a stable order."""
    gpu = gpu_findings(facts)
    explained = any(f.severity == ERROR for f in gpu)
    findings = gpu + tf_findings(facts, builds, drivers, explained) + toolkit_findings(facts)
    unique: list[Finding] = []
    for finding in findings:
        if all(f.code != finding.code for f in unique):
            unique.append(finding)
    order = {ERROR: 0, WARNING: 1, INFO: 2}
    return sorted(unique, key=lambda f: (order.get(f.severity, 3), _rank(f.code)))


def headline(facts: CudaFacts, found: list[Finding], is_ready: bool) -> str:
    """The verdict in one line: what is ready, or the first error (the most specific cause) in words."""
    visible = visible_gpus(facts.gpu.gpus, facts.env.get("CUDA_VISIBLE_DEVICES"))
    if is_ready:
        if facts.tf is not None:
            count = len(facts.tf.gpus)
            described = describe_gpus(visible[:count] if len(visible) >= count else visible) \
                or _("{count} GPU(s)").format(count=count)
            return _("GPU ready: TensorFlow {version} sees {gpus}").format(version=facts.tf.version, gpus=described)
        driver = facts.gpu.driver
        cuda = _(" (supports CUDA {version})").format(version=driver.cuda_version) if driver.cuda_version else ""
        return _("GPU ready: {gpus}, driver {driver}{cuda}").format(gpus=describe_gpus(visible), driver=driver.version,
                                                                    cuda=cuda)
    worst = next((f for f in found if f.severity == ERROR), None) or next(iter(found), None)
    reason = worst.message if worst else _("no GPU is usable")
    first = reason.split(". ")[0].rstrip(".")  # the first sentence, in every language
    if facts.tf is not None:
        return _("not ready: TensorFlow cannot use a GPU: {reason}").format(reason=first)
    return _("not ready: no usable GPU: {reason}").format(reason=first)


def describe_gpus(gpus) -> str:
    """'1 × NVIDIA H200 (140 GiB, compute capability 9.0)'; mixed models are listed one by one."""
    if not gpus:
        return ""
    groups: dict[tuple, int] = {}
    for gpu in gpus:
        key = (gpu.name or "NVIDIA GPU", gpu.memory_mib, gpu.compute_capability)
        groups[key] = groups.get(key, 0) + 1
    parts = []
    for (name, memory, cc), count in groups.items():
        details = [f"{memory // 1024} GiB" if memory else None,
                   _("compute capability {cc}").format(cc=cc) if cc else None]
        details = [d for d in details if d]
        parts.append(f"{count} × {name}" + (f" ({', '.join(details)})" if details else ""))
    return ", ".join(parts)


def toolkit_findings(facts: CudaFacts) -> list[Finding]:
    toolkit = next((t for t in facts.toolkits if t.version), None)
    if toolkit is None or facts.tf is None or facts.tf.status != OK or not facts.tf.cuda_build:
        return []
    build = str(facts.tf.build_info.get("cuda_version") or "?")
    return [Finding("TOOLKIT_NOT_USED", INFO,
                    _("A CUDA {version} toolkit is installed ({source}); pip TensorFlow does not use it: it loads CUDA "
                      "{major} libraries by name (from the [and-cuda] wheels or the loader path).").format(
                        version=toolkit.version, source=toolkit.source, major=build.split(".")[0]),
                    _("Nothing to do; the toolkit is only needed to compile CUDA code yourself."))]


def ready(facts: CudaFacts, findings: list[Finding]) -> bool:
    """With TensorFlow: it lists at least one GPU, and the GPU facts do not say every visible one is
    unusable (TensorFlow lists a GPU another process holds exclusively, then fails on its first op).
    Without: a working driver shows a visible GPU nothing known keeps from CUDA, and no GPU-level
    finding is an error (a driver/library mismatch, a hung query, CUDA_VISIBLE_DEVICES naming a MIG
    GPU's parent); what TensorFlow or the platform would make of the GPU is not asked with --no-tf."""
    blocked = facts.gpu.working_driver and bool(facts.gpu.gpus) and not usable_gpus(facts)
    if facts.tf is not None:
        return facts.tf.status == OK and bool(facts.tf.gpus) and not blocked
    return (
        facts.gpu.working_driver
        and not blocked
        and bool(visible_gpus(facts.gpu.gpus, facts.env.get("CUDA_VISIBLE_DEVICES")))
        and not any(f.severity == ERROR and f.code in FIRST for f in findings)
    )
