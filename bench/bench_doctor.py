"""doctor against one bare TensorFlow import (issue 13), and against its slowest single check (issue 5).

Whole processes first (issue 13: CPU seconds of doctor and every process it starts, and wall time,
each within 1.3 × of `python -c "import tensorflow"`): interleaved rounds of `envcheck doctor
--format json` and the bare import, each a child of this benchmark; CPU = user + system of the child
and all its descendants (resource.getrusage(RUSAGE_CHILDREN) before and after: every process envcheck
starts is waited for, so its time is counted). Also the retry path: doctor with a stand-in TensorFlow
(the real one, whose GPU listing crashes) so the shared child dies listing GPUs and the training runs
again in a fresh child. `--compare TREE` adds doctor from another source tree (e.g. /work/main, before
the shared child) to the same rounds.

Then, unless --skip-areas:

Interleaved rounds: each round runs the whole doctor once, then every area alone (a fresh set of
shared sources each time, so an area alone pays for everything it needs, e.g. the TensorFlow area
for check-cuda's TensorFlow child). Medians over the rounds; two ratios: median(doctor) / max over
areas of median(area alone), and the median over rounds of doctor / the slowest area of that same
round (less sensitive to other load on a shared machine drifting between rounds). In-process, through the library, so
the numbers are the checks themselves and not interpreter start-up.

    python bench/bench_doctor.py [--rounds 5] [--python PATH] [--compare TREE] [--skip-areas | --skip-processes]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from envcheck import target
from envcheck.checks import doctor


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--python")
    parser.add_argument("--compare", metavar="TREE", help="also run doctor from this envcheck source tree")
    parser.add_argument("--skip-areas", action="store_true", help="only the whole-process comparison")
    parser.add_argument("--skip-processes", action="store_true", help="only the in-process areas comparison")
    args = parser.parse_args()
    if not args.skip_processes:
        processes(args)
    if args.skip_areas:
        return
    python = target.resolve(args.python)
    whole: list[float] = []
    whole_cpu: list[float] = []
    alone: dict[str, list[float]] = {spec.key: [] for spec in doctor.AREAS}
    for round_number in range(args.rounds):
        started, cpu = time.monotonic(), _cpu_seconds()
        result = doctor.run(python)
        whole.append(time.monotonic() - started)
        whole_cpu.append(_cpu_seconds() - cpu)
        failed = [f.code for a in result.areas for f in a.findings if f.code in ("AREA_FAILED", "AREA_TIMED_OUT")]
        assert not failed, result.to_dict()
        for spec in doctor.AREAS:
            started = time.monotonic()
            doctor.run(python, [spec])
            alone[spec.key].append(time.monotonic() - started)
        each = ", ".join(f"{k} {v[-1]:.2f}" for k, v in alone.items())
        print(f"round {round_number + 1}: doctor {whole[-1]:.2f} s; {each}", flush=True)
    medians = {key: statistics.median(values) for key, values in alone.items()}
    slowest = max(medians, key=medians.get)
    doctor_median = statistics.median(whole)
    print()
    print(f"| check | median of {args.rounds} (s) |")
    print("|---|---|")
    for key, value in medians.items():
        print(f"| {key} alone | {value:.2f} |")
    print(f"| **doctor (all {len(medians)} at once)** | **{doctor_median:.2f}** |")
    print(f"| sum of the checks alone | {sum(medians.values()):.2f} |")
    print()
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpu_median = statistics.median(whole_cpu)
    per_round = [whole[i] / max(values[i] for values in alone.values()) for i in range(args.rounds)]
    print(f"doctor / slowest single check ({slowest}), ratio of medians = {doctor_median / medians[slowest]:.2f} "
          "(target ≤ 1.15)")
    print(f"median of the per-round ratios (doctor / slowest check of the same round) = "
          f"{statistics.median(per_round):.2f}; rounds: {', '.join(f'{r:.2f}' for r in per_round)}")
    print(f"doctor used {cpu_median:.2f} CPU-seconds (itself and its children) per run; on {cpus} CPUs that is at "
          f"least {cpu_median / cpus:.2f} s of wall time even with the machine to itself; "
          f"load average now {os.getloadavg()[0]:.2f}")


# The real TensorFlow, whose GPU listing kills the process: the retry path of the shared child.
CRASHING_GPU_LISTING = """
import os, signal, sys
here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
del sys.modules["tensorflow"]
import tensorflow as real

def list_physical_devices(kind=None):
    os.kill(os.getpid(), signal.SIGSEGV)

real.config.list_physical_devices = list_physical_devices
sys.modules["tensorflow"] = real
"""


def processes(args) -> None:
    root = Path(__file__).resolve().parent.parent
    python = args.python or sys.executable
    doctor_argv = [sys.executable, "-m", "envcheck", "doctor", "--format", "json"]
    if args.python:
        doctor_argv += ["--python", args.python]
    stand_in = Path(tempfile.mkdtemp(prefix="envcheck-bench-doctor-"))
    (stand_in / "tensorflow").mkdir()
    (stand_in / "tensorflow" / "__init__.py").write_text(CRASHING_GPU_LISTING)
    commands = {
        "python -c 'import tensorflow'": ([python, "-c", "import tensorflow"], None),
        "envcheck doctor": (doctor_argv, {"PYTHONPATH": str(root)}),
        "doctor, retry path": (doctor_argv, {"PYTHONPATH": os.pathsep.join([str(stand_in), str(root)])}),
    }
    if args.compare:
        commands["doctor at " + args.compare] = (doctor_argv, {"PYTHONPATH": args.compare, "CWD": args.compare})
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(args.rounds + 1):  # the first round warms the page cache and is not counted
        names = list(commands)
        names = names[round_number % len(names):] + names[:round_number % len(names)]  # rotate the order
        for name in names:
            argv, extra = commands[name]
            env = dict(os.environ, **(extra or {}))
            cwd = env.pop("CWD", str(root))  # `python -m` imports envcheck from the working directory first
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.monotonic()
            done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd)
            seconds = time.monotonic() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if "doctor" in name:
                areas = {area["key"]: area for area in json.loads(done.stdout)["areas"]}
                broken = [a["key"] for a in areas.values() if any(f["code"].startswith("AREA_") for f in a["findings"])]
                assert not broken, (name, broken)
                if name == "doctor, retry path":
                    assert any(f["code"] == "TF_GPU_LISTING_FAILED" for f in areas["gpu"]["findings"]), areas["gpu"]
            elif done.returncode != 0:
                raise SystemExit(f"{name} failed: {done.stderr[-500:]}")
            if round_number:
                wall[name].append(seconds)
                cpu[name].append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if round_number:
            print(f"round {round_number}: " + "; ".join(f"{n} {wall[n][-1]:.2f} s wall, {cpu[n][-1]:.2f} s CPU"
                                                       for n in commands), flush=True)
    bare = "python -c 'import tensorflow'"
    print()
    print(f"| process tree | wall, median of {args.rounds} (s) | CPU (s) | wall / bare import | CPU / bare import |")
    print("|---|---|---|---|---|")
    for name in commands:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"| {name} | {w:.2f} | {c:.2f} | {w / statistics.median(wall[bare]):.2f} | "
              f"{c / statistics.median(cpu[bare]):.2f} |")
    for what, samples in (("CPU", cpu), ("wall", wall)):
        per_round = [samples["envcheck doctor"][i] / samples[bare][i] for i in range(args.rounds)]
        print(f"per-round doctor / bare import {what} ratios: {', '.join(f'{r:.2f}' for r in per_round)}; "
              f"median {statistics.median(per_round):.2f} (target ≤ 1.3)")
    print(f"load average now {os.getloadavg()[0]:.2f}\n", flush=True)


def _cpu_seconds() -> float:
    """User + system CPU time of this process and every child it has waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
