"""Benchmark `envcheck verify --requirements` against the offline answers pip and uv give for the same file.

The file is this environment's own `pip freeze` (every installed distribution pinned with ==) plus
`tensorflow[and-cuda]>=2.16`, so the answer needs every distribution's metadata and the and-cuda
extra walked. The peers: `pip install --dry-run --no-index --find-links EMPTY -r FILE` (pip resolves
against what is installed and may download nothing) and `uv pip install --dry-run --offline -r FILE`.
Every round runs each tool once, in a shuffled order; medians and ratios are printed. Not a test:
run it by hand and record the output in bench/RESULTS.md.

    python bench/bench_verify.py [--rounds 9]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def commands(requirements: Path, empty: Path) -> dict[str, list[str]]:
    python = sys.executable
    found = {
        "envcheck verify -r": [
            python,
            "-m",
            "envcheck",
            "verify",
            "--requirements",
            str(requirements),
            "--format",
            "json",
        ],
        "pip install --dry-run --no-index": [
            python,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--no-index",
            "--find-links",
            str(empty),
            "--disable-pip-version-check",
            "-q",
            "-r",
            str(requirements),
        ],
    }
    uv = shutil.which("uv") or str(Path(python).parent / "uv")
    if Path(uv).exists():
        found["uv pip install --dry-run --offline"] = [
            uv,
            "pip",
            "install",
            "--dry-run",
            "--offline",
            "--python",
            python,
            "-q",
            "-r",
            str(requirements),
        ]
    return found


def measure(tools: dict[str, list[str]], rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in tools}
    for _ in range(rounds):
        order = list(tools)
        random.shuffle(order)
        for name in order:
            started = time.perf_counter()
            subprocess.run(tools[name], capture_output=True)  # a verdict of "not satisfied" is an answer too
            times[name].append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        freeze = subprocess.run(
            [sys.executable, "-m", "pip", "freeze", "--exclude-editable"], capture_output=True, text=True, check=True
        ).stdout
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text(freeze + "tensorflow[and-cuda]>=2.16\n")
        empty = Path(scratch) / "empty"
        empty.mkdir()
        lines = len([line for line in freeze.splitlines() if line.strip()]) + 1
        times = measure(commands(requirements, empty), args.rounds)
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["envcheck verify -r"]
    print(f"{lines} requirement lines; medians of {args.rounds} interleaved rounds")
    print("| tool | median (ms) | × envcheck |")
    print("|---|---|---|")
    for name, value in medians.items():
        print(f"| {name} | {value * 1000:.0f} | {value / base:.2f} |")


if __name__ == "__main__":
    main()
