"""NVIDIA GPUs and the driver: NVML first, then nvidia-smi, then /proc/driver/nvidia; PCI devices.

Each source has a thin reader (runs a program or reads a file; the runner and the root directory
are injectable so tests point them at captured outputs) and a pure parser from text to frozen
records (typing.NamedTuple). `probe()` tries the sources in order and says which one answered.

Sources, in order:
1. NVML through nvidia-ml-py, in a child process (`probes/inside/nvml_facts.py`) because NVML can
   hang; it alone gives the newest CUDA the driver supports without a second program.
2. `nvidia-smi --query-gpu=... --format=csv,noheader,nounits` (one line per GPU), then
   `nvidia-smi -q -x` for the CUDA version the CSV form does not carry.
3. `/proc/driver/nvidia/version` and `/proc/driver/nvidia/gpus/*/information` (kernel module only).
`/sys/bus/pci/devices/*` (vendor 0x10de) tells "a GPU without a working driver" from "no GPU".
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from typing import NamedTuple  # frozen records without dataclasses' ~15 ms import (fast path)

from envcheck import runner
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

NVML = "nvml"
SMI_CSV = "nvidia-smi --query-gpu"
SMI_XML = "nvidia-smi -q -x"
PROC = "/proc/driver/nvidia"

Runner = Callable[..., runner.CommandResult]


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

    def to_dict(self) -> dict:
        return self._asdict()


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

    @property
    def working_driver(self) -> bool:
        return self.source in (NVML, SMI_CSV, SMI_XML) and bool(self.driver.version)


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
                memory_mib=device["mem_total"] // (1024 * 1024) if device.get("mem_total") else None,
                compute_capability=f"{cc[0]}.{cc[1]}" if cc else None,
                pci_bus_id=device.get("pci"),
                mig=None if not mig else ("enabled" if mig[0] else "disabled"),
                error=device.get("error"),
            )
        )
    return driver, tuple(gpus)


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
    lines = [line for line in text.splitlines() if line.strip()]
    columns = list(fields)
    if lines and lines[0].split(",")[0].strip() == "index":
        columns = [re.sub(r"\s*\[.*\]$", "", part.strip()) for part in lines[0].split(",")]
        lines = lines[1:]
    gpus, driver_version = [], None
    for line in lines:
        parts = [part.strip() for part in line.split(",")]
        if len(parts) != len(columns):
            raise ValueError(f"expected {len(columns)} comma-separated values, got: {line.strip()[:120]!r}")
        row = {name: (None if value in ("[N/A]", "N/A", "[Not Supported]") else value) for name, value in zip(columns, parts)}
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
    return Driver(version=driver_version), tuple(gpus)


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
        mig = _xml_text(gpu, "mig_mode/current_mig")
        gpus.append(
            Gpu(
                index=index,
                name=_xml_text(gpu, "product_name"),
                uuid=_xml_text(gpu, "uuid"),
                memory_mib=_leading_int(_xml_text(gpu, "fb_memory_usage/total")),
                pci_bus_id=_xml_text(gpu, "pci/pci_bus_id") or gpu.get("id"),
                mig=mig.lower() if mig and mig != "N/A" else None,
            )
        )
    return driver, tuple(gpus)


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
    return Gpu(index=index, name=values.get("Model"), uuid=values.get("GPU UUID"), pci_bus_id=values.get("Bus Location"))


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


def nvml_plausible(root: str = "/") -> bool:
    """Whether loading NVML could answer: a driver is loaded (or WSL2's), or nvidia-smi exists.

    On a machine with none of these, starting a child to import pynvml only to hear "NVML Shared
    Library Not Found" costs ~50 ms for nothing.
    """
    return (
        os.path.exists(os.path.join(root, "proc/driver/nvidia/version"))
        or os.path.exists(os.path.join(root, "dev/nvidiactl"))
        or os.path.exists(os.path.join(root, "dev/dxg"))
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

    def done(source, driver, gpus):
        driver = Driver(driver.version, driver.cuda_version, kernel_module)
        return GpuFacts(source, tuple(gpus), driver, tuple(failures), pci, time.monotonic() - started)

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

    `--query-gpu` has no CUDA version: `nvidia-smi --version` (run alongside, in a thread) has it on
    current drivers, `-q -x` on older ones.
    """
    import threading  # only for the query's deadline

    version: list[runner.CommandResult] = []
    asking = threading.Thread(target=lambda: version.append(read_smi(("--version",), timeout, run)), daemon=True)
    asking.start()
    csv = read_smi(CSV_ARGS, timeout, run)
    asking.join()
    if not csv.ok:
        failures.append(_smi_failure(SMI_CSV, csv))
        # A failing program (missing, hung, no driver) fails -q -x the same way; only an old
        # nvidia-smi that rejects a query field ("not a valid field") is worth a second form.
        if csv.status == runner.EXITED and "field" in (csv.stdout + csv.stderr).lower():
            return _ask_smi_xml(timeout, run, failures)
        return None
    try:
        driver, gpus = parse_nvidia_smi_csv(csv.stdout)
    except ValueError as error:
        failures.append(SourceFailure(SMI_CSV, "unparsable", str(error)))
        return None
    cuda_version = parse_smi_version(version[0].stdout) if version and version[0].ok else None
    if not cuda_version:
        xml = _ask_smi_xml(timeout, run, failures)
        cuda_version = xml[1].cuda_version if xml else None
    return SMI_CSV, Driver(driver.version, cuda_version), gpus


def _ask_smi_xml(timeout: float, run: Runner, failures: list[SourceFailure]):
    xml = read_smi(XML_ARGS, timeout, run)
    if not xml.ok:
        failures.append(_smi_failure(SMI_XML, xml))
        return None
    try:
        return (SMI_XML, *parse_nvidia_smi_xml(xml.stdout))
    except SyntaxError as error:  # ElementTree.ParseError
        failures.append(SourceFailure(SMI_XML, "unparsable", str(error)))
        return None


def _smi_failure(source: str, result: runner.CommandResult) -> SourceFailure:
    if result.status == runner.EXITED:
        return SourceFailure(source, result.status, parse_smi_failure(result.stdout + "\n" + result.stderr) + f" (exit status {result.returncode})")
    return SourceFailure(source, result.status, result.describe())
