"""Benchmark check-cuda against what people run instead: nvidia-smi and a bare TensorFlow import.

Whole processes, interleaved (A, B, A, B, ...) so drift in machine load hits both sides alike;
medians and ratios. Run from the repository root with the venv that has envcheck installed:

    python bench/bench_check_cuda.py [--runs 7] [--tf-runs 5] [--fake-smi-host DIR]

Without a GPU, `nvidia-smi` is a fake that prints a captured host's output (see --fake-smi-host):
its cost is a shell plus `cat`, far below a real nvidia-smi (28 ms for -L on the H200 host), so the
ratio against it is an upper bound of what a real GPU host would show.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from _timing import timed  # bench/ is sys.path[0] when a script runs

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_HOST = ROOT / "tests" / "fixtures" / "hosts" / "h200-driver580-cuda13"


def interleaved(commands: dict[str, list[str]], runs: int, env, extra_env=None) -> dict[str, tuple[float, float]]:
    """name -> (median wall, median CPU), runs interleaved A, B, A, B ...; extra_env: name -> variables
    that command alone runs with (ENVCHECK_LANG=ko)."""
    extra_env = extra_env or {}
    envs = {name: dict(env, **extra_env.get(name, {})) for name in commands}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for name, argv in commands.items():
        timed(argv, envs[name])  # warm the page cache once
    for _ in range(runs):
        for name, argv in commands.items():
            samples[name].append(timed(argv, envs[name]))
    return {
        name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
        for name, values in samples.items()
    }


def show(title: str, results: dict[str, tuple[float, float]]) -> None:
    print(title)
    for name, (wall, cpu) in results.items():
        print(f"  {name:<34} wall {wall * 1000:8.1f} ms   cpu {cpu * 1000:8.1f} ms")


def ratio(results, a: str, b: str) -> str:
    wall = results[a][0] / results[b][0]
    cpu = results[a][1] / max(results[b][1], 1e-9)
    return f"  ratio {a} / {b}: wall {wall:.2f}, cpu {cpu:.2f}"


def fake_smi_dir(host: Path) -> str:
    directory = tempfile.mkdtemp(prefix="bench-smi-")
    script = Path(directory) / "nvidia-smi"
    script.write_text(
        "#!/bin/sh\n"
        'case "$*" in\n'
        f"  *--query-gpu*) exec cat '{host}/nvidia-smi-query.txt' ;;\n"
        f"  *-q*-x*) exec cat '{host}/nvidia-smi-q-x.txt' ;;\n"
        f"  -L) exec cat '{host}/nvidia-smi-L.txt' ;;\n"
        f"  --version) exec cat '{host}/nvidia-smi-version.txt' ;;\n"
        f"  *) exec cat '{host}/nvidia-smi.txt' ;;\n"
        "esac\n"
    )
    script.chmod(0o755)
    return directory


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tf-runs", type=int, default=5)
    parser.add_argument("--fake-smi-host", type=Path, default=DEFAULT_HOST)
    args = parser.parse_args()

    bin_dir = Path(sys.executable).parent
    check_cuda = str(bin_dir / "check-cuda") if (bin_dir / "check-cuda").exists() else None
    base = [check_cuda] if check_cuda else [sys.executable, "-m", "envcheck", "check-cuda"]
    env = dict(os.environ)

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, runs={args.runs}, tf-runs={args.tf_runs}")
    print(f"check-cuda = {' '.join(base)}\n")

    # 1. No GPU here: check-cuda --no-tf as this machine sees itself (no nvidia-smi, no driver).
    real_smi = shutil.which("nvidia-smi")
    commands = {"check-cuda --no-tf -q": base + ["--no-tf", "-q"], "python -c pass": [sys.executable, "-c", "pass"]}
    if (bin_dir / "count-packages").exists():  # the same start-up (envcheck.cli, argparse, target) on a fast path
        commands["count-packages"] = [str(bin_dir / "count-packages")]
    no_gpu = interleaved(commands, args.runs, env)
    show("host without GPU (no nvidia-smi on PATH)" if not real_smi else f"host with nvidia-smi at {real_smi}", no_gpu)
    print()

    # 1b. The same answer printed for a person, in English and in Korean (the catalogue is loaded
    # only when Korean text is printed): the Korean run must stay within the same target.
    english, korean = "check-cuda --no-tf (text, en)", "check-cuda --no-tf (text, ENVCHECK_LANG=ko)"
    text = base + ["--no-tf", "--format", "text"]
    printed = interleaved({english: text, korean: text}, args.runs, env,
                          {english: {"ENVCHECK_LANG": "en"}, korean: {"ENVCHECK_LANG": "ko"}})
    show("printed text, English and Korean", printed)
    print(ratio(printed, korean, english))
    print()

    # 2. The captured H200 host, through a fake nvidia-smi first on PATH.
    smi_env = dict(env)
    if not real_smi:
        smi_env["PATH"] = fake_smi_dir(args.fake_smi_host) + os.pathsep + env.get("PATH", "")
    gpu = interleaved(
        {
            "check-cuda --no-tf -q": base + ["--no-tf", "-q"],
            "nvidia-smi -L": ["nvidia-smi", "-L"],
            "nvidia-smi --query-gpu": ["nvidia-smi", "--query-gpu=index,name", "--format=csv,noheader"],
        },
        args.runs,
        smi_env,
    )
    show("GPU host" + (" (FAKE nvidia-smi printing the captured H200 outputs)" if not real_smi else ""), gpu)
    print(ratio(gpu, "check-cuda --no-tf -q", "nvidia-smi -L"))
    print()

    # 3. Full check-cuda against one bare TensorFlow import.
    bare = "python -c 'import tensorflow'"
    full = interleaved(
        {"check-cuda -q": base + ["-q"], bare: [sys.executable, "-c", "import tensorflow"]},
        args.tf_runs,
        env,
    )
    show("with TensorFlow", full)
    print(ratio(full, "check-cuda -q", bare))
    return 0


if __name__ == "__main__":
    sys.exit(main())
