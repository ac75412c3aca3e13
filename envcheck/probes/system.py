"""The machine under the environment: CPU model and the instruction sets TensorFlow needs, RAM,
free disk, the operating system, and whether it is WSL2.

Readers take a root directory (`root="/"`) so tests point them at captured files; parsers are pure.
A value that cannot be read is None, never an exception.
"""

from __future__ import annotations

import os
import platform

from envcheck.model import TF_CPU_FLAGS, gib  # noqa: F401 (they live in the model; re-exported)
from envcheck.probes import read_text

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from envcheck.model import Cpu, SystemFacts


def __getattr__(name: str):
    """Cpu and SystemFacts, re-exported on first use: they are doctor's records (envcheck.model_doctor),
    which check-cuda --no-tf, reading WSL, the OS name and the container here, never loads (PEP 562)."""
    if name in ("Cpu", "SystemFacts"):
        from envcheck import model  # the model loads doctor's records on first use

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def parse_cpuinfo(text: str) -> tuple[str | None, int, frozenset[str]]:
    """Model name, processor count and the first processor's flags from /proc/cpuinfo text.

    x86 writes `model name` and `flags`; ARM writes `Features` and often no model name.
    """
    model = None
    count = 0
    flags: frozenset[str] | None = None
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key = key.strip().lower()
        if key == "processor":
            count += 1
        elif key in ("model name", "hardware", "cpu model") and model is None:
            model = value.strip() or None
        elif key in ("flags", "features") and flags is None:
            flags = frozenset(value.split())
    return model, count, flags or frozenset()


def parse_os_release(text: str) -> str | None:
    """PRETTY_NAME (else NAME VERSION) from os-release text (a captured file; Python 3.9, whose
    platform module has no freedesktop_os_release)."""
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip().strip('"').strip("'")
    return os_release_name(values)


def os_release_name(fields: dict) -> str | None:
    """The name people know an OS by, from os-release fields: PRETTY_NAME, else NAME VERSION."""
    return fields.get("PRETTY_NAME") or " ".join(v for v in (fields.get("NAME"), fields.get("VERSION")) if v) or None


def read_os_release(root: str = "/") -> str | None:
    """This OS's name from os-release: the standard library's `platform.freedesktop_os_release()` (3.10+;
    /etc/os-release, then /usr/lib/os-release), or those files under `root`. None when there is none."""
    if root == "/" and hasattr(platform, "freedesktop_os_release"):
        try:
            return os_release_name(platform.freedesktop_os_release())
        except OSError:
            return None
    for name in ("etc/os-release", "usr/lib/os-release"):
        text = read_text(os.path.join(root, name))
        if text:
            return parse_os_release(text)
    return None


def is_wsl(proc_version: str | None) -> bool:
    """WSL2's kernel names itself in /proc/version ("...microsoft-standard-WSL2...")."""
    return bool(proc_version) and "microsoft" in proc_version.lower()


def host_name() -> str | None:
    """This machine's network name (uname's nodename; the computer name on Windows), or None if unknown."""
    return platform.node() or None


def read_cpu(root: str = "/") -> Cpu:
    """CPU facts from <root>/proc/cpuinfo; model from platform when cpuinfo is missing (macOS, Windows)."""
    from envcheck.model import Cpu  # doctor's record, loaded on first use (see __getattr__)

    text = read_text(os.path.join(root, "proc/cpuinfo"))
    model, count, flags = parse_cpuinfo(text) if text else (None, 0, frozenset())
    return Cpu(
        model=model or platform.processor() or None,
        logical_cpus=count or os.cpu_count(),
        flags=flags,
        machine=platform.machine(),
    )


def read(root: str = "/", disk_path: str | None = None) -> SystemFacts:
    """Everything above; `disk_path` is where free space matters (the environment's prefix)."""
    import psutil  # ~10 ms: only when system facts are asked for

    from envcheck.model import SystemFacts  # doctor's record, loaded on first use (see __getattr__)

    cpu = read_cpu(root)
    try:
        memory = psutil.virtual_memory()
        ram_total, ram_available = memory.total, memory.available
    except (OSError, RuntimeError):
        ram_total = ram_available = None
    disk_free = None
    path = disk_path or os.getcwd()
    while path and not os.path.exists(path):
        path = os.path.dirname(path)
    try:
        disk_free = psutil.disk_usage(path).free if path else None
    except OSError:
        disk_free = None
    os_name = read_os_release(root)
    if os_name is None:
        os_name = f"{platform.system()} {platform.release()}".strip() or None
    return SystemFacts(
        cpu=cpu,
        ram_total=ram_total,
        ram_available=ram_available,
        disk_free=disk_free,
        disk_path=path or None,
        os_name=os_name,
        kernel=platform.release() or None,
        wsl=read_wsl(root),
    )


def read_wsl(root: str = "/") -> bool:
    """Whether <root>/proc/version names WSL2's kernel; False where it cannot be read."""
    return is_wsl(read_text(os.path.join(root, "proc/version")))


# Files that name a container runtime: Docker's /.dockerenv, Podman's /run/.containerenv; else the
# cgroup path (v1) or mount table (v2) of the container's processes.
_CONTAINER_MARKS = (("kubepods", "kubernetes"), ("/kubelet/pods/", "kubernetes"), ("docker", "docker"),
                    ("libpod", "podman"), ("containerd", "containerd"), ("lxc", "lxc"))


def parse_container(dockerenv: bool, containerenv: bool, cgroup: str | None, mountinfo: str | None,
                    kubernetes: bool = False) -> str | None:
    """Which container runtime this process runs in ("docker", "podman", "kubernetes", ...), or None."""
    text = (cgroup or "") + "\n" + "\n".join(_own_mounts(mountinfo or ""))
    kind = next((name for mark, name in _CONTAINER_MARKS if mark in text), None)
    if kubernetes or kind == "kubernetes":
        return "kubernetes"
    if dockerenv:
        return "docker"
    if containerenv:
        return "podman"
    return kind


def _own_mounts(mountinfo: str) -> list[str]:
    """The mountinfo lines of the root and /etc/hostname: inside a container they name its runtime's
    storage; a host running containers has such paths only on other mount points."""
    rows = [line.split() for line in mountinfo.splitlines()]
    return [" ".join(row) for row in rows if len(row) > 4 and row[4] in ("/", "/etc/hostname")]


def read_container(root: str = "/", environ=None) -> str | None:
    """The container runtime from <root>/.dockerenv, <root>/run/.containerenv, <root>/proc/1/cgroup and
    <root>/proc/self/mountinfo (and KUBERNETES_SERVICE_HOST in `environ`); None outside a container."""
    environ = os.environ if environ is None else environ
    return parse_container(
        os.path.exists(os.path.join(root, ".dockerenv")),
        os.path.exists(os.path.join(root, "run/.containerenv")),
        read_text(os.path.join(root, "proc/1/cgroup")),
        read_text(os.path.join(root, "proc/self/mountinfo")),
        "KUBERNETES_SERVICE_HOST" in environ,
    )
