"""NVIDIA GPUs and the driver: NVML first, then nvidia-smi, then /proc/driver/nvidia; PCI devices.

Each source has a thin reader (runs a program or reads a file; the runner and the root directory
are injectable so tests point them at captured outputs) and a pure parser from text to frozen
records (typing.NamedTuple). `probe()` tries the sources in order and says which one answered.

Sources, in order:
1. NVML through nvidia-ml-py, in a child process (`probes/inside/nvml_facts.py`) because NVML can
   hang; it alone gives the newest CUDA the driver supports without a second program.
2. `nvidia-smi --query-gpu=... --format=csv,noheader,nounits` (one line per GPU) and, alongside it,
   `nvidia-smi -q -x` for the CUDA version and the health facts the CSV form does not carry.
3. `/proc/driver/nvidia/version` and `/proc/driver/nvidia/gpus/*/information` (kernel module only).
`/sys/bus/pci/devices/*` (vendor 0x10de) tells "a GPU without a working driver" from "no GPU".

Health and sharing facts per GPU (`GpuHealth`): a lost GPU, MIG mode and instances, compute mode,
the processes on it, ECC mode and uncorrectable errors, retired pages / remapped rows pending, the
clock-event (throttle) reasons that matter, persistence mode. Field meanings follow the NVML API
reference (https://docs.nvidia.com/deploy/nvml-api/) and nvidia-smi's documentation
(https://docs.nvidia.com/deploy/nvidia-smi/).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable

from envcheck import runner
from envcheck.model import (  # noqa: F401 (the records live in the model; re-exported for the probe's callers)
    NVML,
    PROC,
    SMI_CSV,
    SMI_XML,
    Driver,
    Gpu,
    GpuFacts,
    GpuHealth,
    GpuProcess,
    PciDevice,
    SourceFailure,
)
from envcheck.probes import read_text

# What we ask nvidia-smi for; parse_nvidia_smi_csv reads the columns in this order.
QUERY_FIELDS = (
    "index",
    "name",
    "uuid",
    "driver_version",
    "memory.total",
    "memory.used",
    "compute_cap",
    "pci.bus_id",
    "temperature.gpu",
    "utilization.gpu",
)
# A busy multi-GPU host can take ten seconds to answer nvidia-smi; stay well above that.
DEFAULT_TIMEOUT = 20.0
NVIDIA_VENDOR = "0x10de"


Runner = Callable[..., runner.CommandResult]


# Clock-event ("throttle") reasons that slow a GPU for a reason worth fixing, by NVML bit
# (nvmlClocksEventReasons in the NVML API reference; nvidia-smi -q "Clocks Event Reasons").
# Idle, application clocks, the software power cap and sync boost are normal operation.
THROTTLE_REASONS = {
    0x8: "hw_slowdown",
    0x20: "sw_thermal_slowdown",
    0x40: "hw_thermal_slowdown",
    0x80: "hw_power_brake_slowdown",
}
# nvmlComputeMode_t (NVML API reference); nvidia-smi -q writes the same names capitalised.
COMPUTE_MODES = {0: "default", 1: "exclusive_thread", 2: "prohibited", 3: "exclusive_process"}


# ----------------------------------------------------------------------------------- parsers


def parse_nvml_json(text: str) -> tuple[Driver, tuple[Gpu, ...]] | str:
    """nvml_facts.py's answer as text (or the captured pynvml.json) -> (driver, gpus), or NVML's error text."""
    import json  # NVML answers only on GPU hosts; the --no-tf fast path elsewhere never parses one

    return parse_nvml_data(json.loads(text))


def parse_nvml_data(data: dict) -> tuple[Driver, tuple[Gpu, ...]] | str:
    """nvml_facts.py's answer, already decoded by the runner -> (driver, gpus), or NVML's error text."""
    if data.get("error"):
        return str(data["error"])
    cuda = data.get("cuda_driver")
    driver = Driver(version=data.get("driver"), cuda_version=cuda_from_int(cuda))
    gpus = []
    for device in data.get("devices", []):
        cc = device.get("cc")
        mig = device.get("mig")
        gpus.append(
            Gpu(
                index=int(device.get("index", len(gpus))),
                name=device.get("name"),
                uuid=device.get("uuid"),
                memory_mib=_mib(device.get("mem_total")),
                compute_capability=f"{cc[0]}.{cc[1]}" if cc else None,
                pci_bus_id=device.get("pci"),
                mig=None if not mig else _enabled(mig[0]),
                error=device.get("error"),
                health=parse_nvml_health(device),
            )
        )
    return driver, tuple(gpus)


# NVML errors that mean the device cannot be used until it is reset: GPU_IS_LOST (15),
# RESET_REQUIRED (16) (nvmlReturn_t, NVML API reference).
_LOST_CODES = (15, 16)


def parse_nvml_health(device: dict) -> GpuHealth:
    """One device of nvml_facts.py's answer -> GpuHealth (NVML's raw values named)."""
    if device.get("error"):
        lost = device.get("error_code") in _LOST_CODES or _is_lost_text(device["error"])
        return GpuHealth(lost=lost)
    mig, ecc = device.get("mig") or (None, None), device.get("ecc") or (None, None)
    uncorrected = device.get("ecc_uncorrected") or (None, None)
    remapped = device.get("remapped_rows") or (None, None, None, None)
    reasons = device.get("clocks_event_reasons")
    processes = device.get("processes")
    retired = device.get("retired_pending")
    return GpuHealth(
        mig_mode=_enabled(mig[0]),
        mig_pending=_enabled(mig[1]),
        mig_instances=len(device.get("mig_devices") or ()) if mig[0] else None,
        mig_uuids=tuple(device.get("mig_devices") or ()),
        compute_mode=COMPUTE_MODES.get(device.get("compute_mode")),
        processes=None if processes is None else tuple(
            GpuProcess(p.get("pid"), p.get("name"), _mib(p.get("used_memory")), "+".join(p.get("type") or "") or None)
            for p in processes
        ),
        memory_used_mib=_mib(device.get("mem_used")),
        ecc_mode=_enabled(ecc[0]),
        ecc_pending=_enabled(ecc[1]),
        ecc_uncorrectable_volatile=uncorrected[0],
        ecc_uncorrectable_aggregate=uncorrected[1],
        retired_pages_pending=None if retired is None else bool(retired),
        remapped_rows_pending=None if remapped[2] is None else bool(remapped[2]),
        remapped_rows_failure=None if remapped[3] is None else bool(remapped[3]),
        throttle_reasons=None if reasons is None else tuple(
            name for bit, name in THROTTLE_REASONS.items() if reasons & bit
        ),
        persistence_mode=_enabled(device.get("persistence")),
    )


def _mib(value: int | None) -> int | None:
    return value // (1024 * 1024) if isinstance(value, int) else None


def _enabled(value) -> str | None:
    """NVML's nvmlEnableState_t (1/0) -> "enabled"/"disabled"; None stays None."""
    return None if value is None else ("enabled" if value else "disabled")


def _is_lost_text(text: str) -> bool:
    return bool(re.search(r"GPU is lost|fallen off the bus|Unknown Error|reset", text, re.IGNORECASE))


def cuda_from_int(value: int | None) -> str | None:
    """NVML's CUDA driver version 13000 -> "13.0" (1000 * major + 10 * minor)."""
    if not value:
        return None
    return f"{value // 1000}.{(value % 1000) // 10}"


def parse_nvidia_smi_csv(text: str, fields: tuple[str, ...] = QUERY_FIELDS) -> tuple[Driver, tuple[Gpu, ...]]:
    """`nvidia-smi --query-gpu=<fields> --format=csv[,noheader][,nounits]` -> (driver, gpus).

    A header line (``index, name, ...``) names the columns when present; otherwise `fields` does.
    Units (``143771 MiB``) and ``[N/A]`` values are tolerated. Raises ValueError on lines that are
    not CSV rows of the expected width.
    """
    lines, lost = [], []
    for line in text.splitlines():
        unreachable = re.search(_UNREACHABLE, line)
        if unreachable:
            lost.append((unreachable.group(1), unreachable.group(2).strip()))
        elif line.strip():
            lines.append(line)
    columns = list(fields)
    if lines and lines[0].split(",")[0].strip() == "index":
        columns = [re.sub(r"\s*\[.*\]$", "", part.strip()) for part in lines[0].split(",")]
        lines = lines[1:]
    gpus, driver_version = [], None
    for line in lines:
        parts = [part.strip() for part in line.split(",")]
        if len(parts) != len(columns):
            raise ValueError(f"expected {len(columns)} comma-separated values, got: {line.strip()[:120]!r}")
        row = {name: (None if value in ("[N/A]", "N/A", "[Not Supported]") else value)
               for name, value in zip(columns, parts)}
        if row.get("index") is None or not row["index"].isdigit():
            raise ValueError(f"not a GPU row: {line.strip()[:120]!r}")
        driver_version = driver_version or row.get("driver_version")
        gpus.append(
            Gpu(
                index=int(row["index"]),
                name=row.get("name"),
                uuid=row.get("uuid"),
                memory_mib=_leading_int(row.get("memory.total")),
                compute_capability=row.get("compute_cap"),
                pci_bus_id=row.get("pci.bus_id"),
            )
        )
    return Driver(version=driver_version), tuple(gpus) + lost_gpus(lost, {gpu.index for gpu in gpus})


# What nvidia-smi prints for a GPU it cannot open (a GPU that fell off the bus, Xid 79), in place of
# its row: "Unable to determine the device handle for GPU0000:3B:00.0: Unknown Error" (the space
# after "GPU" comes and goes between driver versions).
# A pattern, not a compiled one: re compiles it on first use (only on GPU hosts), off the no-GPU fast path.
_UNREACHABLE = (r"Unable to determine the device handle for GPU\s*"
                r"([0-9A-Fa-f]+:[0-9A-Fa-f]+:[0-9A-Fa-f]+\.[0-9A-Fa-f]):?\s*(.*)")


def parse_unreachable(text: str) -> tuple[Gpu, ...]:
    """Every 'Unable to determine the device handle' line of nvidia-smi's output -> lost GPU records."""
    found = [(match.group(1), match.group(2).strip()) for match in re.finditer(_UNREACHABLE, text)]
    return lost_gpus(found, set())


def lost_gpus(found: list[tuple[str, str]], taken: set[int]) -> tuple[Gpu, ...]:
    """(bus id, error) pairs -> Gpu records marked lost, numbered after the indices already taken."""
    gpus = []
    index = 0
    for bus, error in found:
        while index in taken:
            index += 1
        taken.add(index)
        gpus.append(Gpu(index=index, pci_bus_id=bus, error="nvidia-smi: unable to determine the device handle: "
                                                           f"{error or 'Unknown Error'}",
                        health=GpuHealth(lost=True)))
    return tuple(gpus)


def _leading_int(value: str | None) -> int | None:
    match = re.match(r"\d+", value or "")
    return int(match.group()) if match else None


def parse_nvidia_smi_xml(text: str) -> tuple[Driver, tuple[Gpu, ...]]:
    """`nvidia-smi -q -x` -> (driver, gpus). It has no compute capability; that stays None."""
    import xml.etree.ElementTree as ElementTree  # only on this fallback path

    root = ElementTree.fromstring(text)
    driver = Driver(version=_xml_text(root, "driver_version"), cuda_version=_xml_text(root, "cuda_version"))
    gpus = []
    for index, gpu in enumerate(root.findall("gpu")):
        health = parse_xml_health(gpu)
        gpus.append(
            Gpu(
                index=index,
                name=_xml_text(gpu, "product_name"),
                uuid=_xml_text(gpu, "uuid"),
                memory_mib=_leading_int(_xml_text(gpu, "fb_memory_usage/total")),
                pci_bus_id=_xml_text(gpu, "pci/pci_bus_id") or gpu.get("id"),
                mig=health.mig_mode,
                health=health,
            )
        )
    return driver, tuple(gpus)


def parse_xml_health(gpu) -> GpuHealth:
    """One <gpu> element of `nvidia-smi -q -x` -> GpuHealth. Tags as nvidia-smi 580 writes them, with
    the older names where they differ (clocks_throttle_reasons before the clocks_event_reasons rename,
    ECC's single_bit/double_bit counters before the sram/dram split)."""
    mig_mode = _xml_state(gpu, "mig_mode/current_mig")
    mig_devices = gpu.find("mig_devices")
    processes = gpu.find("processes")
    reasons = gpu.find("clocks_event_reasons")
    if reasons is None:
        reasons = gpu.find("clocks_throttle_reasons")
    active = None
    if reasons is not None:
        active = tuple(
            name for name in THROTTLE_REASONS.values()
            if any(child.tag.endswith("_" + name) and (child.text or "").strip() == "Active" for child in reasons)
        )
    return GpuHealth(
        mig_mode=mig_mode,
        mig_pending=_xml_state(gpu, "mig_mode/pending_mig"),
        mig_instances=(len(mig_devices.findall("mig_device"))
                       if mig_devices is not None and mig_mode == "enabled" else None),
        compute_mode=(_xml_text(gpu, "compute_mode") or "").lower() or None,
        processes=None if processes is None else tuple(
            GpuProcess(
                pid=_leading_int(_xml_text(process, "pid")),
                name=_xml_text(process, "process_name"),
                used_memory_mib=_leading_int(_xml_text(process, "used_memory")),
                type=_xml_text(process, "type"),
            )
            for process in processes.findall("process_info")
        ),
        memory_used_mib=_leading_int(_xml_text(gpu, "fb_memory_usage/used")),
        ecc_mode=_xml_state(gpu, "ecc_mode/current_ecc"),
        ecc_pending=_xml_state(gpu, "ecc_mode/pending_ecc"),
        ecc_uncorrectable_volatile=_uncorrectable(gpu.find("ecc_errors/volatile")),
        ecc_uncorrectable_aggregate=_uncorrectable(gpu.find("ecc_errors/aggregate")),
        retired_pages_pending=_xml_yes(gpu, "retired_pages/pending_retirement"),
        remapped_rows_pending=_xml_yes(gpu, "remapped_rows/remapped_row_pending"),
        remapped_rows_failure=_xml_yes(gpu, "remapped_rows/remapped_row_failure"),
        throttle_reasons=active,
        persistence_mode=_xml_state(gpu, "persistence_mode"),
    )


def _xml_state(element, path: str) -> str | None:
    """'Enabled' / 'Disabled' -> 'enabled' / 'disabled'; 'N/A' and absent -> None."""
    value = (_xml_text(element, path) or "").lower()
    return value if value in ("enabled", "disabled") else None


def _xml_yes(element, path: str) -> bool | None:
    value = _xml_text(element, path)
    return {"Yes": True, "No": False}.get(value or "")


def _uncorrectable(counters) -> int | None:
    """Uncorrectable ECC errors in one <volatile>/<aggregate> block: the sram/dram *uncorrectable*
    counters (driver 535+), else the older double_bit/total; None when every counter is N/A."""
    if counters is None:
        return None
    values = [_leading_int(child.text) for child in counters if "uncorrectable" in child.tag]
    if not values:
        values = [_leading_int(_xml_text(counters, "double_bit/total"))]
    known = [value for value in values if value is not None]
    return sum(known) if known else None


def with_health(gpus: tuple[Gpu, ...], detailed: tuple[Gpu, ...]) -> tuple[Gpu, ...]:
    """The CSV's GPUs (they carry the compute capability) with the health facts of `-q -x`'s, matched
    by PCI bus id, then UUID, then position."""
    merged = []
    for position, gpu in enumerate(gpus):
        match = next((d for d in detailed if gpu.pci_bus_id and _same_bus(d.pci_bus_id, gpu.pci_bus_id)), None)
        match = match or next((d for d in detailed if gpu.uuid and d.uuid == gpu.uuid), None)
        if match is None and len(detailed) == len(gpus):
            match = detailed[position]
        if match is not None and gpu.health is None:
            gpu = gpu._replace(health=match.health, mig=gpu.mig or match.mig)
        merged.append(gpu)
    return tuple(merged)


_LIST_GPU = r"^GPU (\d+): .*\(UUID: (GPU-[0-9a-fA-F-]+)\)"
_LIST_MIG = r"^\s+MIG .*\(UUID: (MIG-[^)\s]+)\)"  # MIG-<uuid>; older drivers: MIG-GPU-<uuid>/<gi>/<ci>


def parse_nvidia_smi_list(text: str) -> dict[str, tuple[str, ...]]:
    """`nvidia-smi -L` -> {GPU UUID: (its MIG devices' UUIDs, ...)}. MIG devices are the indented lines
    ("  MIG 1g.18gb     Device  0: (UUID: MIG-...)") under their GPU's line."""
    found: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        gpu = re.match(_LIST_GPU, line)
        if gpu:
            current = found.setdefault(gpu.group(2), [])
            continue
        mig = re.match(_LIST_MIG, line)
        if mig and current is not None:
            current.append(mig.group(1))
    return {uuid: tuple(migs) for uuid, migs in found.items()}


def with_mig_uuids(gpus: tuple[Gpu, ...], listing: dict[str, tuple[str, ...]]) -> tuple[Gpu, ...]:
    """GPUs whose health gains the MIG device UUIDs `nvidia-smi -L` lists under them."""
    return tuple(
        gpu._replace(health=gpu.health._replace(mig_uuids=listing[gpu.uuid]))
        if gpu.health and gpu.uuid in listing and listing[gpu.uuid] else gpu
        for gpu in gpus
    )


def _same_bus(left: str | None, right: str | None) -> bool:
    """PCI bus ids compare case-insensitively and without the domain's leading zeros (00000000:3B:00.0)."""
    def norm(bus):
        return (bus or "").lower().split(":", 1)[-1] if (bus or "").count(":") == 2 else (bus or "").lower()

    return bool(left and right) and norm(left) == norm(right)


def _xml_text(element, path: str) -> str | None:
    found = element.find(path)
    text = found.text.strip() if found is not None and found.text else None
    return text or None


_NVRM = re.compile(r"NVRM version:.*?\s(\d+\.\d+(?:\.\d+)?)\s")


def parse_proc_version(text: str) -> str | None:
    """/proc/driver/nvidia/version -> the kernel module's version ("580.159.04"), or None."""
    match = _NVRM.search(text + " ")
    return match.group(1) if match else None


def parse_proc_gpu_information(text: str, index: int) -> Gpu:
    """/proc/driver/nvidia/gpus/<bus>/information -> a Gpu (name, UUID, bus location only)."""
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            values[key.strip()] = value.strip()
    return Gpu(index=index, name=values.get("Model"), uuid=values.get("GPU UUID"),
               pci_bus_id=values.get("Bus Location"))


def parse_smi_version(text: str) -> str | None:
    """`nvidia-smi --version` -> the CUDA version the driver supports ("CUDA Version : 13.0"), or None."""
    match = re.search(r"^CUDA Version\s*:\s*(\d+\.\d+)", text, re.MULTILINE)
    return match.group(1) if match else None


def parse_smi_failure(text: str) -> str:
    """The line of a failing nvidia-smi that says why (e.g. 'Failed to initialize NVML: ...')."""
    for line in text.splitlines():
        if "NVML" in line or "NVIDIA-SMI has failed" in line or "couldn't communicate" in line:
            return line.strip()
    return runner.last_line(text)


# ----------------------------------------------------------------------------------- readers


def read_nvml(timeout: float = DEFAULT_TIMEOUT, python: str | None = None, env=None) -> runner.TargetResult:
    """Run nvml_facts.py with `python` (default: envcheck's own interpreter, which has nvidia-ml-py)."""
    return runner.run_target_script(python or sys.executable, "nvml_facts.py", (), timeout=timeout, env=env)


def read_smi(args: tuple[str, ...], timeout: float = DEFAULT_TIMEOUT, run: Runner = runner.run) -> runner.CommandResult:
    return run(["nvidia-smi", *args], timeout=timeout)


CSV_ARGS = ("--query-gpu=" + ",".join(QUERY_FIELDS), "--format=csv,noheader,nounits")
XML_ARGS = ("-q", "-x")


def read_proc(root: str = "/") -> tuple[str | None, dict[str, str]]:
    """(/proc/driver/nvidia/version text or None, {bus: information text}) under `root`."""
    base = os.path.join(root, "proc/driver/nvidia")
    version = read_text(os.path.join(base, "version"))
    infos = {}
    gpus_dir = os.path.join(base, "gpus")
    for bus in sorted(_listdir(gpus_dir)):
        text = read_text(os.path.join(gpus_dir, bus, "information"))
        if text is not None:
            infos[bus] = text
    return version, infos


def read_pci(root: str = "/") -> tuple[PciDevice, ...]:
    """NVIDIA devices (vendor 0x10de) of a display or 3D class under <root>/sys/bus/pci/devices."""
    base = os.path.join(root, "sys/bus/pci/devices")
    found = []
    for address in sorted(_listdir(base)):
        device = os.path.join(base, address)
        if (read_text(os.path.join(device, "vendor")) or "").strip().lower() != NVIDIA_VENDOR:
            continue
        pci_class = (read_text(os.path.join(device, "class")) or "").strip().lower() or None
        if pci_class and not pci_class.startswith("0x03"):
            continue  # NVIDIA audio / USB / bridge functions of the same card
        driver_link = os.path.join(device, "driver")
        kernel_driver = os.path.basename(os.readlink(driver_link)) if os.path.islink(driver_link) else None
        device_id = (read_text(os.path.join(device, "device")) or "").strip() or None
        found.append(PciDevice(address, device_id, pci_class, kernel_driver))
    return tuple(found)


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def read_device_nodes(root: str = "/") -> tuple[str, ...]:
    """The NVIDIA device nodes under <root>/dev (nvidia0, nvidiactl, nvidia-uvm, ...; dxg on WSL2), sorted."""
    names = _listdir(os.path.join(root, "dev"))
    return tuple(sorted(name for name in names if name.startswith("nvidia") or name == "dxg"))


def nvml_plausible(root: str = "/") -> bool:
    """Whether loading NVML could answer: a driver is loaded (or WSL2's), or nvidia-smi exists.

    On a machine with none of these, starting a child to import pynvml only to hear "NVML Shared
    Library Not Found" costs ~50 ms for nothing.
    """
    return (
        os.path.exists(os.path.join(root, "proc/driver/nvidia/version"))
        or bool({"nvidiactl", "dxg"} & set(read_device_nodes(root)))
        or runner.which("nvidia-smi") is not None
    )


# ----------------------------------------------------------------------------------- probe


def probe(
    timeout: float = DEFAULT_TIMEOUT,
    root: str = "/",
    run: Runner = runner.run,
    nvml: Callable[[float], runner.TargetResult] | None = read_nvml,
    prefer: str = NVML,
) -> GpuFacts:
    """Ask the sources in order; the first that lists the driver answers. Never raises for the machine.

    `prefer=NVML` asks NVML first (what the driver itself says; ~190 ms on a GPU host, a Python child
    importing pynvml). `prefer=SMI_CSV` asks nvidia-smi first (~25 ms there): the --no-tf fast path.
    """
    import time  # only when the GPU query is timed

    started = time.monotonic()
    failures: list[SourceFailure] = []
    pci = read_pci(root)
    proc_version, proc_infos = read_proc(root)
    kernel_module = parse_proc_version(proc_version) if proc_version else None

    nodes = read_device_nodes(root)

    def done(source, driver, gpus):
        driver = Driver(driver.version, driver.cuda_version, kernel_module)
        return GpuFacts(source, tuple(gpus), driver, tuple(failures), pci, time.monotonic() - started, nodes)

    def from_nvml():
        if nvml is None or not nvml_plausible(root):
            return None
        result = nvml(timeout)
        if not result.ok:
            failures.append(SourceFailure(NVML, result.command.status, result.problem or "no answer"))
            return None
        parsed = parse_nvml_data(result.data)
        if isinstance(parsed, str):
            failures.append(SourceFailure(NVML, "failed", parsed))
            return None
        return done(NVML, *parsed)

    def from_smi():
        answer = _ask_smi(timeout, run, failures)
        return done(*answer) if answer else None

    for source in (from_nvml, from_smi) if prefer == NVML else (from_smi, from_nvml):
        answer = source()
        if answer is not None:
            return answer
    if proc_version is not None:
        gpus = [parse_proc_gpu_information(text, index) for index, text in enumerate(proc_infos.values())]
        return done(PROC, Driver(), gpus)
    return done(None, Driver(), [])


def _ask_smi(timeout: float, run: Runner, failures: list[SourceFailure]):
    """(source, driver, gpus) from nvidia-smi, or None; failures are appended as they happen.

    `--query-gpu` (the compute capability) and `-q -x` (the CUDA version and the health facts) run
    side by side, the second in a thread. A GPU nvidia-smi cannot open ("Unable to determine the
    device handle") is a lost GPU record, and the driver still answered: its version then comes
    from the other GPUs' rows, `-q -x`, or `nvidia-smi --version`.
    """
    import threading  # only for the query's deadline

    detail: list[runner.CommandResult] = []
    asking = threading.Thread(target=lambda: detail.append(read_smi(XML_ARGS, timeout, run)), daemon=True)
    asking.start()
    csv = read_smi(CSV_ARGS, timeout, run)
    asking.join()
    xml_failures: list[SourceFailure] = []
    xml = _parse_smi_xml(detail[0], xml_failures) if detail else None
    unreachable = parse_unreachable(csv.stdout + "\n" + csv.stderr) if not csv.ok else ()
    if not csv.ok and not unreachable:
        failures.append(_smi_failure(SMI_CSV, csv))
        # A failing program (missing, hung, no driver) fails -q -x the same way; only an old
        # nvidia-smi that rejects a query field ("not a valid field") is worth the second form.
        if csv.status == runner.EXITED and "field" in (csv.stdout + csv.stderr).lower():
            failures.extend(xml_failures)
            return (SMI_XML, *xml) if xml else None
        return None
    try:
        driver, gpus = parse_nvidia_smi_csv(csv.stdout if csv.ok else csv.stdout + "\n" + csv.stderr)
    except ValueError as error:
        failures.append(SourceFailure(SMI_CSV, "unparsable", str(error)))
        return None
    gpus = with_health(gpus, xml[1] if xml else ())
    if any(g.health and g.health.mig_instances and not g.health.mig_uuids for g in gpus):
        # -q -x counts MIG devices but does not name them; -L does (for CUDA_VISIBLE_DEVICES=MIG-...)
        listing = read_smi(("-L",), timeout, run)
        if listing.ok:
            gpus = with_mig_uuids(gpus, parse_nvidia_smi_list(listing.stdout))
    version_text = None
    cuda_version = xml[0].cuda_version if xml else None
    if not cuda_version or not (driver.version or (xml and xml[0].version)):
        version = read_smi(("--version",), timeout, run)
        version_text = version.stdout if version.ok else None
        cuda_version = cuda_version or (parse_smi_version(version_text) if version_text else None)
    driver_version = (driver.version or (xml[0].version if xml else None)
                      or (parse_smi_driver(version_text) if version_text else None))
    return SMI_CSV, Driver(driver_version, cuda_version), gpus


def parse_smi_driver(text: str) -> str | None:
    """`nvidia-smi --version` -> the driver's version ("DRIVER version : 580.159.04"), or None."""
    match = re.search(r"^DRIVER version\s*:\s*(\S+)", text, re.MULTILINE | re.IGNORECASE)
    return match.group(1) if match else None


def _parse_smi_xml(xml: runner.CommandResult, failures: list[SourceFailure]):
    """(driver, gpus) of a `-q -x` answer, or None with the reason appended to failures."""
    if not xml.ok:
        failures.append(_smi_failure(SMI_XML, xml))
        return None
    try:
        return parse_nvidia_smi_xml(xml.stdout)
    except SyntaxError as error:  # ElementTree.ParseError
        failures.append(SourceFailure(SMI_XML, "unparsable", str(error)))
        return None


def _smi_failure(source: str, result: runner.CommandResult) -> SourceFailure:
    if result.status == runner.EXITED:
        why = parse_smi_failure(result.stdout + "\n" + result.stderr)
        return SourceFailure(source, result.status, f"{why} (exit status {result.returncode})")
    return SourceFailure(source, result.status, result.describe())
