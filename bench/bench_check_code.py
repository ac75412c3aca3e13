"""Benchmark check-code on a course of ~100 files against a bare `python -c "import tensorflow"`.

The course is the test course (tests/fixtures/course: TensorFlow 1 graphs, Keras 2 models, NumPy
aliases, notebooks, a Python 2 file) copied into `--copies` week folders, so every file is parsed and
every chain resolved as a real course's would be. Whole processes, interleaved (A, B, A, B, ...) so
drift in machine load hits both alike; medians of wall and CPU time; the ratio is printed. Run from
the repository root with the venv that has envcheck and TensorFlow installed:

    python -m compileall -q envcheck && python bench/bench_check_code.py [--runs 5] [--copies 8]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _timing import timed  # bench/ is sys.path[0] when a script runs

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "tests" / "fixtures" / "course"


def make_course(copies: int) -> tuple[str, int]:
    """A course of `copies` × the test course's files (week folders renamed per copy), and its file count."""
    folder = tempfile.mkdtemp(prefix="bench-course-")
    shutil.copytree(COURSE / "common", Path(folder) / "common")
    shutil.copy(COURSE / "utils.py", Path(folder) / "utils.py")
    for copy in range(copies):
        for week in sorted(p for p in COURSE.iterdir() if p.is_dir() and p.name.startswith("week")):
            shutil.copytree(week, Path(folder) / f"part{copy}" / week.name)
    count = sum(1 for _ in Path(folder).rglob("*.py")) + sum(1 for _ in Path(folder).rglob("*.ipynb"))
    return folder, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--copies", type=int, default=10)
    args = parser.parse_args()
    course, files = make_course(args.copies)
    env = dict(os.environ)
    commands = {
        "import tensorflow": [sys.executable, "-c", "import tensorflow"],
        # the same without the interpreter's teardown, which check-code's child skips (os._exit)
        "import tf, os._exit": [sys.executable, "-c", "import tensorflow, os; os._exit(0)"],
        "check-code": [sys.executable, "-m", "envcheck", "check-code", course, "--format", "json"],
    }
    done = subprocess.run(commands["check-code"], env=env, capture_output=True, text=True, check=False)
    report = json.loads(done.stdout)
    print(f"course: {files} files, {len(report['findings'])} findings, exit {done.returncode}; "
          f"{args.runs} interleaved runs after one warm-up each")
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for argv in commands.values():
        timed(argv, env)
    for _ in range(args.runs):
        for name, argv in commands.items():
            samples[name].append(timed(argv, env))
    medians = {name: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
               for name, v in samples.items()}
    for name, (wall, cpu) in medians.items():
        print(f"  {name:<20} wall {wall * 1000:8.1f} ms   cpu {cpu * 1000:8.1f} ms")
    wall = medians["check-code"][0] / medians["import tensorflow"][0]
    cpu = medians["check-code"][1] / medians["import tensorflow"][1]
    print(f"  ratio check-code / import tensorflow: wall {wall:.2f}, cpu {cpu:.2f} (target <= 1.3)")
    wall = medians["check-code"][0] / medians["import tf, os._exit"][0]
    cpu = medians["check-code"][1] / medians["import tf, os._exit"][1]
    print(f"  ratio check-code / import tensorflow without teardown: wall {wall:.2f}, cpu {cpu:.2f}")
    shutil.rmtree(course, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
