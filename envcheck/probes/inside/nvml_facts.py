"""Ask NVML (nvidia-ml-py) for the driver and every GPU; print one JSON object.

Run in a child process by envcheck.probes.gpu, because NVML can hang (a wedged GPU, a driver in
an odd state) and a child can be stopped at its timeout. Standard library plus `pynvml` only.
The answer has the shape of the captured fixture `pynvml.json`; on failure
{"error": "...", "error_code": N} names what NVML said.
"""

import json
import sys
import time


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


_NVMLError = ()  # pynvml.NVMLError once imported


def _try(call, *args):
    """A value NVML cannot give (not supported on this GPU, a lost GPU) is None, not a failure."""
    try:
        return call(*args)
    except _NVMLError:
        return None


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
            answer["devices"].append({"index": index, "error": str(error)})
            continue
        memory = _try(pynvml.nvmlDeviceGetMemoryInfo, handle)
        pci = _try(pynvml.nvmlDeviceGetPciInfo, handle)
        answer["devices"].append(
            {
                "index": index,
                "name": _text(_try(pynvml.nvmlDeviceGetName, handle)),
                "uuid": _text(_try(pynvml.nvmlDeviceGetUUID, handle)),
                "mem_total": getattr(memory, "total", None),
                "cc": _try(pynvml.nvmlDeviceGetCudaComputeCapability, handle),
                "pci": _text(getattr(pci, "busId", None)),
                "mig": _try(pynvml.nvmlDeviceGetMigMode, handle),
            }
        )
    _try(pynvml.nvmlShutdown)
    answer["total_s"] = time.monotonic() - started
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
    sys.stdout.flush()
