"""Real envcheck documents from varied worlds, made once per test session for summarize and fleet.

Each world is a real run of an envcheck command (no hand-written JSON): GPU nodes answered by a
stand-in `nvidia-smi` that prints the captured H200 host's output (one with an older driver, made
from the same capture with the driver and CUDA versions changed), a node whose driver and library
disagree, a CPU-only laptop, doctor and report with a stand-in TensorFlow that sees the H200, a NumPy
smoke-train, and verify against a profile the environment does not meet.
"""

from __future__ import annotations

import json
import platform
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cuda_fakes import SMI_MISMATCH, TF_SEES_H200, failing_nvidia_smi, fake_nvidia_smi, path_with, stand_in_package
from helpers import H200, run_cli

OLD_DRIVER, OLD_CUDA = "570.172.08", "12.8"
# label -> what it shows; the names a class's or a cluster's hand-ins would have
READY_GPU = ("gpu-node01", "gpu-node02")
OLD_DRIVER_GPU = "gpu-node03"
MISMATCH = "gpu-node07"
CPU_LAPTOP = "cpu-laptop"
DOCTOR, REPORT, SMOKE, VERIFY = "kim-minji", "park-jun", "lee-seo", "choi-yuna"


def older_driver_host(root: Path) -> Path:
    """The captured H200 host as it would print with driver 570 (CUDA 12.8): a cluster's odd node out."""
    host = root / "h200-driver570"
    shutil.copytree(H200, host, ignore=lambda folder, names: [n for n in names if not n.startswith("nvidia-smi")])
    for path in host.iterdir():
        text = path.read_text(errors="surrogateescape")
        text = text.replace("580.159.04", OLD_DRIVER).replace("13.0", OLD_CUDA).replace("13000", "12080")
        path.write_text(text, errors="surrogateescape")
    return host


def make(root: Path) -> dict[str, Path]:
    """Run every world (in parallel: each is a child process); returns label -> its JSON file."""
    root.mkdir(parents=True, exist_ok=True)
    fake_nvidia_smi(root / "bin-h200")
    fake_nvidia_smi(root / "bin-h200-570", older_driver_host(root))
    failing_nvidia_smi(root / "bin-mismatch", SMI_MISMATCH, 18)
    site = stand_in_package(root / "site", "tensorflow", TF_SEES_H200)
    profile = root / "numpy-99.toml"
    profile.write_text('[profile]\nname = "numpy-99"\n\n[python]\nversion = ">=3.9"\n\n[packages]\nnumpy = ">=99"\n')
    gpu_env = {"PATH": path_with(root / "bin-h200"), "PYTHONPATH": str(site)}
    runs = {
        READY_GPU[0]: (["check-cuda", "--no-tf"], {"PATH": path_with(root / "bin-h200")}),
        READY_GPU[1]: (["check-cuda", "--no-tf"], {"PATH": path_with(root / "bin-h200")}),
        OLD_DRIVER_GPU: (["check-cuda", "--no-tf"], {"PATH": path_with(root / "bin-h200-570")}),
        MISMATCH: (["check-cuda", "--no-tf"], {"PATH": path_with(root / "bin-mismatch")}),
        CPU_LAPTOP: (["check-cuda", "--no-tf"], {"PATH": "/usr/bin:/bin"}),
        DOCTOR: (["doctor"], gpu_env),
        REPORT: (["report"], gpu_env),
        SMOKE: (["smoke-train", "--backend", "numpy"], {}),
        VERIFY: (["verify", "--profile", str(profile)], {}),
    }
    out = root / "handins"
    out.mkdir()

    def one(item):
        label, (args, env) = item
        result = run_cli(*args, "--format", "json", env=env, timeout=300)
        assert result.stdout.startswith("{"), (label, result.returncode, result.stderr)
        path = out / f"{label}.json"
        # each world stands for a machine of its own: its JSON names that machine, not the test's host
        path.write_text(result.stdout.replace(f'"host": {json.dumps(platform.node())}', f'"host": "{label}"'))
        return label, path

    with ThreadPoolExecutor(4) as pool:
        return dict(pool.map(one, runs.items()))


def copy_to(worlds: dict[str, Path], folder: Path) -> Path:
    """A fresh copy of every world's hand-in in `folder` (to add broken files to); returns the folder."""
    folder.mkdir(parents=True)
    for label, path in worlds.items():
        shutil.copy(path, folder / f"{label}.json")
    return folder
