"""check-cuda as a library: probes -> diagnose -> one JSON-ready report. No printing.

`check(python)` starts the TensorFlow child first (the long pole: one TensorFlow import) and runs
the GPU, toolkit and library probes in threads while it imports, so the whole check costs little
more than that one import. `doctor` and `report` call `check()` and `exit_code()`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping  # not typing: ~3 ms to import

from envcheck import model as findings_module
from envcheck import runner
from envcheck.checks import platform as platform_check
from envcheck.diagnose import cuda as rules
from envcheck.probes import cuda as cuda_probe
from envcheck.probes import gpu as gpu_probe
from envcheck.target import TargetPython

SCHEMA = "envcheck.check-cuda/1"


class _Background:
    """Run one probe in a thread; `.result()` waits for it and re-raises its exception (a bug)."""

    def __init__(self, function: Callable, *args, **kwargs):
        self._value = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(function, args, kwargs), daemon=True)
        self._thread.start()

    def _run(self, function, args, kwargs):
        try:
            self._value = function(*args, **kwargs)
        except BaseException as error:  # handed to the caller's thread by result()
            self._error = error

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def check(
    python: TargetPython,
    *,
    include_tf: bool = True,
    tf_timeout: float = 90.0,
    gpu_timeout: float = gpu_probe.DEFAULT_TIMEOUT,
    env: Mapping[str, str] | None = None,
    tf_source: Callable | None = None,
) -> dict:
    """Gather every fact that decides whether TensorFlow (in `python`) can use a GPU; return the report.

    `tf_source`, when given, is called (in a thread) for the TfFacts instead of starting tf_facts.py:
    doctor passes its shared TensorFlow child's. The report is the `envcheck.check-cuda/1` JSON object: schema, verdict {ready, summary}, gpus,
    driver, toolkit, libraries, tensorflow, findings (Finding.to_dict()), and the supporting facts.
    """
    env = dict(os.environ if env is None else env)
    started = time.monotonic()
    timings: dict[str, float] = {}

    def timed(name, function, *args, **kwargs):
        begin = time.monotonic()
        try:
            return function(*args, **kwargs)
        finally:
            timings[name] = round(time.monotonic() - begin, 3)

    tf_job = None
    if include_tf and tf_source is not None:  # TensorFlow's facts from a child already running (doctor's)
        tf_job = _Background(timed, "tensorflow", tf_source)
    elif include_tf:  # the TensorFlow child first: everything else runs while it imports
        from envcheck.probes import tensorflow as tf_probe  # not needed on the --no-tf fast path

        tf_job = _Background(timed, "tensorflow", tf_probe.probe, python.executable, tf_timeout, env)
    # Without TensorFlow nothing hides NVML's ~190 ms child: ask nvidia-smi (~25 ms) first then.
    prefer = gpu_probe.NVML if include_tf else gpu_probe.SMI_CSV
    gpu_job = _Background(timed, "gpu", gpu_probe.probe, gpu_timeout, prefer=prefer)
    # nvcc --version costs ~70 ms: run it only when the TensorFlow import hides that cost.
    toolkit_job = _Background(timed, "toolkit", cuda_probe.toolkits, env, runner.run if include_tf else None)

    begin = time.monotonic()
    distributions = cuda_probe.distributions(python.path)
    sites = [path for path in python.path if os.path.isdir(os.path.join(path, "nvidia"))]
    libraries = (
        cuda_probe.pip_libraries(sites, distributions)
        + cuda_probe.ld_library_path_libraries(env)
        + cuda_probe.ldconfig_libraries()
    )
    timings["libraries"] = round(time.monotonic() - begin, 3)

    gpu = gpu_job.result()
    toolkits = toolkit_job.result()
    tf = tf_job.result() if tf_job else None

    facts = rules.CudaFacts(
        gpu=gpu,
        toolkits=tuple(toolkits),
        libraries=tuple(libraries),
        tf=tf,
        env={name: env[name] for name in rules.ENV_VARS if name in env},
        python=python.executable,
        python_version=tuple(python.version),
        platform=python.platform,
        wsl=_is_wsl(),
        machine=os.uname().machine if hasattr(os, "uname") else "",
        distributions=distributions,
    )
    if include_tf:
        from envcheck import data  # tomllib: only when TensorFlow's build is compared

        builds, drivers = data.load("tensorflow_builds.toml"), data.load("cuda_drivers.toml")
    else:
        builds, drivers = {}, {}
    found = platform_check.cuda_findings(python, facts, rules.diagnose(facts, builds, drivers))
    is_ready = rules.ready(facts, found)
    timings["total"] = round(time.monotonic() - started, 3)
    return {
        "schema": SCHEMA,
        "verdict": {"ready": is_ready, "summary": summary(facts, found, is_ready)},
        "python": python.to_dict(),
        "gpus": [dict(g.to_dict(), visible=g in rules.visible_gpus(gpu.gpus, env.get("CUDA_VISIBLE_DEVICES"))) for g in gpu.gpus],
        "driver": dict(gpu.driver.to_dict(), source=gpu.source, working=gpu.working_driver),
        "gpu_query_failures": [failure.to_dict() for failure in gpu.failures],
        "pci_devices": [device.to_dict() for device in gpu.pci_devices],
        "toolkit": [toolkit.to_dict() for toolkit in toolkits],
        "libraries": [library.to_dict() for library in libraries],
        "tensorflow": tf.to_dict() if tf else {"status": "skipped"},
        "environment": dict(facts.env),
        "os": {"platform": python.platform, "machine": facts.machine, "wsl": facts.wsl, "name": _os_name()},
        "findings": [finding.to_dict() for finding in found],
        "timings": timings,
    }


def exit_code(report: dict) -> int:
    """0 exactly when the verdict is ready (TensorFlow sees a GPU; with --no-tf: a GPU with a working driver)."""
    from envcheck import exitcodes  # only when an exit code is asked for

    return exitcodes.OK if report.get("verdict", {}).get("ready") else exitcodes.NOT_OK


def summary(facts: rules.CudaFacts, found: list, is_ready: bool) -> str:
    visible = rules.visible_gpus(facts.gpu.gpus, facts.env.get("CUDA_VISIBLE_DEVICES"))
    if is_ready:
        if facts.tf is not None:
            count = len(facts.tf.gpus)
            described = describe_gpus(visible[:count] if len(visible) >= count else visible) or f"{count} GPU(s)"
            return f"GPU ready: TensorFlow {facts.tf.version} sees {described}"
        driver = facts.gpu.driver
        cuda = f" (supports CUDA {driver.cuda_version})" if driver.cuda_version else ""
        return f"GPU ready: {describe_gpus(visible)}, driver {driver.version}{cuda}"
    worst = next((f for f in found if f.severity == findings_module.ERROR), None) or next(iter(found), None)
    reason = worst.message if worst else "no GPU is usable"
    first = reason.split(". ")[0].rstrip(".")
    who = "TensorFlow cannot use a GPU" if facts.tf is not None else "no usable GPU"
    return f"not ready: {who}: {first}"


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
        details = [f"{memory // 1024} GiB" if memory else None, f"compute capability {cc}" if cc else None]
        details = [d for d in details if d]
        parts.append(f"{count} × {name}" + (f" ({', '.join(details)})" if details else ""))
    return ", ".join(parts)


def _is_wsl() -> bool:
    try:
        with open("/proc/sys/kernel/osrelease", encoding="utf-8") as stream:
            return "microsoft" in stream.read().lower()
    except OSError:
        return False


def _os_name() -> str | None:
    try:
        with open("/etc/os-release", encoding="utf-8") as stream:
            for line in stream:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass  # not Linux, or a minimal container: the name is unknown
    return None
