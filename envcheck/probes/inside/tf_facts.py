"""What TensorFlow itself says about CUDA, asked inside the target interpreter; one JSON object.

Run by envcheck.probes.tensorflow with the target interpreter and a timeout: importing TensorFlow
can crash (SIGILL without AVX, SIGSEGV) or hang, and a child takes that for envcheck. Standard
library plus the framework under test only. TensorFlow's own log lines go to stderr, where the
caller reads and classifies them.

Answer keys: installed, version, import_s, import_error, build_info, gpus, loaded (CUDA libraries
in this process's memory map), load_checks (when no GPU is listed: each library TensorFlow's GPU
check needs, loaded one by one, with the dlerror of the one that fails).
"""

import ctypes
import json
import os
import sys
import time

# The libraries TensorFlow's start-up GPU check dlopens (xla/tsl TryDlopenCUDALibraries): it
# registers no GPU if any one fails. Sonames by the CUDA major TensorFlow was built for.
_SONAMES = {
    "11": {"cudart": "libcudart.so.11.0", "cublas": "libcublas.so.11", "cublasLt": "libcublasLt.so.11",
           "cufft": "libcufft.so.10", "cusolver": "libcusolver.so.11", "cusparse": "libcusparse.so.11"},
    "12": {"cudart": "libcudart.so.12", "cublas": "libcublas.so.12", "cublasLt": "libcublasLt.so.12",
           "cufft": "libcufft.so.11", "cusolver": "libcusolver.so.11", "cusparse": "libcusparse.so.12"},
}
# pip wheel directory of each library, as the framework library's RUNPATH ($ORIGIN/../nvidia/<dir>/lib) names it.
_PIP_DIRS = {"cudart": "cuda_runtime", "cublas": "cublas", "cublasLt": "cublas", "cufft": "cufft",
             "cusolver": "cusolver", "cusparse": "cusparse", "cudnn": "cudnn"}
_CUDA_MARKERS = ("libcuda.so", "libcudart", "libcublas", "libcufft", "libcusolver", "libcusparse", "libcudnn",
                 "libnccl", "libnvJitLink", "libcurand", "libnvidia-ml", "libcupti")


def loaded_cuda_libraries():
    """Paths of CUDA libraries mapped into this process (Linux /proc/self/maps); [] elsewhere."""
    found = []
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            for line in maps:
                path = line.rstrip("\n").split(None, 5)[-1] if line.count(" ") >= 5 else ""
                if path.startswith("/") and any(marker in os.path.basename(path) for marker in _CUDA_MARKERS):
                    if path not in found:
                        found.append(path)
    except OSError:
        pass  # not Linux: nothing to report
    return found


def check_loads(build_info, tf_dir):
    """Load each library TensorFlow's GPU check needs and report each: found by its soname (as
    TensorFlow's dlopen finds it: already loaded by TensorFlow, LD_LIBRARY_PATH, ldconfig), or only
    at the pip wheel path TensorFlow's RUNPATH is meant to name, or not at all (with the dlerror).

    All names are tried first, paths second: a library loaded from a path would make later
    by-name loads of its dependencies succeed where TensorFlow's did not.
    """
    cuda = str(build_info.get("cuda_version") or "").split(".")[0]
    cudnn = str(build_info.get("cudnn_version") or "").split(".")[0]
    names = {"cuda": "libcuda.so.1"}
    names.update(_SONAMES.get(cuda, {}))
    if cudnn:
        names["cudnn"] = "libcudnn.so." + cudnn
    checks = {name: _load(name, soname, soname, by_name=True) for name, soname in names.items()}
    site = os.path.dirname(tf_dir)
    for name, check in checks.items():
        path = os.path.join(site, "nvidia", _PIP_DIRS.get(name, ""), "lib", check["soname"])
        if not check["ok"] and name in _PIP_DIRS and os.path.exists(path):
            retry = _load(name, check["soname"], path, by_name=False)
            checks[name] = retry if retry["ok"] else dict(check, pip_path=path)
    return list(checks.values())


def _load(name, soname, target, by_name):
    mode = getattr(os, "RTLD_LAZY", 1) | getattr(ctypes, "RTLD_GLOBAL", 0)
    try:
        ctypes.CDLL(target, mode=mode)
    except OSError as error:
        return {"name": name, "soname": soname, "ok": False, "by_name": False, "via": None, "error": str(error)}
    return {"name": name, "soname": soname, "ok": True, "by_name": by_name, "via": target, "error": None}


def import_facts(answer):
    """Import TensorFlow and add what it says about its build to `answer`; the module, or None when
    it is not installed or fails to import (answer says which)."""
    started = time.monotonic()
    try:
        import tensorflow as tf  # inside try: an import that fails is the answer, not a crash
    except ModuleNotFoundError as error:
        if error.name and error.name.split(".")[0] == "tensorflow":
            answer["import_error"] = None
        else:
            answer.update(installed=True, import_error=f"{type(error).__name__}: {error}")
        return None
    except BaseException as error:  # any failure of the framework's import is the fact to report
        answer.update(installed=True, import_error=f"{type(error).__name__}: {error}")
        return None
    answer["installed"] = True
    answer["import_error"] = None
    answer["import_s"] = round(time.monotonic() - started, 3)
    answer["version"] = getattr(tf, "__version__", None)
    answer["file"] = getattr(tf, "__file__", None)
    try:
        build_info = dict(tf.sysconfig.get_build_info())
    except AttributeError:
        build_info = {}
    answer["build_info"] = {key: value for key, value in build_info.items()
                            if isinstance(value, (str, int, float, bool, list))}
    try:
        answer["built_with_cuda"] = bool(tf.test.is_built_with_cuda())
    except AttributeError:
        answer["built_with_cuda"] = None
    return tf


def gpu_facts(tf, answer):
    """Add the GPUs TensorFlow lists, the CUDA libraries loaded, and (no GPU on a CUDA build) why."""
    build_info = answer.get("build_info") or {}
    gpus = tf.config.list_physical_devices("GPU")
    details = []
    for gpu in gpus:
        try:
            info = tf.config.experimental.get_device_details(gpu)
        except (AttributeError, ValueError, RuntimeError):
            info = {}
        cc = info.get("compute_capability")
        details.append({"name": gpu.name, "device_name": info.get("device_name"),
                        "compute_capability": "%d.%d" % tuple(cc) if cc else None})
    answer["gpus"] = details
    answer["loaded"] = loaded_cuda_libraries()
    if not gpus and build_info.get("is_cuda_build") and sys.platform.startswith("linux"):
        answer["load_checks"] = check_loads(build_info, os.path.dirname(tf.__file__ or ""))


def main():
    answer = {"installed": False, "python": list(sys.version_info[:3]), "platform": sys.platform}
    tf = import_facts(answer)
    if tf is not None:
        gpu_facts(tf, answer)
    print(json.dumps(answer))


if __name__ == "__main__":
    main()
    sys.stdout.flush()
