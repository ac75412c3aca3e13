"""What an interpreter told envcheck about itself (sys.path, prefix, version), remembered between runs.

Starting the target interpreter to learn its `sys.path` is most of what `count-packages --python VENV`
costs. uv keeps a cache of what it learned about each interpreter; this is the same idea, held to
envcheck's pip-exact contract: an answer is reused only while nothing it could depend on has changed.

The key, checked on every use without starting the interpreter (about twenty `stat` calls):

- the interpreter's path as given, the identity of that path (lstat: a venv's `bin/python` link) and
  of the real file behind it (stat) — device, inode, size, mtime and ctime in nanoseconds;
- `pyvenv.cfg` next to the interpreter or one level up (where Python looks), or its absence;
- the environment variables that shape `sys.path`: PYTHONPATH, PYTHONHOME, PYTHONNOUSERSITE,
  PYTHONUSERBASE, PYTHONSAFEPATH, PYTHONPLATLIBDIR, and HOME / APPDATA, which place the user site;
- remembered with the answer and re-checked: every `sys.path` entry, the site directories and the
  user site directory (a directory's mtime changes when a `.pth` file is added, removed or renamed;
  a missing one is remembered as missing, so its appearance counts), each `.pth` file in them (edited
  in place), and the `sitecustomize` / `usercustomize` modules the interpreter ran.

An answer is not stored for a `#!` script (a pyenv or asdf shim picks its Python by the working
directory and variables of its own), nor when anything it depends on changed in the seconds before the interpreter was
asked (the "racy" window git also guards: a change within a file system's timestamp granularity would
otherwise leave the key unchanged), nor when `sys.path` holds a relative entry (its meaning depends on
the working directory).

Where: the platform's user cache folder, as platformdirs places it — `$XDG_CACHE_HOME/envcheck` when
that is an absolute path (Linux and macOS), else `~/.cache/envcheck` (Linux), `~/Library/Caches/envcheck`
(macOS), `%LOCALAPPDATA%\\envcheck\\Cache` (Windows). Not platformdirs itself: it imports `tempfile`,
`shutil` and `random` (~10 ms by `python -X importtime`), more than a cache hit saves on a fast path
whose whole answer takes ~25 ms; the few lines here follow its rules and a test pins them to it.

One file per interpreter path, `interpreter-v1/<crc32 of the path>`: text fields separated by NUL
(which no path or environment value can hold). Not JSON: `json` imports `re`, ~10 ms on this path.
Writers write a temporary file in the same folder and `os.replace` it, so concurrent runs never see
half a file. A missing, corrupt, foreign or unwritable cache is a miss, never an error.
"""

from __future__ import annotations

import os
import sys

from envcheck import __version__

FORMAT = "envcheck-interpreter-cache/2"
FOLDER = "interpreter-v1"
# The environment variables the interpreter reads while building sys.path (site.py and getpath),
# and those that move the user site directory.
ENVIRONMENT = (
    "PYTHONPATH", "PYTHONHOME", "PYTHONNOUSERSITE", "PYTHONUSERBASE", "PYTHONSAFEPATH", "PYTHONPLATLIBDIR",
    "PYTHONEXECUTABLE", "__PYVENV_LAUNCHER__", "HOME", "APPDATA",
)
# A file changed less than this before the interpreter was asked may have changed while it was being
# asked, within the file system's timestamp granularity (2 s on FAT, 1 s on HFS+, a tick on ext4).
RACY_NS = 2_000_000_000
_MISSING = "-"
_END = "end"


def cache_dir(environ=None, platform: str = sys.platform) -> str | None:
    """envcheck's folder in the user cache (platformdirs' `user_cache_dir("envcheck", appauthor=False)`).

    None when there is no home to put it in.
    """
    environ = os.environ if environ is None else environ
    if platform == "win32":
        local = environ.get("LOCALAPPDATA")
        return os.path.join(local, "envcheck", "Cache") if local else None
    xdg = environ.get("XDG_CACHE_HOME", "")
    if xdg.startswith("/"):  # the XDG spec: a relative value is invalid and ignored
        return os.path.join(xdg, "envcheck")
    home = environ.get("HOME") or os.path.expanduser("~")
    if not home.startswith("/"):
        return None
    if platform == "darwin":
        return os.path.join(home, "Library", "Caches", "envcheck")
    return os.path.join(home, ".cache", "envcheck")


def signature(path: str, follow: bool = True) -> str:
    """A file's identity and last change: device, inode, size, mtime and ctime (ns); "-" when missing."""
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except (OSError, ValueError):
        return _MISSING
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"


def is_script(executable: str) -> bool:
    """A `#!` script (a pyenv or asdf shim): which Python it starts can depend on the working directory
    or on variables no key can list (PYENV_VERSION, .python-version), so its answers are not remembered."""
    try:
        with open(executable, "rb") as stream:
            return stream.read(2) == b"#!"
    except OSError:
        return True  # unreadable: nothing to identify it by


def key(executable: str, environ=None) -> list[str]:
    """What must be unchanged for a remembered answer about `executable` to hold, read without running it."""
    environ = os.environ if environ is None else environ
    path = os.path.abspath(executable)
    folder = os.path.dirname(path)
    fields = [
        __version__,
        path,
        signature(path, follow=False),
        signature(path),
        signature(os.path.join(folder, "pyvenv.cfg")),
        signature(os.path.join(os.path.dirname(folder), "pyvenv.cfg")),
    ]
    for name in ENVIRONMENT:
        value = environ.get(name)
        fields.append(name if value is None else f"{name}={value}")
    return fields


def _file(folder: str, executable: str) -> str:
    import zlib  # 0.4 ms; a stable short name for the file (the full key is checked inside it)

    return os.path.join(folder, FOLDER, f"{zlib.crc32(os.fsencode(os.path.abspath(executable))):08x}")


def load(executable: str, fields: list[str], folder: str | None = None) -> dict | None:
    """The remembered answer for this key, or None (nothing remembered, changed since, unreadable, corrupt)."""
    folder = cache_dir() if folder is None else folder
    if folder is None:
        return None
    try:
        data = _read_regular(_file(folder, executable))
    except (OSError, ValueError):
        return None
    if data is None:
        return None
    parts = os.fsdecode(data).split("\0")
    try:
        return _parse(parts, fields)
    except (IndexError, ValueError):
        return None  # corrupt or written by another format: a miss


def _read_regular(path: str, limit: int = 16 * 1024 * 1024) -> bytes | None:
    """The file's bytes, or None when it is not a regular file or is larger than `limit`: a FIFO where the entry
    was would block the open, a link to /dev/zero would never end (O_NONBLOCK: the open of a FIFO returns)."""
    import stat  # only on a cache read

    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # no O_NONBLOCK on Windows: no FIFOs
    with os.fdopen(descriptor, "rb") as stream:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return stream.read(limit + 1)


def _parse(parts: list[str], fields: list[str]) -> dict | None:
    if parts[0] != FORMAT or parts[-1] != _END:
        return None
    n = int(parts[1])
    if parts[2:2 + n] != fields:
        return None
    at = 2 + n
    executable, version, implementation, prefix, base_prefix, platform, machine = parts[at:at + 7]
    at += 7
    n = int(parts[at])
    path = parts[at + 1:at + 1 + n]
    at += 1 + n
    n = int(parts[at])
    watched = parts[at + 1:at + 1 + 2 * n]
    if len(watched) != 2 * n or at + 1 + 2 * n != len(parts) - 1:
        return None
    for i in range(0, 2 * n, 2):
        if signature(watched[i]) != watched[i + 1]:
            return None  # a site directory, .pth file or sys.path entry changed
    return {
        "executable": executable,
        "version": [int(part) for part in version.split(".")],
        "implementation": implementation,
        "path": path,
        "prefix": prefix,
        "base_prefix": base_prefix,
        "platform": platform,
        "machine": machine,
    }


def watched_paths(answer: dict) -> list[str]:
    """What the answer's sys.path was built from: its entries, the site and user site folders (present
    or not), the .pth files in them, and the customize modules that ran."""
    paths = list(answer["path"])
    sites = [site for site in [*answer.get("site_dirs", ()), answer.get("user_site")] if site]
    for site in sites:
        paths.append(site)
        try:
            names = os.listdir(site)
        except OSError:
            continue
        paths.extend(os.path.join(site, name) for name in sorted(names) if name.endswith(".pth"))
    paths.extend(file for file in answer.get("customize", ()) if file)
    return list(dict.fromkeys(paths))


def store(executable: str, fields: list[str], answer: dict, asked_at_ns: int, folder: str | None = None) -> bool:
    """Remember `answer` (the interpreter's own, asked at `asked_at_ns` on time.time_ns's clock) under
    `fields`. False, quietly, when it should not or cannot be remembered."""
    folder = cache_dir() if folder is None else folder
    if folder is None or any(not os.path.isabs(entry) for entry in answer["path"]):
        return False
    watched = []
    for path in watched_paths(answer):
        sig = signature(path)
        if sig != _MISSING and int(sig.rsplit(":", 2)[1]) >= asked_at_ns - RACY_NS:
            return False  # changed just before or while the interpreter was asked: not safe to remember
        watched += [path, sig]
    for sig in fields[2:6]:  # the interpreter and pyvenv.cfg
        if sig != _MISSING and int(sig.rsplit(":", 2)[1]) >= asked_at_ns - RACY_NS:
            return False
    version = ".".join(str(part) for part in answer["version"])
    parts = [FORMAT, str(len(fields)), *fields,
             answer["executable"], version, answer["implementation"], answer["prefix"], answer["base_prefix"],
             answer["platform"], answer.get("machine") or "", str(len(answer["path"])), *answer["path"],
             str(len(watched) // 2), *watched, _END]
    if not all(isinstance(part, str) and "\0" not in part for part in parts):
        return False  # not an answer this format can hold
    return _write(_file(folder, executable), os.fsencode("\0".join(parts)))


def _write(target: str, data: bytes) -> bool:
    """Write target atomically: a private temporary file beside it, then os.replace. False on any OSError."""
    import _thread  # builtin: the thread id keeps temporary names apart between threads
    import time

    temporary = f"{target}.{os.getpid()}.{_thread.get_ident()}.{time.monotonic_ns()}.tmp"
    try:
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return False
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
        return True
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass  # already gone; nothing else to clean
        return False
