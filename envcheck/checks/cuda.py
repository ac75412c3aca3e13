"""check-cuda as a library: probes -> diagnose -> one typed `CudaReport` (JSON at the edge). No printing.

`check(python)` starts the TensorFlow child first (the long pole: one TensorFlow import) and runs
the GPU, toolkit and library probes in threads while it imports, so the whole check costs little
more than that one import. `doctor` and `report` call `check()` and `exit_code()`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping  # not typing: ~3 ms to import
from typing import NamedTuple  # records without dataclasses' ~15 ms import (the --no-tf fast path)

from envcheck import runner
from envcheck.checks import platform as platform_check
from envcheck.diagnose import cuda as rules
from envcheck.model import Finding, Gpu, GpuFacts, Library, TfFacts, Toolkit
from envcheck.probes import cuda as cuda_probe
from envcheck.probes import gpu as gpu_probe
from envcheck.probes import system as system_probe
from envcheck.target import TargetPython

SCHEMA = "envcheck.check-cuda/1"


class CudaReport(NamedTuple):
    """check-cuda's answer: the verdict, every fact that decided it, and the findings (errors first).

    `to_dict()` is the `envcheck.check-cuda/1` JSON object.
    """

    ready: bool
    summary: str
    python: TargetPython
    gpu: GpuFacts
    visible: tuple[bool, ...]  # per GPU in gpu.gpus: whether CUDA_VISIBLE_DEVICES shows it
    toolkits: tuple[Toolkit, ...]
    libraries: tuple[Library, ...]
    tf: TfFacts | None  # None with --no-tf
    environment: Mapping[str, str]
    os: Mapping[str, object]  # platform, machine, wsl, name
    container: Mapping[str, object]  # kind (docker, podman, kubernetes, ...) or None, device_nodes
    findings: tuple[Finding, ...]
    timings: Mapping[str, float]

    @property
    def gpus(self) -> tuple[Gpu, ...]:
        return self.gpu.gpus

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.severity == "error")

    def to_dict(self) -> dict:
        gpu = self.gpu
        return {
            "schema": SCHEMA,
            "verdict": {"ready": self.ready, "summary": self.summary},
            "python": self.python.to_dict(),
            "gpus": [dict(g.to_dict(), visible=shown) for g, shown in zip(gpu.gpus, self.visible)],
            "driver": dict(gpu.driver.to_dict(), source=gpu.source, working=gpu.working_driver),
            "gpu_query_failures": [failure.to_dict() for failure in gpu.failures],
            "pci_devices": [device.to_dict() for device in gpu.pci_devices],
            "toolkit": [toolkit.to_dict() for toolkit in self.toolkits],
            "libraries": [library.to_dict() for library in self.libraries],
            "tensorflow": self.tf.to_dict() if self.tf else {"status": "skipped"},
            "environment": dict(self.environment),
            "os": dict(self.os),
            "container": dict(self.container),
            "findings": [finding.to_dict() for finding in self.findings],
            "timings": dict(self.timings),
        }


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
) -> CudaReport:
    """Gather every fact that decides whether TensorFlow (in `python`) can use a GPU; return the report.

    `tf_source`, when given, is called (in a thread) for the TfFacts instead of starting tf_facts.py:
    doctor passes its shared TensorFlow child's.
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
        wsl=system_probe.read_wsl(),
        machine=os.uname().machine if hasattr(os, "uname") else "",
        distributions=distributions,
        container=system_probe.read_container(environ=env),
    )
    if include_tf:
        from envcheck import data  # tomllib: only when TensorFlow's build is compared

        builds, drivers = data.load("tensorflow_builds.toml"), data.load("cuda_drivers.toml")
    else:
        builds, drivers = {}, {}
    found = platform_check.cuda_findings(python, facts, rules.diagnose(facts, builds, drivers))
    is_ready = rules.ready(facts, found)
    timings["total"] = round(time.monotonic() - started, 3)
    shown = rules.visible_gpus(gpu.gpus, env.get("CUDA_VISIBLE_DEVICES"))
    return CudaReport(
        ready=is_ready,
        summary=rules.headline(facts, found, is_ready),
        python=python,
        gpu=gpu,
        visible=tuple(g in shown for g in gpu.gpus),
        toolkits=tuple(toolkits),
        libraries=tuple(libraries),
        tf=tf,
        environment=dict(facts.env),
        os={"platform": python.platform, "machine": facts.machine, "wsl": facts.wsl,
            "name": system_probe.read_os_release()},
        container={"kind": facts.container, "device_nodes": list(gpu.device_nodes)},
        findings=tuple(found),
        timings=timings,
    )


def exit_code(report: CudaReport) -> int:
    """0 exactly when the verdict is ready (TensorFlow sees a GPU; with --no-tf: a GPU with a working driver)."""
    from envcheck import exitcodes  # only when an exit code is asked for

    return exitcodes.OK if report.ready else exitcodes.NOT_OK
