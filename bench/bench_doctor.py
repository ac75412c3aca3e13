"""doctor's wall time against its slowest single check (issue 5: within 1.15 ×).

Interleaved rounds: each round runs the whole doctor once, then every area alone (a fresh set of
shared sources each time, so an area alone pays for everything it needs, e.g. the TensorFlow area
for check-cuda's TensorFlow child). Medians over the rounds; the ratio is
median(doctor) / max over areas of median(area alone). In-process, through the library, so the
numbers are the checks themselves and not interpreter start-up.

    python bench/bench_doctor.py [--rounds 5] [--python PATH]
"""

from __future__ import annotations

import argparse
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
    alone: dict[str, list[float]] = {spec.key: [] for spec in doctor.AREAS}
    for round_number in range(args.rounds):
        started = time.monotonic()
        result = doctor.run(python)
        whole.append(time.monotonic() - started)
        assert not any(f.code in ("AREA_FAILED", "AREA_TIMED_OUT") for a in result.areas for f in a.findings), result.to_dict()
        for spec in doctor.AREAS:
            started = time.monotonic()
            doctor.run(python, [spec])
            alone[spec.key].append(time.monotonic() - started)
        print(f"round {round_number + 1}: doctor {whole[-1]:.2f} s; " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in alone.items()), flush=True)
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
    print(f"doctor / slowest single check ({slowest}) = {doctor_median / medians[slowest]:.2f} (target ≤ 1.15)")


if __name__ == "__main__":
    main()
