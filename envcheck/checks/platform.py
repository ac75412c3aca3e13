"""The platform rules composed with their probes, for check-cuda and doctor's System line.

`cuda_findings` is check-cuda's one call: on plain Linux it returns check-cuda's findings as they are
and reads nothing (the --no-tf fast path stays as it was); on Windows, macOS and WSL2 it adds what the
platform means for a GPU (envcheck/diagnose/platform.py) and drops the generic words it replaces.
"""

from __future__ import annotations

from envcheck.model import Finding

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from envcheck.diagnose.cuda import CudaFacts
    from envcheck.target import TargetPython

TF_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "tensorflow-intel", "tensorflow-macos")


def cuda_findings(python: TargetPython, facts: CudaFacts, found: list[Finding]) -> list[Finding]:
    """check-cuda's findings amended with the platform's own (WINDOWS_NATIVE_NO_GPU, WSL_*, MACOS_NO_CUDA)."""
    if facts.platform.startswith("linux") and not facts.wsl:
        return found
    from envcheck import data  # tomllib: only off plain Linux
    from envcheck.diagnose import platform as rules
    from envcheck.probes import platform as probe

    wsl_libraries = probe.wsl_driver_libraries() if facts.wsl else ()
    loader = tuple(lib.path for lib in facts.libraries if lib.soname in rules.DRIVER_SONAMES and lib.origin != "pip")
    tf_version = facts.tf.version if facts.tf is not None and facts.tf.version else _installed_tf(facts.distributions)
    platform_facts = rules.PlatformFacts(
        platform=facts.platform,
        machine=getattr(python, "machine", "") or facts.machine,
        wsl=facts.wsl,
        wsl_driver_libraries=wsl_libraries,
        loader_driver_paths=loader,
        tf_version=tf_version,
        distributions=facts.distributions,
        nvidia_gpus=len(facts.gpu.gpus),
        python=facts.python,
    )
    return rules.amend(found, rules.gpu_findings(platform_facts, data.load("platforms.toml")))


def system_findings(python: TargetPython) -> list[Finding]:
    """Doctor's System line: an x86_64 Python under Rosetta 2 on Apple silicon, the last TensorFlow of Intel Macs."""
    if python.platform != "darwin":
        return []
    from envcheck import data  # tomllib and the platform modules: only on a Mac
    from envcheck.diagnose import platform as rules
    from envcheck.probes import platform as probe

    facts = rules.PlatformFacts(
        platform="darwin",
        machine=getattr(python, "machine", ""),
        apple_silicon=probe.apple_silicon(),
        python=python.executable,
    )
    return rules.system_findings(facts, data.load("platforms.toml"))


def _installed_tf(distributions) -> str | None:
    return next((distributions[name] for name in TF_DISTRIBUTIONS if name in distributions), None)
