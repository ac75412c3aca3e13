"""The interpreter whose environment a command inspects: this one, or the one `--python` names.

`--python` takes what `pip --python` and `uv pip --python` take: an interpreter's path, a name on
PATH, or a virtual environment's directory (bin/python, or Scripts\\python.exe on Windows), plus a
version (`3.11`: the py launcher's `py -3.11` on Windows, `python3.11` on PATH elsewhere). Anything
else is bad input (exit 2) with one line saying what is wrong with it.
"""

from __future__ import annotations

import os
import sys

from envcheck.errors import UsageError
from envcheck.i18n import _

# Printed by the target interpreter itself; standard library only, valid on any Python 3. sys.path
# without the '' that `-c` puts first (absent under PYTHONSAFEPATH); the site folders and customize
# modules are what the interpreter cache watches. Changing this? Bump python_cache.FORMAT (a test checks).
_ASK = (
    "import json, os, site, sys; m = sys.modules; _machine = lambda: os.uname().machine if hasattr(os, 'uname') "
    "else os.environ.get('PROCESSOR_ARCHITECTURE', ''); print(json.dumps({'executable': sys.executable, "
    "'version': list(sys.version_info[:3]), 'implementation': sys.implementation.name, "
    "'path': sys.path if getattr(sys.flags, 'safe_path', False) else sys.path[1:], "
    "'prefix': sys.prefix, 'base_prefix': getattr(sys, 'base_prefix', sys.prefix), 'platform': sys.platform, "
    "'machine': _machine(), 'site_dirs': getattr(site, 'getsitepackages', list)(), "
    "'user_site': getattr(site, 'getusersitepackages', str)(), "
    "'customize': [getattr(m.get(n), '__file__', None) for n in ('sitecustomize', 'usercustomize')]}))"
)
ASK_TIMEOUT = 30.0


class TargetPython:
    """An interpreter's identity and sys.path. A plain class: `dataclasses` costs ~7 ms to import."""

    __slots__ = ("executable", "version", "path", "prefix", "base_prefix", "implementation", "platform", "machine")

    def __init__(self, executable: str, version: tuple, path: tuple, prefix: str, base_prefix: str,
                 implementation: str = "cpython", platform: str = sys.platform, machine: str = "") -> None:
        self.executable = executable
        self.version = tuple(version)  # (3, 11, 7)
        self.path = tuple(path)  # sys.path without the script directory: where distributions are found
        self.prefix = prefix
        self.base_prefix = base_prefix
        self.implementation = implementation
        self.platform = platform
        self.machine = machine  # as the interpreter sees it: x86_64 for an Intel Python under Rosetta 2

    def __repr__(self) -> str:
        return f"TargetPython({self.executable!r}, {self.version_text})"

    @property
    def version_text(self) -> str:
        return ".".join(str(part) for part in self.version)

    @property
    def is_venv(self) -> bool:
        return self.prefix != self.base_prefix

    def to_dict(self) -> dict:
        return {
            "executable": self.executable,
            "version": self.version_text,
            "prefix": self.prefix,
            "venv": self.is_venv,
        }


def current() -> TargetPython:
    """The interpreter running envcheck, read without starting a child."""
    path = list(sys.path)
    if path and not getattr(sys.flags, "safe_path", False):
        path = path[1:]  # the script's directory or '' (cwd), as `python -c` adds
    return TargetPython(
        executable=sys.executable,
        version=tuple(sys.version_info[:3]),  # type: ignore[arg-type]
        path=tuple(path),
        prefix=sys.prefix,
        base_prefix=getattr(sys, "base_prefix", sys.prefix),
        implementation=sys.implementation.name,
        machine=_machine(),
    )


def _machine() -> str:
    """This process's machine (x86_64, arm64, AMD64) without importing `platform` (it imports re)."""
    if hasattr(os, "uname"):
        return os.uname().machine
    return os.environ.get("PROCESSOR_ARCHITECTURE", "")


def resolve(spec: str | None, cache: bool = True) -> TargetPython:
    """The interpreter `--python` named (or this one); UsageError when it is not a working Python.

    With `cache`, what the interpreter answered before is reused while nothing it depends on has
    changed (envcheck.probes.python_cache); `--no-cache` asks it every time.
    """
    if spec is None:
        return current()
    executable = find_executable(spec)
    if _same_file(executable, sys.executable):
        return current()
    from envcheck.probes import python_cache  # only for --python: the cache is another interpreter's

    if not cache or python_cache.is_script(executable):
        return _target(_answer(executable), executable)
    import time  # the cached path only: when the interpreter was asked, for the racy check

    fields = python_cache.key(executable)
    remembered = python_cache.load(executable, fields)
    if remembered is not None:
        return _target(remembered, executable)
    asked_at = time.time_ns()
    answer = _answer(executable)
    python_cache.store(executable, fields, answer, asked_at)
    return _target(answer, executable)


def of(python: TargetPython | str | None) -> TargetPython:
    """What a library caller has (a TargetPython, an interpreter's path or venv, None for this one) as a
    TargetPython; UsageError when a path is not a working Python."""
    return python if isinstance(python, TargetPython) else resolve(None if python is None else str(python))


# `--python 3.11` (or the py launcher's own spelling, `--python "py -3.11"`): a version, not a path.
_VERSION_REQUEST = r"(?:py\s+-)?(3\.\d+)(-(?:32|64|arm64))?"


def find_executable(spec: str, platform: str = sys.platform, which=None, run=None) -> str:
    """Turn --python's value into an executable path, or raise UsageError saying why not.

    `spec` is a path to an interpreter, a virtual (or conda) environment's directory, a name on PATH,
    or a version such as `3.11`: on Windows the py launcher's interpreter for it (`py -3.11`), elsewhere
    `python3.11` on PATH. `platform` is a sys.platform value (tests simulate "win32" and "darwin");
    `which` and `run` default to envcheck.runner's.
    """
    if not spec.strip():
        raise UsageError(_("--python needs a path to a Python interpreter"))
    version = version_request(spec.strip())
    if version and not os.path.exists(spec) or not is_path(spec, platform) and not os.path.exists(spec):
        from envcheck import runner  # a version or a name to look up; a path needs none (subprocess: ~5 ms)

        which = which or runner.which
    if version and not os.path.exists(spec):
        if platform == "win32":
            return py_launcher(version[0] + version[1], which=which, run=run or runner.run)
        name = "python" + version[0]
        found = which(name)
        if not found:
            raise UsageError(_("--python {spec}: no {name} on PATH (install Python {version} or pass its path)").format(
                spec=spec, name=name, version=version[0]))
        return found
    if not is_path(spec, platform) and not os.path.exists(spec):
        found = which(spec, os_name="nt" if platform == "win32" else "posix")
        if not found:
            raise UsageError(_("--python {spec}: no such interpreter on PATH").format(spec=spec))
        return found
    if not os.path.exists(spec):
        _refuse_broken_link(spec, spec, os.path.dirname(os.path.dirname(spec)))
        raise UsageError(_("--python {spec}: no such file").format(spec=spec))
    if os.path.isdir(spec):
        inside = environment_interpreter(spec, platform)
        if inside is None:
            for candidate in venv_interpreters(platform):
                _refuse_broken_link(spec, os.path.join(spec, candidate), spec)
            expected = "Scripts\\python.exe" if platform == "win32" else "bin/python"
            raise UsageError(_("--python {spec}: is a directory and not a virtual environment (no {expected} inside)")
                             .format(spec=spec, expected=expected))
        return inside
    if platform != "win32" and not os.access(spec, os.X_OK):  # Windows has no execute bit to check
        raise UsageError(_("--python {spec}: is not executable").format(spec=spec))
    if not os.path.isfile(spec):  # a FIFO or device: reading it to look for `#!` would block
        raise UsageError(_("--python {spec}: not a regular file, so not an interpreter").format(spec=spec))
    return spec


def _refuse_broken_link(spec: str, path: str, venv: str) -> None:
    """UsageError when `path` is a link to an interpreter that is gone: an environment whose base Python was
    removed or upgraded away (pyenv uninstall, brew upgrade). It is a venv, but one that must be recreated."""
    if not os.path.islink(path) or os.path.exists(path):
        return
    if not os.path.isfile(os.path.join(venv, "pyvenv.cfg")):
        raise UsageError(_("--python {spec}: a broken link to {target}").format(spec=spec, target=os.readlink(path)))
    raise UsageError(
        _("--python {spec}: {path} is a broken link to {target} (the Python this environment was made with is "
          "gone); recreate it with: {command}, then reinstall its packages").format(
            spec=spec, path=path, target=os.readlink(path), command=f"python3 -m venv --clear {venv}")
    )


def version_request(text: str) -> tuple[str, str] | None:
    """`3.11`, `3.11-64`, `py -3.11` -> ("3.11", "-64" or ""); None for anything else.

    re.fullmatch(_VERSION_REQUEST, text), written out: `re` costs ~5 ms to import, as much as the
    cached `--python` answer itself (a test pins the two to each other).
    """
    if text.startswith("py"):
        rest = text[2:].lstrip()
        if rest == text[2:] or not rest.startswith("-"):  # `py`, then whitespace, then `-`
            return None
        text = rest[1:]
    if not text.startswith("3."):
        return None
    end = 2
    while end < len(text) and text[end].isdecimal():
        end += 1
    if end == 2 or text[end:] not in ("", "-32", "-64", "-arm64"):
        return None
    return text[:end], text[end:]


def is_path(spec: str, platform: str = sys.platform) -> bool:
    """Whether --python's value is written as a path (else it is a name to look up on PATH)."""
    if "/" in spec:
        return True
    return platform == "win32" and ("\\" in spec or (len(spec) >= 2 and spec[1] == ":" and spec[0].isalpha()))


def venv_interpreters(platform: str = sys.platform) -> tuple[str, ...]:
    """Where an environment directory keeps its interpreter, most likely first.

    A venv on Windows: Scripts\\python.exe; a conda environment there: python.exe at its top.
    Elsewhere: bin/python (venv and conda alike), bin/python3.
    """
    if platform == "win32":
        return (os.path.join("Scripts", "python.exe"), "python.exe")
    return (os.path.join("bin", "python"), os.path.join("bin", "python3"))


def environment_interpreter(directory: str, platform: str = sys.platform) -> str | None:
    """The interpreter inside a virtual or conda environment's directory, or None when there is none."""
    for candidate in venv_interpreters(platform):
        inside = os.path.join(directory, candidate)
        if os.path.isfile(inside):
            return inside
    return None


# Printed by the interpreter the py launcher picks: where it is.
_WHERE = "import sys; print(sys.executable)"


def py_launcher(version: str, which=None, run=None) -> str:
    """The interpreter Windows' py launcher runs for `py -<version>`, asked with a timeout; UsageError if none."""
    from envcheck import runner  # subprocess: only when a version must be resolved

    launcher = (which or runner.which)("py", os_name="nt")
    if launcher is None:
        raise UsageError(
            _("--python {version}: the py launcher is not installed; install Python {version} from python.org "
              "(it brings py), or pass the interpreter's path").format(version=version)
        )
    result = (run or runner.run)([launcher, f"-{version}", "-c", _WHERE], timeout=ASK_TIMEOUT)
    executable = runner.last_line(result.stdout) if result.status == runner.OK else ""
    if not executable:
        detail = runner.last_line(result.stderr) or runner.last_line(result.stdout) or result.describe()
        raise UsageError(
            _("--python {version}: {command} found no interpreter ({detail}); `{list}` shows the installed ones")
            .format(version=version, command=f"py -{version}", detail=detail, list="py --list")
        )
    return executable


def ask(executable: str) -> TargetPython:
    """Start the interpreter once and read its sys.path and version; UsageError if it cannot answer."""
    return _target(_answer(executable), executable)


def _target(answer: dict, executable: str) -> TargetPython:
    return TargetPython(
        executable=answer["executable"] or executable,
        version=tuple(answer["version"]),  # type: ignore[arg-type]
        path=tuple(answer["path"]),
        prefix=answer["prefix"],
        base_prefix=answer["base_prefix"],
        implementation=answer["implementation"],
        platform=answer["platform"],
        machine=answer.get("machine") or "",
    )


def _answer(executable: str) -> dict:
    """The interpreter's own answer to _ASK, checked for shape; UsageError if it cannot answer."""
    import json  # only when an interpreter is asked: json imports re (~10 ms)

    from envcheck import runner

    result = runner.run([executable, "-c", _ASK], timeout=ASK_TIMEOUT)
    if result.status == runner.OK:
        try:
            data = json.loads(runner.last_line(result.stdout))
            _target(data, executable)  # every field present and of the right kind
            if all(isinstance(part, str) for part in data["path"]) and all(
                    isinstance(part, int) for part in data["version"]):
                data["executable"] = data["executable"] or executable
                data["machine"] = data.get("machine") or ""
                return data
        except (ValueError, KeyError, TypeError, AttributeError):
            pass  # not Python's answer: reported below
        raise UsageError(_("--python {executable}: does not look like a Python interpreter (it printed no answer)")
                         .format(executable=executable))
    if result.status in (runner.EXITED, runner.UNDECODABLE):
        detail = runner.last_line(result.stderr)
        if detail:
            message = _("--python {executable}: does not look like a working Python interpreter ({detail})")
        else:
            message = _("--python {executable}: does not look like a working Python interpreter (exit status {code})")
        raise UsageError(message.format(executable=executable, detail=detail, code=result.returncode))
    raise UsageError(f"--python {executable}: {result.describe()}")


def _same_file(a: str, b: str) -> bool:
    # Not os.path.samefile: a venv's bin/python is a link to the base interpreter, yet another environment.
    return os.path.abspath(a) == os.path.abspath(b)
