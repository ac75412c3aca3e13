"""doctor's wall time against its slowest single check (issue 5: within 1.15 ×).

Interleaved rounds: each round runs the whole doctor once, then every area alone (a fresh set of
shared sources each time, so an area alone pays for everything it needs, e.g. the TensorFlow area
for check-cuda's TensorFlow child). Medians over the rounds; two ratios: median(doctor) / max over
areas of median(area alone), and the median over rounds of doctor / the slowest area of that same
round (less sensitive to other load on a shared machine drifting between rounds). In-process, through the library, so
the numbers are the checks themselves and not interpreter start-up.

    python bench/bench_doctor.py [--rounds 5] [--python PATH]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time

from envcheck import target
from envcheck.checks import doctor


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--python")
    args = parser.parse_args()
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


def _cpu_seconds() -> float:
    """User + system CPU time of this process and every child it has waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
