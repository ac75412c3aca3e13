"""Benchmark envcheck summarize on a class's or a cluster's worth of hand-ins (target: 2,000 in ≤ 2 s).

Makes real documents once (`envcheck report`, `check-cuda --no-tf`, `smoke-train --backend numpy`
and `verify` in this environment), then a folder of N hand-ins: copies of them under students' and
nodes' names, about one in ten with other TensorFlow and NumPy versions (drift) and a few truncated
(unreadable rows). Times whole processes, as a teaching assistant runs them, interleaved over rounds
(each round runs every variant once, shuffled), and prints medians and the ratio to the target. Not
a test: run it by hand and record the output in bench/RESULTS.md.

    python bench/bench_summarize.py [--hosts 2000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 2.0
KINDS = {  # what a class and a cluster hand in, with the share of each
    "report": (["report"], 0.5),
    "check-cuda": (["check-cuda", "--no-tf"], 0.3),
    "smoke-train": (["smoke-train", "--backend", "numpy"], 0.1),
    "verify": (["verify", "--profile", "cpu-course"], 0.1),
}


def envcheck(*args: str) -> list[str]:
    return [sys.executable, "-m", "envcheck", *args]


def real_documents() -> dict[str, dict]:
    documents = {}
    for kind, (args, _) in KINDS.items():
        done = subprocess.run(envcheck(*args, "--format", "json"), capture_output=True, text=True, timeout=600)
        documents[kind] = json.loads(done.stdout)
    return documents


def make_handins(folder: Path, documents: dict[str, dict], hosts: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    kinds = list(KINDS)
    weights = [KINDS[kind][1] for kind in kinds]
    for index in range(hosts):
        kind = rng.choices(kinds, weights)[0]
        text = json.dumps(documents[kind], indent=2)
        if rng.random() < 0.1:  # drift: versions that start with 2. (TensorFlow, NumPy) become 1.
            text = text.replace('"version": "2.', '"version": "1.')
        if rng.random() < 0.01:
            text = text[: len(text) // 3]  # a truncated hand-in
        (folder / f"student-{index:05d}.json").write_text(text)


def measure(commands: dict[str, tuple[list[str], Path | None]], rounds: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for argv, stdin in commands.values():  # warm the page cache once
        _run(argv, stdin)
    for _ in range(rounds):
        order = list(commands)
        random.shuffle(order)
        for name in order:
            argv, stdin = commands[name]
            started = time.perf_counter()
            _run(argv, stdin)
            samples[name].append(time.perf_counter() - started)
    return samples


def _run(argv: list[str], stdin: Path | None) -> None:
    with open(stdin, "rb") if stdin else open("/dev/null", "rb") as stream:
        done = subprocess.run(argv, stdin=stream, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{argv}: exit {done.returncode}: {done.stderr.decode()[-500:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    documents = real_documents()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "handins"
        folder.mkdir()
        make_handins(folder, documents, options.hosts)
        stream = Path(tmp) / "stream.jsonl"
        stream.write_text("".join(json.dumps(json.loads(p.read_text())) + "\n" for p in sorted(folder.iterdir())
                                  if p.read_text().rstrip().endswith("}")))
        megabytes = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], None),
            "summarize DIR (text)": (envcheck("summarize", "--format", "text", str(folder)), None),
            "summarize DIR --format json": (envcheck("summarize", "--format", "json", str(folder)), None),
            "summarize DIR --format html": (envcheck("summarize", "--format", "html", str(folder)), None),
            "summarize - < JSON lines": (envcheck("summarize", "--format", "text", "-"), stream),
        }
        samples = measure(commands, options.rounds)
    print(f"{options.hosts} hand-ins ({megabytes:.1f} MB: {', '.join(KINDS)}), {options.rounds} rounds, "
          f"Python {sys.version.split()[0]}")
    print(f"{'command':32} {'median':>9} {'min':>9} {'max':>9}  vs target {TARGET_S:g} s")
    for name, values in samples.items():
        median = statistics.median(values)
        verdict = "" if name.startswith("python") else f"  {median / TARGET_S:.2f}× of target"
        print(f"{name:32} {median:8.3f}s {min(values):8.3f}s {max(values):8.3f}s{verdict}")


if __name__ == "__main__":
    main()
