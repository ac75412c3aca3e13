"""TensorFlow's own view of CUDA, from the target interpreter, in a child with a timeout.

`read()` runs `probes/inside/tf_facts.py` with the target interpreter (a crash, an exit, an import
error or a hang comes back as a status, never an exception); `parse()` turns its answer and the
log lines TensorFlow printed on stderr into a frozen `TfFacts`. `classify_log()` is the pure part
that sorts those log lines into kinds the diagnose rules know.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping

from envcheck import runner
from envcheck.model import LogLine, TfFacts  # noqa: F401 (the records live in the model; re-exported)

DEFAULT_TIMEOUT = 90.0

OK = "ok"
NOT_INSTALLED = "not-installed"
IMPORT_FAILED = "import-failed"  # raised on import
CRASHED = "crashed"  # killed by a signal while importing
TIMED_OUT = "timed-out"
NO_ANSWER = "no-answer"  # exited or printed no JSON for another reason
SKIPPED = "skipped"  # --no-tf
GPU_FAILED = "gpu-listing-failed"  # imported, then listing the GPUs crashed, hung or raised (doctor's shared child)


# (kind, pattern) in the order they are tried; the first match names a line. Messages from
# research/failures.md (rows in brackets) and TensorFlow's own start-up lines. Compiled on first
# use (_patterns): compiling them costs ~10 ms that the --no-tf fast path must not pay.
LOG_KINDS: tuple[tuple[str, str], ...] = (
        ("no_cuda_runtime", r"Could not find cuda drivers on your machine"),  # [1]
        ("dlopen_failed", r"Cannot dlopen some GPU libraries"),  # [2]
        ("library_not_loaded", r"Could not load dynamic library '([^']+)'(?:; dlerror: (.*))?"),  # [4]
        ("tensorrt_missing", r"Could not find TensorRT"),  # [5]
        ("driver_mismatch", r"Driver/library version mismatch|RM_VERSION_MISMATCH"),  # [6]
        ("numpy_abi", r"compiled using NumPy 1\.x|_ARRAY_API not found|numpy\.dtype size changed"),  # [7]
        ("numa", r"NUMA node|NUMA support"),  # [9]
        ("protobuf", r"Descriptors cannot (?:not )?be created directly"),  # [10]
        ("legacy_keras", r"TF_USE_LEGACY_KERAS"),  # [11]
        ("capability_too_low", r"Ignoring visible gpu device .*compute capability (\d+\.\d+)\. The minimum "
                               r"required Cuda capability is (\d+\.\d+)"),  # [12]
        ("ptx_jit", r"not built with CUDA kernel binaries compatible with compute capability ([\d.a-z]+)"),  # [13]
        ("ptx_unsupported", r"UNSUPPORTED_PTX_VERSION|compiled with an unsupported toolchain|older than the "
                            r"ptxas CUDA version"),  # [14]
        ("libdevice_missing", r"[Ll]ibdevice|ptxas.*not found|Can't find ptxas"),  # [15]
        ("cudnn_mismatch", r"Loaded runtime CuDNN library: ([\d.]+) but source was compiled with: ([\d.]+)"),  # [16]
        ("cuinit_failed", r"failed call to cuInit: (.*)"),  # [17]
        ("duplicate_factory", r"Unable to register cu\w+ factory|already been registered"),  # [20]
        ("out_of_memory", r"CUDNN_STATUS_INTERNAL_ERROR|CUDA_ERROR_OUT_OF_MEMORY"),  # [21]
        ("cpu_features", r"optimized to use available CPU instructions|rebuild TensorFlow with the appropriate "
                         r"compiler flags"),
        ("onednn", r"oneDNN custom operations are on"),
        ("absl_preamble", r"All log messages before absl::InitializeLog"),
)
# absl's "I0000 00:00:1795840868.5 6303 file.cc:31] ", the older "2024-03-09 19:15:45.0: W path/file.cc:2251] ",
# and the captured fixtures' "<ts> file.cc:31] ".
_PREFIX = r"^(?:[IWEF]\d{4} [\d:.]+\s+\d+\s+|<ts>\s+|[\d-]+ [\d:.]+: [IWEF] )?(?:(?:[\w/.-]+/)?([\w.-]+\.cc:\d+)\]\s*)?"


@functools.lru_cache(maxsize=None)
def _patterns() -> tuple[re.Pattern, tuple[tuple[str, re.Pattern], ...]]:
    return re.compile(_PREFIX), tuple((kind, re.compile(pattern)) for kind, pattern in LOG_KINDS)


def classify_log(text: str) -> list[LogLine]:
    """TensorFlow's stderr -> the lines it printed that matter, each with a kind ("other" for the rest)."""
    prefix, kinds = _patterns()
    lines = []
    for raw in text.splitlines():
        raw = raw.strip()
        if not raw:
            continue
        match = prefix.match(raw)
        source = match.group(1) if match else None
        message = raw[match.end():] if match else raw
        kind = next((name for name, pattern in kinds if pattern.search(message)), "other")
        if kind == "other" and not source:
            continue  # continuation lines, Python warnings: kept out of the facts
        line = LogLine(kind, message, source)
        if line not in lines:  # TensorFlow prints several start-up lines twice
            lines.append(line)
    return lines


def read(python: str, timeout: float = DEFAULT_TIMEOUT, env: Mapping[str, str] | None = None) -> runner.TargetResult:
    """Run tf_facts.py in `python`; TensorFlow's C++ log level is lowered so its reasons are printed."""
    child_env = dict(os.environ if env is None else env)
    child_env["TF_CPP_MIN_LOG_LEVEL"] = "0"  # a user's 2 or 3 would hide the lines we classify
    return runner.run_target_script(python, "tf_facts.py", (), timeout=timeout, env=child_env)


def parse(result: runner.TargetResult) -> TfFacts:
    """A TargetResult of tf_facts.py -> TfFacts (every outcome, including crashes and hangs)."""
    command = result.command
    log = tuple(classify_log(command.stderr))
    common: dict = {"log": log, "seconds": round(command.seconds, 3)}
    if not result.ok:
        if command.status == runner.SIGNALLED:
            return TfFacts(CRASHED, result.problem, command.signal_name, **common)
        if command.status == runner.TIMED_OUT:
            return TfFacts(TIMED_OUT, result.problem, **common)
        return TfFacts(NO_ANSWER, result.problem or command.describe(), **common)
    data = result.data or {}
    if not data.get("installed"):
        return TfFacts(NOT_INSTALLED, "TensorFlow is not installed in this interpreter", **common)
    if data.get("import_error"):
        error = data["import_error"]
        log = log + tuple(line for line in classify_log(error) if line.kind != "other")
        common["log"] = log
        return TfFacts(IMPORT_FAILED, error, **common)
    return TfFacts(
        OK,
        version=data.get("version"),
        build_info=data.get("build_info") or {},
        built_with_cuda=data.get("built_with_cuda"),
        gpus=tuple(data.get("gpus") or ()),
        loaded=tuple(data.get("loaded") or ()),
        load_checks=tuple(data.get("load_checks") or ()),
        import_s=data.get("import_s"),
        file=data.get("file"),
        **common,
    )


def probe(python: str, timeout: float = DEFAULT_TIMEOUT, env: Mapping[str, str] | None = None) -> TfFacts:
    return parse(read(python, timeout, env))


def from_stages(imported, gpus) -> TfFacts:
    """TfFacts from doctor's shared child (probes.tf_stages): its `import` and `gpu` StageResults.

    The same facts tf_facts.py gives; when the import answered but the GPU listing did not, the
    status is GPU_FAILED with the import's facts kept and the listing's failure as `problem`.
    """
    from envcheck.probes import tf_stages  # doctor only

    facts = parse(tf_stages.as_target_result(imported, "tf_facts.py"))
    if facts.status != OK:
        return facts
    listed = tf_stages.as_target_result(gpus, "tf_facts.py")
    if listed.ok:
        return parse(runner.TargetResult(listed.command, dict(imported.answer, **listed.data), None))
    command = listed.command
    return facts._replace(status=GPU_FAILED, problem=gpus.problem, signal=command.signal_name,
                          log=tuple(classify_log(command.stderr)), seconds=round(command.seconds, 3))
