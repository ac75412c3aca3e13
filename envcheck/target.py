"""The interpreter whose environment a command inspects: this one, or the one `--python` names.

`--python` takes what `pip --python` and `uv pip --python` take: an interpreter's path, a name on
PATH, or a virtual environment's directory. Anything else is bad input (exit 2) with one line
saying what is wrong with it.
"""

from __future__ import annotations

import os
import sys

from envcheck.errors import UsageError

# Printed by the target interpreter itself; standard library only, valid on any Python 3.
_ASK = (
    "import json, sys; print(json.dumps({'executable': sys.executable, "
    "'version': list(sys.version_info[:3]), 'implementation': sys.implementation.name, "
    "'path': sys.path[1:], 'prefix': sys.prefix, 'base_prefix': getattr(sys, 'base_prefix', sys.prefix), "
    "'platform': sys.platform}))"
)
ASK_TIMEOUT = 30.0


class TargetPython:
    """An interpreter's identity and sys.path. A plain class: `dataclasses` costs ~7 ms to import."""

    __slots__ = ("executable", "version", "path", "prefix", "base_prefix", "implementation", "platform")

    def __init__(self, executable: str, version: tuple, path: tuple, prefix: str, base_prefix: str,
                 implementation: str = "cpython", platform: str = sys.platform) -> None:
        self.executable = executable
        self.version = tuple(version)  # (3, 11, 7)
        self.path = tuple(path)  # sys.path without the script directory: where distributions are found
        self.prefix = prefix
        self.base_prefix = base_prefix
        self.implementation = implementation
        self.platform = platform

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
    )


def resolve(spec: str | None) -> TargetPython:
    """The interpreter `--python` named (or this one); UsageError when it is not a working Python."""
    if spec is None:
        return current()
    executable = find_executable(spec)
    if _same_file(executable, sys.executable):
        return current()
    return ask(executable)


def of(python: TargetPython | str | None) -> TargetPython:
    """What a library caller has (a TargetPython, an interpreter's path or venv, None for this one) as a
    TargetPython; UsageError when a path is not a working Python."""
    return python if isinstance(python, TargetPython) else resolve(None if python is None else str(python))


def find_executable(spec: str) -> str:
    """Turn --python's value into an executable path, or raise UsageError saying why not."""
    if not spec.strip():
        raise UsageError("--python needs a path to a Python interpreter")
    if os.sep not in spec and not os.path.exists(spec):
        from envcheck import runner  # its which(): shutil's costs ~5 ms of imports

        found = runner.which(spec)
        if not found:
            raise UsageError(f"--python {spec}: no such interpreter on PATH")
        return found
    if not os.path.exists(spec):
        raise UsageError(f"--python {spec}: no such file")
    if os.path.isdir(spec):
        for candidate in ("bin/python", "bin/python3", "Scripts/python.exe"):
            inside = os.path.join(spec, candidate)
            if os.path.isfile(inside):
                return inside
        raise UsageError(f"--python {spec}: is a directory and not a virtual environment (no bin/python inside)")
    if not os.access(spec, os.X_OK):
        raise UsageError(f"--python {spec}: is not executable")
    return spec


def ask(executable: str) -> TargetPython:
    """Start the interpreter once and read its sys.path and version; UsageError if it cannot answer."""
    import json  # only when another interpreter answers

    from envcheck import runner

    result = runner.run([executable, "-c", _ASK], timeout=ASK_TIMEOUT)
    if result.status == runner.OK:
        try:
            data = json.loads(runner.last_line(result.stdout))
            return TargetPython(
                executable=data["executable"] or executable,
                version=tuple(data["version"]),  # type: ignore[arg-type]
                path=tuple(data["path"]),
                prefix=data["prefix"],
                base_prefix=data["base_prefix"],
                implementation=data["implementation"],
                platform=data["platform"],
            )
        except (ValueError, KeyError, TypeError):
            pass  # not Python's answer: reported below
        raise UsageError(f"--python {executable}: does not look like a Python interpreter (it printed no answer)")
    if result.status in (runner.EXITED, runner.UNDECODABLE):
        detail = runner.last_line(result.stderr)
        raise UsageError(
            f"--python {executable}: does not look like a working Python interpreter"
            + (f" ({detail})" if detail else f" (exit status {result.returncode})")
        )
    raise UsageError(f"--python {executable}: {result.describe()}")


def _same_file(a: str, b: str) -> bool:
    # Not os.path.samefile: a venv's bin/python is a link to the base interpreter, yet another environment.
    return os.path.abspath(a) == os.path.abspath(b)
