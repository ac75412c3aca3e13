"""No POSIX-only call on a path that runs on Windows without a guard: a walk of the package's AST.

What counts as POSIX-only: modules Windows lacks (pwd, grp, fcntl, termios, resource, ...), `os`
functions it lacks (killpg, getuid, uname, fork, ...), signals it lacks (SIGKILL, SIGHUP, ...),
Popen's `start_new_session` / `preexec_fn`, POSIX programs run by name (ldconfig, uname, lspci,
bash, sysctl), and Linux pseudo-files opened by absolute path (/proc, /sys, /dev, /usr/lib/wsl).

What counts as a guard, around the use or earlier in the same function:
- `if` / a conditional expression whose test reads the platform (`sys.platform`, `os.name`, an
  `os_name` / `platform` parameter, `hasattr(os, ...)`, a name such as `_POSIX` or `wsl`), or an
  earlier `if <such test>: return ...` in the same function;
- `try` whose handler catches ImportError / AttributeError (a module or function that may not exist),
  and for pseudo-file paths one that catches OSError (the read degrades to "unknown" everywhere);
- a function whose docstring says "POSIX only" / "Linux only" / "macOS only", provided every call
  of it in the package is itself guarded.
"""

from __future__ import annotations

import ast
import re

import pytest

from helpers import ROOT

PACKAGE = ROOT / "envcheck"

POSIX_MODULES = frozenset({"pwd", "grp", "fcntl", "termios", "tty", "pty", "resource", "posix", "crypt", "syslog"})
POSIX_OS = frozenset(
    {
        "killpg",
        "getpgid",
        "getpgrp",
        "setsid",
        "setpgrp",
        "setpgid",
        "getuid",
        "geteuid",
        "getgid",
        "getegid",
        "getgroups",
        "fork",
        "forkpty",
        "uname",
        "sysconf",
        "getloadavg",
        "mkfifo",
        "chown",
        "lchown",
        "wait3",
        "wait4",
        "WNOHANG",
        "openpty",
        "nice",
        "sched_getaffinity",
    }
)
# Signals the signal module has on POSIX but not on Windows (which has SIGABRT, SIGFPE, SIGILL,
# SIGINT, SIGSEGV, SIGTERM, SIGBREAK, CTRL_C_EVENT and CTRL_BREAK_EVENT).
POSIX_SIGNALS = frozenset(
    {
        "SIGKILL",
        "SIGHUP",
        "SIGQUIT",
        "SIGALRM",
        "SIGUSR1",
        "SIGUSR2",
        "SIGCHLD",
        "SIGPIPE",
        "SIGSTOP",
        "SIGCONT",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGBUS",
        "SIGTRAP",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGWINCH",
        "SIGPROF",
        "SIGVTALRM",
        "SIGSYS",
        "SIGURG",
        "SIGIO",
        "alarm",
        "setitimer",
        "pthread_kill",
        "siginterrupt",
    }
)
POSIX_KEYWORDS = frozenset({"start_new_session", "preexec_fn", "pass_fds", "process_group"})
POSIX_PROGRAMS = frozenset(
    {"ldconfig", "/sbin/ldconfig", "uname", "lspci", "bash", "sh", "sysctl", "sw_vers", "lsb_release"}
)
POSIX_PATHS = ("/proc/", "/sys/", "/dev/", "/usr/lib/wsl", "/etc/")

_PLATFORM_TEST = re.compile(
    r"platform|os_name|os\.name|posix|windows|win32|linux|darwin|wsl|hasattr\((os|signal),", re.I
)
_POSIX_ONLY_DOC = re.compile(r"\b(POSIX|Linux|macOS|WSL2?) only\b")


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _is_platform_test(test: ast.AST) -> bool:
    return bool(_PLATFORM_TEST.search(ast.unparse(test)))


def _catches(handler: ast.ExceptHandler, names: set[str]) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(ast.unparse(t).split(".")[-1] in names for t in types)


def _ends_early(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], (ast.Return, ast.Raise))


def _guarded(node: ast.AST, parents: dict, kind: str, posix_only: set[str]) -> bool:
    """Whether `node` only runs where the platform allows it (see the module docstring)."""
    child, parent = node, parents.get(node)
    while parent is not None:
        if (
            isinstance(parent, (ast.If, ast.IfExp, ast.While))
            and child is not parent.test
            and _is_platform_test(parent.test)
        ):
            return True
        if isinstance(parent, ast.Try) and child in parent.body:
            wanted = {"ImportError", "ModuleNotFoundError", "AttributeError"} | (
                {"OSError", "FileNotFoundError"} if kind == "path" else set()
            )
            if any(_catches(handler, wanted) for handler in parent.handlers):
                return True
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if parent.name in posix_only:
                return True
        body = getattr(parent, "body", None)
        if isinstance(body, list) and child in body:  # an earlier `if <platform>: return` in this block
            for earlier in body[: body.index(child)]:
                if (
                    isinstance(earlier, ast.If)
                    and _is_platform_test(earlier.test)
                    and (_ends_early(earlier.body) or _ends_early(earlier.orelse))
                ):
                    return True
        child, parent = parent, parents.get(parent)
    return False


def _uses(tree: ast.AST):
    """(node, kind, what) for every POSIX-only use in a module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in POSIX_MODULES:
                    yield node, "module", alias.name
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in POSIX_MODULES:
            yield node, "module", node.module
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == "os" and node.attr in POSIX_OS:
                yield node, "attribute", f"os.{node.attr}"
            elif node.value.id == "signal" and node.attr in POSIX_SIGNALS:
                yield node, "attribute", f"signal.{node.attr}"
        elif isinstance(node, ast.keyword) and node.arg in POSIX_KEYWORDS:
            yield node, "keyword", node.arg
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and key.value in POSIX_KEYWORDS:
                    yield key, "keyword", key.value
        elif isinstance(node, ast.Call):
            for arg in node.args:
                if isinstance(arg, (ast.List, ast.Tuple)) and arg.elts and isinstance(arg.elts[0], ast.Constant):
                    if arg.elts[0].value in POSIX_PROGRAMS:
                        yield node, "program", arg.elts[0].value
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.startswith(POSIX_PATHS):
                    yield node, "path", arg.value


def _posix_only_functions(trees: dict[str, ast.AST]) -> set[str]:
    return {
        node.name
        for tree in trees.values()
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and _POSIX_ONLY_DOC.search(ast.get_docstring(node) or "")
    }


def violations(trees: dict[str, ast.AST]) -> list[str]:
    """Every unguarded POSIX-only use, and every unguarded call of a function documented as POSIX-only."""
    posix_only = _posix_only_functions(trees)
    found = []
    for name, tree in trees.items():
        parents = _parents(tree)
        for node, kind, what in _uses(tree):
            if not _guarded(node, parents, kind, posix_only):
                found.append(f"{name}:{getattr(node, 'lineno', '?')}: {what} ({kind}) without a platform guard")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                if called in posix_only and not _guarded(node, parents, "call", posix_only - {called}):
                    where = f"{name}:{node.lineno}: {called}()"
                    found.append(f"{where} is documented as POSIX-only but called without a platform guard")
    return found


def _package_trees() -> dict[str, ast.AST]:
    return {
        str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8"), str(path))
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def test_the_package_has_no_unguarded_posix_only_call():
    trees = _package_trees()
    assert len(trees) > 30
    assert violations(trees) == []


def test_the_guarded_posix_calls_that_exist_are_seen():
    """The walk does see the package's real POSIX-only uses (so the test above is not empty by accident)."""
    trees = _package_trees()
    seen = {what for tree in trees.values() for _node, _kind, what in _uses(tree)}
    assert {"os.killpg", "signal.SIGKILL", "start_new_session"} <= seen, seen
    assert "_kill_group_posix" in _posix_only_functions(trees)


# --- the checker itself, on code written to break each rule ---------------------------------------

BAD = {
    "killpg": "import os, signal\ndef stop(p):\n    os.killpg(p.pid, signal.SIGTERM)\n",
    "sigkill": "import os, signal\ndef stop(p):\n    p.send_signal(signal.SIGKILL)\n",
    "session": "import subprocess\ndef start(argv):\n    return subprocess.Popen(argv, start_new_session=True)\n",
    "session_dict": "def options():\n    return {'start_new_session': True}\n",
    "pwd": "import pwd\n",
    "pwd_in_function": "def home():\n    import pwd\n    return pwd.getpwuid(0).pw_dir\n",
    "uid": "import os\nME = os.getuid()\n",
    "ldconfig": "def libs(run):\n    return run(['ldconfig', '-p'], timeout=5)\n",
    "proc": "def version():\n    return open('/proc/version').read()\n",
    "posix_only_called_bare": (
        "import os, signal\n"
        "def _kill(p):\n    '''POSIX only: kill the group.'''\n    os.killpg(p.pid, signal.SIGKILL)\n"
        "def stop(p):\n    _kill(p)\n"
    ),
    "wrong_try": "def home():\n    try:\n        import pwd\n    except KeyError:\n        return None\n",
}

GOOD = {
    "if_platform": (
        "import os, signal, sys\ndef stop(p):\n    if sys.platform != 'win32':\n"
        "        os.killpg(p.pid, signal.SIGKILL)\n"
    ),
    "os_name_else": (
        "import os, signal\ndef stop(p):\n    if os.name == 'nt':\n        p.kill()\n"
        "    else:\n        os.killpg(p.pid, signal.SIGKILL)\n"
    ),
    "ifexp": "import os\nMACHINE = os.uname().machine if hasattr(os, 'uname') else ''\n",
    "try_import": (
        "def home():\n    try:\n        import pwd\n        return pwd.getpwuid(0).pw_dir\n"
        "    except ImportError:\n        return None\n"
    ),
    "early_return": (
        "import sys\ndef libs(run):\n    if not sys.platform.startswith('linux'):\n        return []\n"
        "    return run(['ldconfig', '-p'], timeout=5)\n"
    ),
    "proc_try_oserror": (
        "def version():\n    try:\n        return open('/proc/version').read()\n"
        "    except OSError:\n        return None\n"
    ),
    "posix_only_called_guarded": (
        "import os, signal\n"
        "def _kill(p):\n    '''POSIX only: kill the group.'''\n    os.killpg(p.pid, signal.SIGKILL)\n"
        "def stop(p, os_name=os.name):\n    if os_name == 'posix':\n        _kill(p)\n    else:\n        p.kill()\n"
    ),
    "param": "def options(os_name):\n    return {'start_new_session': True} if os_name == 'posix' else {}\n",
    "windows_signals": "import signal\nHANDLED = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)\n",
    "path_in_message": "def fix():\n    return 'check: grep -o -w avx /proc/cpuinfo | head -1'\n",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_the_checker_catches_each_kind_of_unguarded_use(name):
    assert violations({name: ast.parse(BAD[name])}), BAD[name]


@pytest.mark.parametrize("name", sorted(GOOD))
def test_the_checker_accepts_each_kind_of_guard(name):
    assert violations({name: ast.parse(GOOD[name])}) == [], GOOD[name]
