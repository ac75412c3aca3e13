"""Ask NVML (nvidia-ml-py) for the driver and every GPU; print one JSON object.

Run in a child process by envcheck.probes.gpu, because NVML can hang (a wedged GPU, a driver in
an odd state) and a child can be stopped at its timeout. Standard library plus `pynvml` only.
The answer has the shape of the captured fixture `pynvml.json`; on failure
{"error": "...", "error_code": N} names what NVML said.

Per device, besides identity: health and sharing facts as NVML's raw values (the parser in
envcheck.probes.gpu names them): "mig" [current, pending], "mig_devices" (MIG device UUIDs),
"compute_mode" (nvmlComputeMode_t), "processes" [{pid, name, used_memory, type}], "mem_used",
"ecc" [current, pending], "ecc_uncorrected" [volatile, aggregate], "retired_pending",
"remapped_rows" [corrected, uncorrected, pending, failure], "clocks_event_reasons" (a bit mask),
"persistence". A device NVML cannot open is {"index", "error", "error_code"} (15: the GPU is lost).
"""

import json
import sys
import time


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


_NVMLError = ()  # pynvml.NVMLError once imported
GPU_IS_LOST = 15  # NVML_ERROR_GPU_IS_LOST (NVML API reference, nvmlReturn_t)
_lost = []  # error codes of GPU_IS_LOST seen while reading the current device


def _try(call, *args):
    """A value NVML cannot give (not supported on this GPU, a lost GPU) is None, not a failure."""
    try:
        return call(*args)
    except _NVMLError as error:
        if getattr(error, "value", None) == GPU_IS_LOST:
            _lost.append(GPU_IS_LOST)
        return None


def _first(pynvml, names, *args):
    """The first of these NVML calls this binding has (newer names first), or None: an older
    nvidia-ml-py lacks the newer queries, and a missing one is an unknown value, not a failure."""
    for name in names:
        call = getattr(pynvml, name, None)
        if call is not None:
            return _try(call, *args)
    return None


def _processes(pynvml, handle):
    """Compute and graphics processes on the device with the memory each holds (bytes, None when unknown)."""
    found = {}
    for kind, name in (("C", "nvmlDeviceGetComputeRunningProcesses"), ("G", "nvmlDeviceGetGraphicsRunningProcesses")):
        for process in _first(pynvml, (name,), handle) or []:
            pid = getattr(process, "pid", None)
            entry = found.setdefault(pid, {"pid": pid, "name": None, "used_memory": None, "type": ""})
            entry["type"] += kind
            used = getattr(process, "usedGpuMemory", None)
            if used is not None:
                entry["used_memory"] = max(entry["used_memory"] or 0, used)
    for entry in found.values():
        if entry["pid"] is not None:
            entry["name"] = _text(_first(pynvml, ("nvmlSystemGetProcessName",), entry["pid"]))
    return list(found.values())


def _mig_devices(pynvml, handle):
    """UUIDs of the MIG devices (GPU instance + compute instance) that exist on a MIG-enabled GPU."""
    uuids = []
    for slot in range(_first(pynvml, ("nvmlDeviceGetMaxMigDeviceCount",), handle) or 0):
        mig = _first(pynvml, ("nvmlDeviceGetMigDeviceHandleByIndex",), handle, slot)  # NOT_FOUND for an empty slot
        uuid = _text(_try(pynvml.nvmlDeviceGetUUID, mig)) if mig is not None else None
        if uuid:
            uuids.append(uuid)
    return uuids


def main():
    global _NVMLError
    started = time.monotonic()
    try:
        import pynvml  # inside try: a missing or broken binding is the answer, not a crash
    except ImportError as error:
        print(json.dumps({"error": f"nvidia-ml-py is not importable: {error}", "error_code": None}))
        return
    _NVMLError = pynvml.NVMLError
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as error:
        print(json.dumps({"error": str(error), "error_code": getattr(error, "value", None)}))
        return
    init_s = time.monotonic() - started
    answer = {
        "init_s": init_s,
        "driver": _text(_try(pynvml.nvmlSystemGetDriverVersion)),
        "cuda_driver": _try(pynvml.nvmlSystemGetCudaDriverVersion),
        "nvml": _text(_try(pynvml.nvmlSystemGetNVMLVersion)),
        "devices": [],
    }
    count = _try(pynvml.nvmlDeviceGetCount) or 0
    for index in range(count):
        try:
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
        except pynvml.NVMLError as error:  # a lost GPU is a record of its own
            answer["devices"].append({"index": index, "error": str(error), "error_code": getattr(error, "value", None)})
            continue
        del _lost[:]
        memory = _try(pynvml.nvmlDeviceGetMemoryInfo, handle)
        pci = _try(pynvml.nvmlDeviceGetPciInfo, handle)
        mig = _try(pynvml.nvmlDeviceGetMigMode, handle)
        device = {
            "index": index,
            "name": _text(_try(pynvml.nvmlDeviceGetName, handle)),
            "uuid": _text(_try(pynvml.nvmlDeviceGetUUID, handle)),
            "mem_total": getattr(memory, "total", None),
            "mem_used": getattr(memory, "used", None),
            "cc": _try(pynvml.nvmlDeviceGetCudaComputeCapability, handle),
            "pci": _text(getattr(pci, "busId", None)),
            "mig": mig,
            "mig_devices": _mig_devices(pynvml, handle) if mig and mig[0] else [],
            "compute_mode": _first(pynvml, ("nvmlDeviceGetComputeMode",), handle),
            "processes": _processes(pynvml, handle),
            "persistence": _first(pynvml, ("nvmlDeviceGetPersistenceMode",), handle),
            "ecc": _first(pynvml, ("nvmlDeviceGetEccMode",), handle),
            # NVML_MEMORY_ERROR_TYPE_UNCORRECTED = 1; NVML_VOLATILE_ECC = 0, NVML_AGGREGATE_ECC = 1
            "ecc_uncorrected": [_first(pynvml, ("nvmlDeviceGetTotalEccErrors",), handle, 1, 0),
                                _first(pynvml, ("nvmlDeviceGetTotalEccErrors",), handle, 1, 1)],
            "retired_pending": _first(pynvml, ("nvmlDeviceGetRetiredPagesPendingStatus",), handle),
            "remapped_rows": _first(pynvml, ("nvmlDeviceGetRemappedRows",), handle),
            # renamed from "throttle reasons" to "clocks event reasons" in NVML 12.2 bindings
            "clocks_event_reasons": _first(pynvml, ("nvmlDeviceGetCurrentClocksEventReasons",
                                                    "nvmlDeviceGetCurrentClocksThrottleReasons"), handle),
        }
        if _lost:  # the handle opened, then the GPU fell off the bus while it was read
            device["error"], device["error_code"] = "GPU is lost", GPU_IS_LOST
        answer["devices"].append(device)
    _try(pynvml.nvmlShutdown)
    answer["total_s"] = time.monotonic() - started
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
    sys.stdout.flush()
