"""The CUDA toolkit and the CUDA libraries the dynamic loader would find.

Toolkit: `nvcc --version` on PATH, `CUDA_HOME` / `CUDA_PATH`, `/usr/local/cuda*` (reported, and
explained as not needed by pip TensorFlow, which brings or dlopens its own libraries).
Libraries: the pip CUDA wheels (`site-packages/nvidia/*/lib`, with the `nvidia-*` distributions'
versions), `ldconfig -p`, and the directories of `LD_LIBRARY_PATH`. Each reader takes an
injectable root / runner / environment; each parser is pure.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping

from envcheck import runner
from envcheck.model import Library, Toolkit  # noqa: F401 (the records live in the model; re-exported)

# Library stems check-cuda reports (file names start with lib<stem>.so).
LIBRARIES = (
    "cudart",
    "cublas",
    "cublasLt",
    "cufft",
    "curand",
    "cusolver",
    "cusparse",
    "cudnn",
    "nccl",
    "nvJitLink",
    "cuda",  # libcuda.so.1: the driver's, never from pip
    "nvidia-ml",  # libnvidia-ml.so.1: the driver's NVML
)
_LIB_NAME = re.compile(r"^lib(" + "|".join(re.escape(stem) for stem in LIBRARIES) + r")\.so(?:\.([\d.]+))?$")

Runner = Callable[..., runner.CommandResult]


# ----------------------------------------------------------------------------------- parsers

_NVCC_RELEASE = re.compile(r"release (\d+\.\d+)(?:, V([\d.]+))?")


def parse_nvcc_version(text: str) -> str | None:
    """`nvcc --version` -> "13.0" (from 'Cuda compilation tools, release 13.0, V13.0.88'), or None."""
    match = _NVCC_RELEASE.search(text)
    return match.group(1) if match else None


def parse_cuda_version_json(text: str) -> str | None:
    """<toolkit>/version.json -> "13.0" (major.minor of its "cuda" entry), or None."""
    import json  # a toolkit's version.json is read only when there is a toolkit

    try:
        version = json.loads(text).get("cuda", {}).get("version")
    except (ValueError, AttributeError):
        return None
    return ".".join(str(version).split(".")[:2]) if version else None


def parse_ldconfig(text: str) -> list[tuple[str, str]]:
    """`ldconfig -p` -> [(soname, path)] for the CUDA and driver libraries (x86-64 and others alike)."""
    found = []
    for line in text.splitlines():
        name, sep, path = line.strip().partition(" => ")
        if not sep:
            continue
        soname = name.split(" (", 1)[0].strip()
        if _LIB_NAME.match(soname):
            found.append((soname, path.strip()))
    return found


def library_stem(file_name: str) -> str | None:
    match = _LIB_NAME.match(file_name)
    return match.group(1) if match else None


# ----------------------------------------------------------------------------------- readers


def toolkits(
    env: Mapping[str, str] | None = None,
    run: Runner | None = runner.run,
    root: str = "/",
    timeout: float = 10.0,
) -> list[Toolkit]:
    """Every CUDA toolkit found: nvcc on PATH first, then CUDA_HOME / CUDA_PATH, then /usr/local/cuda*.

    `run=None` reads versions from files only (version.json, a cuda-X.Y directory name): starting
    nvcc costs ~70 ms, too much for the --no-tf fast path.
    """
    env = os.environ if env is None else env
    found: list[Toolkit] = []
    seen: set[str] = set()
    nvcc = runner.which("nvcc", path=env.get("PATH"))
    if nvcc:
        home = os.path.dirname(os.path.dirname(os.path.realpath(nvcc)))
        version = _home_version(home)
        if run is not None:
            result = run([nvcc, "--version"], timeout=timeout)
            version = (parse_nvcc_version(result.stdout) if result.ok else None) or version
        found.append(Toolkit(version, "nvcc", nvcc))
        seen.add(home)
    for variable in ("CUDA_HOME", "CUDA_PATH"):
        home = env.get(variable)
        if home and os.path.realpath(home) not in seen:
            found.append(Toolkit(_home_version(home), variable, home))
            seen.add(os.path.realpath(home))
    local = os.path.join(root, "usr/local")
    try:
        names = sorted(name for name in os.listdir(local) if name.startswith("cuda"))
    except OSError:
        names = []
    for name in names:
        home = os.path.join(local, name)
        if os.path.realpath(home) in seen or not os.path.isdir(home):
            continue
        seen.add(os.path.realpath(home))
        found.append(Toolkit(_home_version(home), home, home))
    return found


def _home_version(home: str) -> str | None:
    home = os.path.realpath(home)  # /usr/local/cuda -> /usr/local/cuda-13.0
    try:
        with open(os.path.join(home, "version.json"), encoding="utf-8") as stream:
            return parse_cuda_version_json(stream.read())
    except OSError:
        pass
    match = re.search(r"cuda-(\d+\.\d+)$", home.rstrip("/"))
    return match.group(1) if match else None


def pip_libraries(site_dirs, distributions: Mapping[str, str] | None = None) -> list[Library]:
    """Libraries in <site>/nvidia/*/lib, with the version of the nvidia-* distribution that owns each.

    `distributions` maps canonical nvidia-* names to versions (from envcheck.probes.packages).
    """
    found = []
    for site in site_dirs:
        base = os.path.join(site, "nvidia")
        try:
            components = sorted(os.listdir(base))
        except OSError:
            continue
        for component in components:
            lib_dir = os.path.join(base, component, "lib")
            try:
                files = sorted(os.listdir(lib_dir))
            except OSError:
                continue
            for file_name in files:
                stem = library_stem(file_name)
                if stem:
                    dist, version = _owner(component, distributions or {})
                    found.append(Library(stem, file_name, os.path.join(lib_dir, file_name), "pip", dist, version))
    return found


# nvidia/<component> directory -> distribution name stem (the -cu11/-cu12/-cu13 suffix varies).
_COMPONENT_DIST = {
    "cuda_runtime": "nvidia-cuda-runtime",
    "cublas": "nvidia-cublas",
    "cudnn": "nvidia-cudnn",
    "cufft": "nvidia-cufft",
    "curand": "nvidia-curand",
    "cusolver": "nvidia-cusolver",
    "cusparse": "nvidia-cusparse",
    "nccl": "nvidia-nccl",
    "nvjitlink": "nvidia-nvjitlink",
    "cuda_cupti": "nvidia-cuda-cupti",
    "cuda_nvcc": "nvidia-cuda-nvcc",
    "cuda_nvrtc": "nvidia-cuda-nvrtc",
    "cu13": "nvidia-cuda-runtime",  # CUDA 13 wheels share one nvidia/cu13/lib directory
}


def _owner(component: str, distributions: Mapping[str, str]) -> tuple[str | None, str | None]:
    stem = _COMPONENT_DIST.get(component)
    if not stem:
        return None, None
    for suffix in ("-cu12", "-cu11", "-cu13", ""):
        if stem + suffix in distributions:
            return stem + suffix, distributions[stem + suffix]
    return None, None


def ldconfig_libraries(run: Runner = runner.run, timeout: float = 10.0, platform: str = sys.platform) -> list[Library]:
    """The CUDA/driver libraries in the loader cache (`ldconfig -p`); [] when ldconfig is missing.

    Linux has a loader cache; macOS and Windows do not (no program is started there).
    """
    if not platform.startswith("linux"):
        return []
    result = run(["ldconfig", "-p"], timeout=timeout)
    if not result.ok:
        result = run(["/sbin/ldconfig", "-p"], timeout=timeout)
    if not result.ok:
        return []
    return [
        Library(library_stem(soname) or soname, soname, path, "ldconfig")
        for soname, path in parse_ldconfig(result.stdout)
        if not soname.endswith(".so")  # the unversioned name is for linking, never what a program loads
    ]


def ld_library_path_libraries(env: Mapping[str, str] | None = None) -> list[Library]:
    env = os.environ if env is None else env
    found = []
    for directory in (env.get("LD_LIBRARY_PATH") or "").split(os.pathsep):
        try:
            files = sorted(os.listdir(directory)) if directory else []
        except OSError:
            continue
        for file_name in files:
            stem = library_stem(file_name)
            if stem:
                found.append(Library(stem, file_name, os.path.join(directory, file_name), "LD_LIBRARY_PATH"))
    return found


def distributions(site_dirs, prefixes: tuple[str, ...] = ("nvidia-", "tensorflow")) -> dict[str, str]:
    """{canonical name: version} of the distributions whose names start with `prefixes`, from the
    .dist-info directory names (no METADATA read: this is on the fast path)."""
    from envcheck.probes import packages  # only when pip's CUDA wheels are looked for

    found = {}
    for item in packages.scan(site_dirs).found:
        if item.canonical_name.startswith(prefixes) and item.dir_version:
            found.setdefault(item.canonical_name, item.dir_version)
    return found
