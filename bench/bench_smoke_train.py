"""Benchmark smoke-train end to end against a bare `import tensorflow`, interleaved, medians, ratios.

    python bench/bench_smoke_train.py [--rounds N] [--python PATH]

Targets (issue 4): the numpy backend within 0.3 s end to end; the tensorflow backend within
1.2 x a bare `python -c "import tensorflow"` with the same interpreter on the same machine.
Whole processes are timed (what a user waits for), piped, in rotating order so that load from
other work on the machine falls on every command alike.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time


def commands(python: str) -> dict[str, list[str]]:
    envcheck = [python, "-m", "envcheck", "smoke-train"]
    return {
        "python -c 'import tensorflow'": [python, "-c", "import tensorflow"],
        # the same import without interpreter teardown, which the smoke child skips (os._exit after
        # its answer): this is the stricter baseline, the import alone
        "python -c 'import tensorflow, os; os._exit(0)'": [python, "-c", "import tensorflow, os; os._exit(0)"],
        "smoke-train (tensorflow)": envcheck,
        "smoke-train --backend numpy": envcheck + ["--backend", "numpy"],
        "python -c 'import numpy'": [python, "-c", "import numpy"],
    }


def timed(argv: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout.decode()}{done.stderr.decode()[-2000:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--python", default=sys.executable)
    options = parser.parse_args()
    runs = commands(options.python)
    names = list(runs)
    for name in names:  # warm the page cache and .pyc files once; not counted
        timed(runs[name])
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(options.rounds):
        order = names[round_ % len(names):] + names[:round_ % len(names)]
        for name in order:
            times[name].append(timed(runs[name]))
    medians = {name: statistics.median(values) for name, values in times.items()}

    inside = json.loads(subprocess.run(runs["smoke-train (tensorflow)"] + ["--format", "json"],
                                       capture_output=True, text=True).stdout)["timings"]
    bare = medians["python -c 'import tensorflow'"]
    tf_run = medians["smoke-train (tensorflow)"]
    np_run = medians["smoke-train --backend numpy"]
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"python {sys.version.split()[0]}; {options.rounds} interleaved rounds, medians")
    print()
    print("| command | median | min | max |")
    print("|---|---|---|---|")
    for name in names:
        values = times[name]
        print(f"| `{name}` | {medians[name]:.3f} s | {min(values):.3f} s | {max(values):.3f} s |")
    print()
    strict = medians["python -c 'import tensorflow, os; os._exit(0)'"]
    print(f"smoke-train (tensorflow) / bare import tensorflow: {tf_run / bare:.2f} x (target <= 1.2 x)")
    print(f"smoke-train (tensorflow) / import without teardown: {tf_run / strict:.2f} x")
    print(f"smoke-train --backend numpy: {np_run:.3f} s (target <= 0.3 s)")
    print("inside the child (one run): " + ", ".join(f"{k} {v:.3f} s" for k, v in inside.items()))
    return 0 if tf_run <= 1.2 * bare and np_run <= 0.3 else 1


if __name__ == "__main__":
    sys.exit(main())
