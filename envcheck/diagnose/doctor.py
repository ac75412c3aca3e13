"""Doctor's rules, one function per area: facts in, an Area (summary, findings, facts) out. Pure.

The facts come from probes (gathered in `envcheck.checks.doctor`); nothing here does I/O.
"""

from __future__ import annotations

from typing import Any

from envcheck.diagnose import smoke as smoke_rules
from envcheck.i18n import N_, _
from envcheck.model import (
    ERROR,
    INFO,
    WARNING,
    Area,
    Broken,
    Finding,
    Installed,
    PythonFacts,
    SmokeReport,
    SystemFacts,
    TfFacts,
    gib,
    pip_install,
)

TF_DISTRIBUTIONS = (
    "tensorflow",
    "tensorflow-cpu",
    "tensorflow-gpu",
    "tf-nightly",
    "tensorflow-macos",
    "tensorflow-intel",
)
MIN_RAM = 4 * 2**30  # below this, TensorFlow plus a small model swaps
MIN_DISK = 5 * 2**30  # TensorFlow with [and-cuda] takes ~3 GiB; leave room for data and checkpoints


def installed_tensorflow(installed: dict[str, Installed]) -> Installed | None:
    return next((installed[name] for name in TF_DISTRIBUTIONS if name in installed), None)


def python_area(facts: PythonFacts, tf: Installed | None, tf_python_range: tuple[str, str | None] | None) -> Area:
    """tf_python_range: (tf version row, specifier) from the build table."""
    from packaging.specifiers import SpecifierSet  # PEP 440, only when a range is there to check

    version = facts.version
    where = {
        "venv": _("venv {name}"),
        "conda": _("conda env {name}"),
        "system": _("not a virtual environment"),
    }[facts.kind].format(name=facts.env_name)
    findings = []
    fit = ""
    if (
        tf is not None
        and tf.requires_python
        and not SpecifierSet(tf.requires_python).contains(version, prereleases=True)
    ):
        findings.append(
            Finding(
                "PYTHON_TF_UNSUPPORTED",
                ERROR,
                _("TensorFlow {tf_version} requires Python {requires}; this is Python {version}.").format(
                    tf_version=tf.version, requires=tf.requires_python, version=version),
                _("Recreate the environment with a supported Python, e.g. `{command}`.").format(
                    command="uv venv --python 3.12 .venv"),
            )
        )
    if tf_python_range:
        row, spec = tf_python_range
        span = _span(spec)
        if spec and SpecifierSet(spec).contains(version, prereleases=True):
            fit = _(" — supported by TensorFlow {row} ({span})").format(row=row, span=span)
        elif spec:
            severity = WARNING if tf is not None else ERROR
            what = (
                _("This is Python {version}; TensorFlow {row} is tested with Python {span}.")
                if tf
                else _("This is Python {version}; the newest TensorFlow ({row}) supports Python {span}.")
            )
            findings.append(
                Finding(
                    "PYTHON_OUTSIDE_TF_RANGE",
                    severity,
                    what.format(version=version, row=row, span=span),
                    _("Use a Python in {span}: `{command}` (or {conda}).").format(
                        span=span, command=f"uv venv --python {_newest(spec)} .venv",
                        conda=f"conda create -n tf python={_newest(spec)}"),
                )
            )
    if facts.pip_version is None:
        findings.append(
            Finding(
                "PIP_MISSING",
                WARNING,
                _("pip is not installed in this environment, so `pip install` will use another Python's pip."),
                f"{facts.executable} -m ensurepip --upgrade",
            )
        )
    if facts.kind == "system":
        findings.append(
            Finding(
                "NOT_A_VENV",
                INFO,
                _("This is not a virtual environment; installing TensorFlow here changes the system's Python."),
                _("Create one: {script} (or `{command}`).").format(script="scripts/setup-venv.sh",
                                                                  command="python3 -m venv .venv"),
            )
        )
    pip = f"pip {facts.pip_version}" if facts.pip_version else _("no pip")
    return Area("python", N_("Python"), f"{version} ({where}, {pip}){fit}", findings, facts.to_dict())


def _span(spec: str | None) -> str:
    """'>=3.10,<3.14' as '3.10–3.13' for people; the specifier itself when it has another shape."""
    if not spec:
        return "?"
    low = high = None
    for part in spec.split(","):
        part = part.strip()
        if part.startswith(">="):
            low = part[2:]
        elif part.startswith("<") and not part.startswith("<="):
            major, _, minor = part[1:].partition(".")
            if minor.isdigit() and int(minor) > 0:
                high = f"{major}.{int(minor) - 1}"
    return f"{low}–{high}" if low and high else spec


def _newest(spec: str) -> str:
    span = _span(spec)
    return span.split("–")[-1] if "–" in span else "3.12"


def packages_area(
    count: int, tf_rows: list[tuple[str, str]], broken: list[Broken], python: str, problems: list[str]
) -> Area:
    """count-packages, list-tf-packages and pip check in one line; NumPy-vs-TF conflicts go to the NumPy area."""
    findings = []
    own = [b for b in broken if not (b.name in TF_DISTRIBUTIONS and b.dependency == "numpy")]
    if own:
        findings.append(
            Finding(
                "BROKEN_REQUIREMENTS",
                ERROR,
                _("{count} broken requirement(s), as `pip check` reports them: {lines}").format(
                    count=len(own), lines=" ".join(b.line() for b in own)),
                pip_install(python, *sorted({b.requirement for b in own})),
            )
        )
    for problem in problems:
        findings.append(Finding("METADATA_UNREADABLE", WARNING, problem, None))
    tf_text = (
        ", ".join(
            f"{name} {version}"
            for name, version in tf_rows
            if name.lower() in ("tensorflow", "keras", "tensorflow-cpu", "tf-nightly")
        )
        or _("no TensorFlow")
    )
    broken_text = _("{count} broken requirement(s)").format(count=len(own)) if own else _("no broken requirements")
    facts = {
        "count": count,
        "tensorflow_packages": [{"name": n, "version": v} for n, v in tf_rows],
        "broken": [b.to_dict() for b in broken],
    }
    summary = _("{count} installed, {broken}; {tensorflow}").format(count=count, broken=broken_text, tensorflow=tf_text)
    return Area("packages", N_("Packages"), summary, findings, facts)


def numpy_area(
    answer: dict | None, problem: str | None, installed: dict[str, Installed], tf_numpy: list[str], python: str
) -> Area:
    """answer: numpy_facts.py's JSON (or None with `problem`); tf_numpy: TF's Requires-Dist lines on numpy."""
    from packaging.requirements import Requirement  # PEP 508, only when TF states a NumPy requirement

    facts: dict[str, Any] = {"probe": answer, "tensorflow_requires": tf_numpy}
    if answer is None:
        return Area(
            "numpy",
            N_("NumPy"),
            _("could not be checked"),
            [
                Finding(
                    "NUMPY_PROBE_FAILED",
                    ERROR,
                    _("Importing NumPy in the target Python failed: {problem}.").format(problem=problem),
                    _("Reinstall NumPy: {command}").format(command=pip_install(python, "--force-reinstall", "numpy")),
                )
            ],
            facts,
        )
    if not answer.get("imported"):
        if "numpy" not in installed:
            return Area(
                "numpy",
                N_("NumPy"),
                _("not installed"),
                [
                    Finding(
                        "NUMPY_MISSING",
                        ERROR,
                        _("NumPy is not installed; TensorFlow and the smoke test need it."),
                        pip_install(python, "numpy"),
                    )
                ],
                facts,
            )
        return Area(
            "numpy",
            N_("NumPy"),
            _("does not import"),
            [
                Finding(
                    "NUMPY_IMPORT_FAILED",
                    ERROR,
                    _("`import numpy` fails: {error}").format(error=answer.get("error")),
                    pip_install(python, "--force-reinstall", "numpy"),
                )
            ],
            facts,
        )
    version = answer["version"]
    findings = []
    fit = ""
    for line in tf_numpy:
        req = Requirement(line)
        if not req.specifier.contains(version, prereleases=True):
            findings.append(
                Finding(
                    "NUMPY_TF_MISMATCH",
                    ERROR,
                    (
                        _("NumPy {version} is installed but TensorFlow requires {requirement} (NumPy 2 with a "
                          "TensorFlow built for NumPy 1).")
                        if version.startswith("2") and "<2" in str(req.specifier).replace(" ", "")
                        else _("NumPy {version} is installed but TensorFlow requires {requirement}.")
                    ).format(version=version, requirement=req),
                    pip_install(python, str(req)),
                )
            )
        else:
            fit = _(" — fits TensorFlow")
    if answer.get("dot_ok") is False:
        findings.append(
            Finding(
                "NUMPY_BLAS_BROKEN",
                ERROR,
                _("NumPy imports but a matrix product fails: {error}.").format(
                    error=answer.get("dot_error") or _("wrong result")),
                pip_install(python, "--force-reinstall", "numpy"),
            )
        )
    return Area("numpy", N_("NumPy"), f"{version} ({_blas_text(answer)}){fit}", findings, facts)


def _blas_text(answer: dict) -> str:
    pools = answer.get("threadpools") or []
    if pools:
        pool = pools[0]
        return _("{api} {version}, {threads} threads").format(
            api=pool.get("internal_api"), version=pool.get("version") or "", threads=pool.get("num_threads")
        ).replace(" ,", ",")
    blas = answer.get("blas") or {}
    if blas.get("name"):
        return f"{blas['name']} {blas.get('version') or ''}".strip()
    return _("BLAS unknown")


def system_area(facts: SystemFacts, platform_findings: list[Finding] = ()) -> Area:
    """The System line; `platform_findings` come from envcheck.diagnose.platform (Rosetta 2, Intel Macs)."""
    findings = list(platform_findings)
    cpu = facts.cpu
    x86 = cpu.machine.lower() in ("x86_64", "amd64")
    if x86 and cpu.flags and not cpu.has("avx"):
        findings.append(
            Finding(
                "CPU_NO_AVX",
                ERROR,
                _("The CPU ({model}) has no AVX; TensorFlow's pip wheels use AVX and "
                  "`import tensorflow` dies with SIGILL (illegal instruction).").format(
                    model=cpu.model or _("unknown")),
                _("Use a machine (or VM CPU model) with AVX, or build TensorFlow from source without AVX."),
            )
        )
    if facts.ram_total is not None and facts.ram_total < MIN_RAM:
        findings.append(
            Finding(
                "LOW_RAM",
                WARNING,
                _("Only {ram} of RAM; TensorFlow with even a small model wants {minimum} or more.").format(
                    ram=gib(facts.ram_total), minimum=gib(MIN_RAM)),
                _("Close other programs or use a machine with more memory."),
            )
        )
    if facts.disk_free is not None and facts.disk_free < MIN_DISK:
        findings.append(
            Finding(
                "LOW_DISK",
                WARNING,
                _("Only {free} free at {path}; TensorFlow with its CUDA libraries needs about 3 GiB, plus data.")
                .format(free=gib(facts.disk_free), path=facts.disk_path),
                _("Free some space ({command}; remove old environments).").format(command="pip cache purge"),
            )
        )
    if facts.wsl:
        findings.append(
            Finding(
                "WSL2",
                INFO,
                _("Running under WSL2: GPU support comes from the Windows NVIDIA driver, not a Linux one."),
                _("Install the NVIDIA driver on Windows only; never install a Linux driver inside WSL2."),
            )
        )
    isa = [flag.upper() for flag in ("avx2", "fma", "avx512f") if cpu.has(flag)] or (["AVX"] if cpu.has("avx") else [])
    cpus = cpu.logical_cpus or "?"
    if isa:
        cpu_text = _("{cpus} CPUs with {isa}").format(cpus=cpus, isa="/".join(isa))
    elif x86 and cpu.flags:
        cpu_text = _("{cpus} CPUs without AVX").format(cpus=cpus)
    else:
        cpu_text = _("{cpus} CPUs").format(cpus=cpus)
    summary = _("{cpus}, {ram} RAM, {free} free").format(cpus=cpu_text, ram=gib(facts.ram_total),
                                                          free=gib(facts.disk_free))
    if facts.os_name:
        summary += f"; {facts.os_name}"
    return Area("system", N_("System"), summary, findings, facts.to_dict())


def smoke_area(report: SmokeReport) -> Area:
    """smoke-train's report."""
    keep = ("backend", "device", "task", "passed", "failure", "versions", "timings",
            "initial_loss", "final_loss", "accuracy", "steps")
    data = report.to_dict()  # the facts doctor shows are JSON: the report's own JSON view, filtered
    facts = {key: data[key] for key in keep if key in data}
    facts["checks"] = [f"{c.name}: {'pass' if c.passed else 'FAIL'} ({c.detail})" for c in report.checks]
    if report.passed:
        losses = (report.initial_loss, report.final_loss)
        summary = _("{summary} with {backend}").format(summary=smoke_rules.summary(report), backend=report.backend)
        if all(isinstance(x, (int, float)) for x in losses):
            summary += _(", loss {initial} → {final}").format(initial=f"{losses[0]:.3f}", final=f"{losses[1]:.3f}")
        return Area("smoke", N_("Smoke training"), summary, [], facts)
    task = smoke_rules.task_name(str(report.task or "xor"))
    failed = [c for c in report.checks if not c.passed]
    detail = report.failure or "; ".join(f"{c.name}: {c.detail}" for c in failed) or _("it did not pass")
    fix = report.fix or _("Run `{command}` to see each check; fix the TensorFlow or NumPy problem above first.").format(
        command=f"smoke-train --backend {report.backend or 'tensorflow'}")
    if report.device:
        summary = _("{task} not learned on {device} with {backend}").format(task=task, device=report.device,
                                                                             backend=report.backend)
    else:  # no device: the training never started
        summary = _("{task} not learned with {backend}").format(task=task, backend=report.backend)
    return Area("smoke", N_("Smoke training"), summary,
                [Finding("SMOKE_TRAIN_FAILED", ERROR,
                         _("Training a tiny network failed: {detail}").format(detail=detail), fix)], facts)


# check-cuda's findings about importing TensorFlow belong to doctor's TensorFlow line, and the
# Python-range one to its Python line (as a warning there when TensorFlow imports); the GPU line
# keeps the rest, so one problem is counted once.
TF_OWNED = frozenset(
    {
        "TF_NOT_INSTALLED",
        "TF_IMPORT_CRASHED",
        "TF_IMPORT_TIMED_OUT",
        "TF_IMPORT_FAILED",
        "TF_PROBE_FAILED",
        "NUMPY_ABI_MISMATCH",
        "PROTOBUF_MISMATCH",
        "LEGACY_KERAS_MISSING",
    }
)
NOT_GPU_OWNED = TF_OWNED | {"PYTHON_UNSUPPORTED"}


def tensorflow_area(
    tf: Installed | None, keras: Installed | None, tf_facts: TfFacts | None, python: str, cuda_findings=()
) -> Area:
    """tf: the installed TensorFlow distribution; tf_facts: check-cuda's TfFacts (its child's import);
    cuda_findings: check-cuda's findings, of which the TF_OWNED ones are shown here."""
    owned = [f for f in cuda_findings if f.code in TF_OWNED]
    facts = {"installed": tf.version if tf else None, "keras": keras.version if keras else None,
             "probe": tf_facts.to_dict() if tf_facts else None}
    if tf is None:
        return Area(
            "tensorflow",
            N_("TensorFlow"),
            _("not installed"),
            [
                Finding(
                    "TF_NOT_INSTALLED",
                    ERROR,
                    _("TensorFlow is not installed in this environment."),
                    _("{command}   (with an NVIDIA GPU on Linux: {extra})").format(
                        command=pip_install(python, "tensorflow"), extra="tensorflow[and-cuda]"),
                )
            ],
            facts,
        )
    # check-cuda's TfFacts: status ("ok" or a runner status), problem in words, version, import_s.
    # "gpu-listing-failed": imported, then listing its GPUs failed (the GPU line says so, not this one)
    status = tf_facts.status if tf_facts else None
    listing_failed = status == "gpu-listing-failed"
    error = None if listing_failed or tf_facts is None else tf_facts.problem
    imported = not error and status in ("ok", "gpu-listing-failed") and bool(tf_facts.version)
    keras_text = f", Keras {keras.version}" if keras else ""
    if not imported:
        why = error or _("check-cuda did not import TensorFlow")
        fix = pip_install(python, "--force-reinstall", f"{tf.display_name}=={tf.version}")
        if "numpy" in why.lower() and ("1.x" in why or "_ARRAY_API" in why):
            fix = _("{command} (this TensorFlow was built against NumPy 1)").format(
                command=pip_install(python, "numpy<2"))
        return Area(
            "tensorflow",
            N_("TensorFlow"),
            _("{version} installed{keras} but does not import").format(version=tf.version, keras=keras_text),
            owned or [Finding("TF_IMPORT_FAILED", ERROR, _("`import tensorflow` failed: {why}").format(why=why), fix)],
            facts,
        )
    version = tf_facts.version or tf.version
    seconds = tf_facts.import_s
    timing = _(" in {seconds} s").format(seconds=f"{seconds:.1f}") if isinstance(seconds, (int, float)) else ""
    findings = owned
    if keras is None:
        findings.append(
            Finding(
                "KERAS_MISSING", WARNING, _("Keras is not installed; `tf.keras` will fail."),
                pip_install(python, "keras"),
            )
        )
    summary = _("{version} imports{timing}{keras}").format(version=version, timing=timing, keras=keras_text)
    return Area("tensorflow", N_("TensorFlow"), summary, findings, facts)


def gpu_area(report) -> Area:
    """check-cuda's CudaReport (checks.cuda). Without any NVIDIA GPU, its errors are doctor warnings:
    a CPU machine is a fine place to learn; `envcheck verify` with a GPU profile is where a GPU is required."""
    gpus = report.gpus
    findings = [f for f in report.findings if f.code not in NOT_GPU_OWNED]
    # What check-cuda names as the reason no GPU is listed (a GPU on the PCI bus that a container or a
    # missing driver hides, a driver that does not answer): the summary must say that, not "no NVIDIA GPU".
    cause = next((f for f in findings if f.severity == ERROR), None)
    if not gpus:
        findings = [f._replace(severity=WARNING) if f.severity == ERROR else f for f in findings]
    summary = report.summary or (_("ready") if report.ready else _("not ready"))
    if not gpus and cause is not None:  # the first sentence, in every language
        summary = _("{cause}; TensorFlow will use the CPU").format(cause=cause.message.split(". ")[0].rstrip("."))
    elif not gpus:
        summary = _("no NVIDIA GPU; TensorFlow will use the CPU")
    data = report.to_dict()  # the facts doctor shows are JSON: check-cuda's own JSON view, in part
    facts = {key: data.get(key) for key in ("gpus", "driver", "toolkit", "libraries", "verdict")}
    return Area("gpu", N_("GPU"), summary, findings, facts)
