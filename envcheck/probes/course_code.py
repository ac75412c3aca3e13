"""A course's code on disk: its .py files and Jupyter notebooks, and the target's answers about what they use.

Readers: `find_sources(paths)` walks the named files and folders; `read_source(found)` reads one file
(regular files only, size-capped: probes.files); `local_modules(directory)` lists the module names a folder
offers to `import`; `resolve(python, request)` asks the target interpreter, in ONE child with a timeout
(probes/inside/resolve_names.py), which modules and attribute chains exist there. Pure parsers:
`notebook_source(text)` turns a notebook's code cells into Python with the same line numbers (magics and
shell escapes become `pass`), and `pip_requirements(line)` reads what a `!pip install` line installs.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from typing import NamedTuple

from envcheck import runner
from envcheck.errors import UsageError
from envcheck.probes.files import read_user_file

SCRIPT = "resolve_names.py"
SUFFIXES = (".py", ".ipynb")
# Folders no course runs code from: version control, caches, virtual environments, Jupyter's autosaves.
SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints", ".tox", ".nox", ".mypy_cache",
             ".pytest_cache", "node_modules", "site-packages", ".venv", "venv"}
MAX_FILE_BYTES = 32 * 1024 * 1024  # notebooks carry their output images; a 32 MiB notebook is still a notebook
DEFAULT_TIMEOUT = 180.0  # importing TensorFlow, Keras and friends in one child, on a slow shared machine


class Found(NamedTuple):
    root: str  # the path as given on the command line
    path: str  # the file
    rel: str  # the file relative to its root (its name when the root is the file)


class Source(NamedTuple):
    found: Found
    kind: str  # "py" or "ipynb"
    text: str | None  # Python source (a notebook's code cells, line numbers kept); None when unreadable
    problem: str | None = None  # why it could not be read, in words
    cells: tuple[int, ...] = ()  # notebooks: the cell number (1-based, all cells counted) of each line
    cell_lines: tuple[int, ...] = ()  # notebooks: the line within its cell of each line
    pip_installs: tuple[tuple[int, tuple[str, ...]], ...] = ()  # (line, requirements) of `!pip install` lines
    writes: tuple[str, ...] = ()  # notebooks: modules its `%%writefile NAME.py` cells create beside it
    syntax_error: tuple[int | None, str] | None = None  # a .py file Python could not even decode


def find_sources(paths) -> list[Found]:
    """Every .py and .ipynb file under `paths` (files named directly are taken whatever their suffix).

    Raises UsageError for a path that does not exist, or that is neither a folder nor a regular file
    (a FIFO, a device). Hidden folders, virtual environments and
    caches are skipped; symbolic links to folders are not followed (no loops).
    """
    found: list[Found] = []
    seen: set[str] = set()
    for root in paths:
        if not os.path.exists(root):
            raise UsageError(f"{root}: no such file or directory")
        if not os.path.isdir(root):
            if not os.path.isfile(root):  # a FIFO or device named by the user: refused, as every user input is
                raise UsageError(f"{root}: not a regular file or folder")
            _add(found, seen, Found(root, root, os.path.basename(root)))
            continue
        for directory, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")
                             and not os.path.exists(os.path.join(directory, d, "pyvenv.cfg")))
            for name in sorted(files):
                if name.endswith(SUFFIXES) and not name.startswith("."):
                    path = os.path.join(directory, name)
                    _add(found, seen, Found(root, path, os.path.relpath(path, root)))
    return found


def _add(found: list[Found], seen: set[str], item: Found) -> None:
    key = os.path.realpath(item.path)
    if key not in seen:  # the same file named twice (a folder and a file inside it) is read once
        seen.add(key)
        found.append(item)


def read_source(found: Found) -> Source:
    """The file's Python source; an unreadable file (too big, not a regular file, not JSON) is a `problem`."""
    kind = "ipynb" if found.path.endswith(".ipynb") else "py"
    try:
        data = read_user_file(found.path, "course file", MAX_FILE_BYTES)
    except UsageError as error:
        return Source(found, kind, None, str(error).replace(f"course file {found.path}: ", ""))
    if kind == "py":
        text, error = decode_python(data)
        if text is None:
            return Source(found, kind, None, syntax_error=(1, error))
        return Source(found, kind, text)
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        return Source(found, kind, None, f"not a Jupyter notebook (not JSON: {error})")
    converted = notebook_source(notebook)
    if converted is None:
        return Source(found, kind, None, "not a Jupyter notebook (no cells)")
    text, cells, cell_lines, installs = converted
    return Source(found, kind, text, None, cells, cell_lines, installs, writes=written_modules(notebook))


def decode_python(data: bytes) -> tuple[str | None, str]:
    """Source bytes as text the way Python decodes them (PEP 263 coding line, BOM, else UTF-8)."""
    import io  # both only for .py files: tokenize has the interpreter's own rule for a source's encoding
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding), ""
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        return None, f"cannot be decoded as Python source ({error})"


# IPython cell magics whose body is still Python (the rest — %%bash, %%writefile, %%html … — are not).
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}
_ASSIGNED_ESCAPE = re.compile(r"^(\s*)([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*[!%]")
_HELP = re.compile(r"^\s*[?]{1,2}\S|^\s*[\w.]+[?]{1,2}\s*$")


def notebook_source(notebook) -> tuple[str, tuple[int, ...], tuple[int, ...], tuple] | None:
    """A notebook's code cells as one Python source, one line per cell line, or None if it has no cells.

    Cells are numbered from 1 counting every cell, as a reader counts them in Jupyter. Line magics
    (`%matplotlib inline`), shell escapes (`!pip install x`), help (`obj?`) and non-Python cell magics
    (`%%bash`) become `pass` (indentation kept), so line numbers and blocks stay as they were.
    Returns (source, cell of each line, line within its cell of each line, `!pip install` lines).
    """
    if not isinstance(notebook, dict):
        return None
    cells = notebook.get("cells")
    if cells is None and isinstance(notebook.get("worksheets"), list) and notebook["worksheets"]:
        cells = notebook["worksheets"][0].get("cells")  # nbformat 3
    if not isinstance(cells, list):
        return None
    lines: list[str] = []
    cell_of: list[int] = []
    line_in: list[int] = []
    installs = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        cell_lines = _cell_text(cell).split("\n")
        python_body = True
        for index, line in enumerate(cell_lines):
            stripped = line.lstrip()
            indent = line[: len(line) - len(stripped)]
            if index == 0 and stripped.startswith("%%"):
                python_body = stripped[2:].split(" ")[0].strip() in PYTHON_CELL_MAGICS
                line = indent + "pass"
            elif not python_body:
                line = "pass" if stripped else ""
            elif stripped.startswith(("!", "%")):
                requirements = pip_requirements(stripped)
                if requirements:
                    installs.append((len(lines) + 1, requirements))
                line = indent + "pass"
            elif _ASSIGNED_ESCAPE.match(line):  # files = !ls, t = %timeit -o f()
                match = _ASSIGNED_ESCAPE.match(line)
                line = f"{match.group(1)}{match.group(2)} = None"
            elif _HELP.match(line):
                line = indent + "pass"
            lines.append(line)
            cell_of.append(number)
            line_in.append(index + 1)
    return "\n".join(lines) + "\n", tuple(cell_of), tuple(line_in), tuple(installs)


def _cell_text(cell: dict) -> str:
    """A cell's source as one string: nbformat stores a string or a list of lines (anything else is text too)."""
    source = cell.get("source", cell.get("input", ""))
    if isinstance(source, list):
        return "".join(part if isinstance(part, str) else str(part) for part in source)
    return source if isinstance(source, str) else str(source)


def written_modules(notebook) -> tuple[str, ...]:
    """Modules a notebook writes itself (`%%writefile helpers.py`), which its later cells may import."""
    names = []
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        first = _cell_text(cell).lstrip().split("\n", 1)[0].split()
        if len(first) >= 2 and first[0] == "%%writefile" and first[-1].endswith(".py"):
            names.append(os.path.basename(first[-1])[:-3])
    return tuple(names)


_PIP = re.compile(r"^[!%]\s*(?:(?:\S*/)?python3?(?:\.\d+)?\s+-m\s+)?pip3?\s+install\s+(.*)$")
_PIP_OPTIONS_WITH_VALUE = {"-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url",
                           "-f", "--find-links", "-t", "--target", "--prefix", "--root", "--trusted-host",
                           "-e", "--editable", "--src", "--upgrade-strategy", "--platform", "--python-version"}


def pip_requirements(line: str) -> tuple[str, ...]:
    """The requirements a `!pip install …` / `%pip install …` line names (options and their values skipped)."""
    match = _PIP.match(line.strip())
    if not match:
        return ()
    import shlex  # only for the few lines that install something

    try:
        words = shlex.split(match.group(1).split("#")[0])
    except ValueError:
        words = match.group(1).split()
    requirements, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in _PIP_OPTIONS_WITH_VALUE
        elif not word.startswith(("$", "{")):
            requirements.append(word)
    return tuple(requirements)


def local_modules(directory: str, cache: dict | None = None) -> frozenset[str]:
    """Top-level names `import NAME` finds in `directory`: NAME.py, NAME/ holding Python, NAME.*.so.

    An unreadable folder offers nothing (empty set).
    """
    if cache is not None and directory in cache:
        return cache[directory]
    names = set()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        entries = []
    for entry in entries:
        name = entry.name
        if name.endswith(".py"):
            names.add(name[:-3])
        elif name.endswith((".so", ".pyd")):
            names.add(name.partition(".")[0])
        elif entry.is_dir() and name.isidentifier() and _holds_python(entry.path):
            names.add(name)
    result = frozenset(names)
    if cache is not None:
        cache[directory] = result
    return result


def _holds_python(path: str) -> bool:
    try:
        return any(entry.name.endswith(".py") for entry in os.scandir(path))
    except OSError:
        return False


class Resolved(NamedTuple):
    """The child's answer (resolve_names.py's JSON), or why there is none."""

    data: dict | None
    problem: str | None  # set exactly when data is None: crashed, hung, no answer
    last_import: str | None  # the module the child was importing when it stopped
    seconds: float


def resolve(python: str, request: dict, timeout: float = DEFAULT_TIMEOUT) -> Resolved:
    """Run resolve_names.py in `python` with `request`; never raises for what the child does."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's C++ start-up chatter goes nowhere anyway
    env.setdefault("MPLBACKEND", "Agg")  # importing matplotlib.pyplot must not look for a display
    env.pop("PYTHONSTARTUP", None)
    with tempfile.TemporaryDirectory(prefix="envcheck-code-") as folder:
        request_path = os.path.join(folder, "request.json")
        with open(request_path, "w", encoding="utf-8") as stream:
            json.dump(request, stream)
        answer = runner.run_target_script(python, SCRIPT, [request_path], timeout=timeout, env=env)
    last = None
    for line in answer.command.stderr.splitlines():
        if line.startswith("import "):
            last = line[len("import "):].strip()
    return Resolved(answer.data, answer.problem, last, answer.command.seconds)
