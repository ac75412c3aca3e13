"""Benchmark count-packages and list-tf-packages against pip list, uv pip list and `python -c pass`.

Makes synthetic virtual environments of 100, 1,000 and 5,000 distributions (each a .dist-info with
METADATA, INSTALLER and RECORD, as pip leaves them), runs every tool inside each environment the way
a user would, interleaved in one run (every round runs each tool once, in a shuffled order), and
reports medians and ratios. Not a test: run it by hand and record the output in bench/RESULTS.md.

    python bench/bench_packages.py [--sizes 100 1000 5000] [--rounds 9] [--out bench/out]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TENSOR_FAMILY = ["tensorflow", "tensorboard", "tensorboard-data-server", "tensorflow-io-gcs-filesystem"]
SCRIPT = """#!{python}
import sys
from envcheck.cli import {entry}
if __name__ == '__main__':
    sys.argv[0] = sys.argv[0].removesuffix('.exe')
    sys.exit({entry}())
"""  # the console script pip 26 writes


def make_environment(root: Path, size: int) -> Path:
    """A venv with pip, `size` synthetic distributions, and envcheck importable as an editable install."""
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, capture_output=True)
    site = next((root / "lib").glob("python3.*/site-packages"))
    names = TENSOR_FAMILY + [f"synthetic-package-{i:05d}" for i in range(size - len(TENSOR_FAMILY))]
    for i, name in enumerate(names):
        info = site / f"{name.replace('-', '_')}-1.{i}.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.{i}.0\nSummary: synthetic\n\n" + "x" * 2000
        )
        (info / "INSTALLER").write_text("pip\n")
        (info / "RECORD").write_text(f"{info.name}/METADATA,,\n")
    (site / "envcheck_dev.pth").write_text(f"{ROOT}\n")  # what an editable install of envcheck adds
    # Byte-compile envcheck as pip does at install time (PYTHONDONTWRITEBYTECODE may be set here).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "envcheck")], check=True)
    python = root / "bin" / "python"
    for command, entry in (("count-packages", "main_count_packages"), ("list-tf-packages", "main_list_tf_packages")):
        script = root / "bin" / command
        script.write_text(SCRIPT.format(python=python, entry=entry))
        script.chmod(0o755)
    return root


def outside_script(folder: Path) -> Path:
    """count-packages as pip 26 installs it into the environment running this benchmark: envcheck
    living in one environment and inspecting another with --python, as uv does."""
    script = folder / "count-packages"
    script.write_text(SCRIPT.format(python=sys.executable, entry="main_count_packages"))
    script.chmod(0o755)
    return script


def tools(env: Path) -> dict[str, list[str]]:
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    outside = str(outside_script(env.parent))
    return {
        "python -c pass": [str(env / "bin" / "python"), "-c", "pass"],
        "count-packages": [str(env / "bin" / "count-packages")],
        "count --python": [outside, "--python", str(env)],
        "count --python --no-cache": [outside, "--python", str(env), "--no-cache"],
        "list-tf-packages": [str(env / "bin" / "list-tf-packages")],
        "uv pip list": [uv, "pip", "list", "--python", str(env / "bin" / "python")],
        "pip list": [str(env / "bin" / "python"), "-m", "pip", "list"],
    }


def measure(commands: dict[str, list[str]], rounds: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for argv in commands.values():  # warm the page cache and uv's interpreter cache once
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(rounds):
        order = list(commands)
        random.shuffle(order)
        for name in order:
            started = time.perf_counter()
            subprocess.run(commands[name], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    print(f"# {time.strftime('%Y-%m-%d')}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"{args.rounds} rounds, medians in ms\n")
    print("| distributions | python -c pass | count-packages | list-tf-packages | uv pip list | pip list "
          "| count / uv | pip / count | list / count "
          "| count --python | count --python --no-cache | count --python / uv |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="envcheck-bench-") as tmp:
        # envcheck's interpreter cache goes to a folder of this run, never the user's own cache.
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        env_vars = dict(os.environ)
        for size in args.sizes:
            env = make_environment(Path(tmp) / f"env{size}", size)
            check = subprocess.run([str(env / "bin" / "count-packages")], capture_output=True, text=True, env=env_vars)
            assert int(check.stdout) == size + 2, check  # + pip and setuptools
            # The cache remembers an interpreter only once its files are 2 s old (python_cache.RACY_NS).
            time.sleep(2.1)
            outside = subprocess.run(tools(env)["count --python"], capture_output=True, text=True, env=env_vars)
            assert int(outside.stdout) == size + 2, outside
            m = measure(tools(env), args.rounds)
            ms = {name: value * 1000 for name, value in m.items()}
            print(f"| {size:,} | {ms['python -c pass']:.1f} | {ms['count-packages']:.1f} "
                  f"| {ms['list-tf-packages']:.1f} "
                  f"| {ms['uv pip list']:.1f} | {ms['pip list']:.0f} "
                  f"| {m['count-packages'] / m['uv pip list']:.2f} | {m['pip list'] / m['count-packages']:.0f} "
                  f"| {m['list-tf-packages'] / m['count-packages']:.2f} "
                  f"| {ms['count --python']:.1f} | {ms['count --python --no-cache']:.1f} "
                  f"| {m['count --python'] / m['uv pip list']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
