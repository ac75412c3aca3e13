"""Rules for check-code: what a course's code uses, and what the target environment answered, in; findings out.

Pure: no I/O. `diagnose()` takes one `CodeFile` per scanned file (its imports and attribute uses, read with
`ast`; its syntax verdict under the target's grammar), the answer of probes/inside/resolve_names.py (which
modules are installed, which attribute chains exist, found by importing and walking them in the target),
and the explanation tables (envcheck/data/api_changes.toml, import_names.toml). Every finding comes from
the environment's answer; the tables only add the reason and the fix.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import NamedTuple

from envcheck.model import ERROR, INFO, WARNING, pip_install

CODES = ("SYNTAX_ERROR", "MODULE_NOT_INSTALLED", "MODULE_IMPORT_FAILED", "API_MISSING", "DATASET_DOWNLOAD",
         "SYSTEM_COMPONENT", "NOTEBOOK_PIP_PIN", "FILE_UNREADABLE", "CODE_NOT_ANALYSED", "RESOLVE_FAILED")


class CodeFile(NamedTuple):
    """One scanned file, as diagnose needs it."""

    root: str
    rel: str
    kind: str  # "py" or "ipynb"
    problem: str | None = None  # unreadable: why
    syntax_error: tuple[int | None, str] | None = None  # under the target's grammar
    not_analysed: str | None = None  # parsed by the target but not by envcheck's own Python: why
    imports: tuple = ()  # python_source.Import
    uses: tuple = ()  # python_source.Use
    local: frozenset = frozenset()  # top-level names that are the course's own modules, seen from this file
    local_fallback: frozenset = frozenset()  # the course's own only when the environment lacks them (folders above)
    cells: tuple[int, ...] = ()  # notebooks: cell number of each line
    cell_lines: tuple[int, ...] = ()  # notebooks: line within the cell of each line
    pip_installs: tuple = ()  # notebooks: (line, requirements) of `!pip install` lines


class CodeFinding(NamedTuple):
    code: str
    severity: str
    message: str
    fix: str | None
    root: str | None = None
    file: str | None = None  # relative to root
    line: int | None = None  # in the file; for a notebook, in the cell
    cell: int | None = None
    name: str | None = None  # the module or API the finding is about
    distribution: str | None = None  # MODULE_NOT_INSTALLED: what to pip install

    def to_dict(self) -> dict:
        data = {"code": self.code, "severity": self.severity, "file": self.file, "line": self.line,
                "name": self.name, "message": self.message, "fix": self.fix, "root": self.root}
        if self.cell is not None:
            data["cell"] = self.cell
        if self.code == "MODULE_NOT_INSTALLED":
            data["distribution"] = self.distribution
        return data


def _place(file: CodeFile, line: int | None) -> dict:
    where = {"root": file.root, "file": file.rel, "line": line}
    if file.kind == "ipynb" and line is not None and 0 < line <= len(file.cells):
        where.update(cell=file.cells[line - 1], line=file.cell_lines[line - 1])
    return where


def diagnose(files, answer: dict | None, *, python: str, python_version: str, changes: dict,
             import_names: dict, programs: dict | None = None, resolve_problem: str | None = None,
             last_import: str | None = None, asked_chains=()) -> list[CodeFinding]:
    """Every finding for `files`, in file order then line order.

    `answer` is resolve_names.py's JSON (None when the child gave none: then only what needs no answer
    is reported, plus RESOLVE_FAILED); `asked_chains` are the [module, attrs, kind] questions it answered,
    in the order of its `chains` answers. `programs` says, per program a [[system]] row names, whether it was found.
    `python` is the target interpreter's path, for install commands.
    """
    findings: list[CodeFinding] = []
    answer = answer or {}
    context = _Context(answer, asked_chains, python, python_version, changes, import_names)
    if resolve_problem:
        findings.append(_resolve_failed(resolve_problem, last_import, python))
    for file in files:
        findings.extend(_file_findings(file, context, answer if not resolve_problem else None, programs or {}))
    return findings


class _Context:
    def __init__(self, answer: dict, asked_chains, python: str, python_version: str, changes: dict,
                 import_names: dict) -> None:
        self.answer = answer
        self.python = python
        self.python_version = python_version
        self.rows = changes.get("change", [])
        self.downloads = changes.get("download", [])
        self.systems = changes.get("system", [])
        self.names = import_names.get("modules", {})
        self.chains = {}
        for key, value in zip(asked_chains, answer.get("chains", ())):
            self.chains[(key[0], tuple(key[1]), key[2])] = value

    def library(self, top: str | None) -> str:
        """'tensorflow 2.21.0' for the top-level module an object lives in; 'Python 3.11.7' for the stdlib."""
        if not top:
            return "the installed version"
        info = self.answer.get("top", {}).get(top, {})
        if info.get("where") == "stdlib" or top in ("builtins",):
            return f"Python {self.python_version}"
        rows = self.answer.get("distributions", {}).get(top) or []
        if rows:
            name, version = rows[0]
            return f"{name} {version}" if version else name
        return f"the installed {top}"

    def distribution(self, module: str) -> tuple[str | None, str | None, str | None]:
        """(pip distribution or None, note, the key matched) for a missing module, longest dotted prefix first."""
        parts = module.split(".")
        for end in range(len(parts), 0, -1):
            key = ".".join(parts[:end])
            row = self.names.get(key)
            if row is not None:
                return (row.get("distribution") or None), row.get("note"), key
        return None, None, None


def _file_findings(file: CodeFile, context: _Context, answer: dict | None, programs: dict) -> list[CodeFinding]:
    if file.problem:
        return [CodeFinding("FILE_UNREADABLE", WARNING, f"could not be read: {file.problem}",
                            "check the file; envcheck skipped it", **_place(file, None))]
    if file.syntax_error:
        line, message = file.syntax_error
        return [_syntax(file, line, message, context.python_version)]
    found: list[CodeFinding] = []
    if file.not_analysed:
        found.append(CodeFinding("CODE_NOT_ANALYSED", INFO, file.not_analysed,
                                 "run envcheck with a Python as new as the target's to check this file's imports",
                                 **_place(file, None)))
    if answer is None:
        return found + _system_findings(file, context, programs)
    tops = answer.get("top", {})
    modules = answer.get("modules", {})
    failed_modules: set[str] = set()
    reported: set[tuple] = set()
    for item in file.imports:
        if item.level or not item.module or item.module == "__future__":
            continue
        top = item.module.partition(".")[0]
        if top in file.local:
            continue
        info = tops.get(top, {})
        state = modules.get(item.module)
        if info.get("where") == "missing":
            failed_modules.add(item.module)
            if top in file.local_fallback:
                continue  # the course's own module, in a folder above the one checked
            if not item.guarded and ("missing", top) not in reported:
                reported.add(("missing", top))
                found.append(_not_installed(file, item.line, top, item.module, context))
            continue
        if state is None or state.get("ok"):
            continue
        failed_modules.add(item.module)
        if item.guarded:
            continue
        not_found = state.get("not_found")
        if not_found and (item.module == not_found or item.module.startswith(not_found + ".")):
            if info.get("namespace"):  # google.colab inside the google namespace: a missing distribution
                key = ("missing", not_found)
                if key not in reported:
                    reported.add(key)
                    found.append(_not_installed(file, item.line, not_found, item.module, context))
                continue
            key = ("api", item.line, not_found)
            if key not in reported:
                reported.add(key)
                found.append(_api_missing_module(file, item.line, not_found, item.module, context))
            continue
        found.append(_import_failed(file, item.line, item.module, state, not_found, context))
    for use in file.uses:
        top = use.module.partition(".")[0]
        if top in file.local or use.guarded or tops.get(top, {}).get("where") == "missing":
            continue
        if use.module in failed_modules or any(use.module.startswith(m + ".") for m in failed_modules):
            continue
        result = context.chains.get((use.module, use.attrs, use.kind))
        if result is None:
            continue
        if result.get("ok"):
            download = _download(file, use, context)
            if download is not None and ("download", download.name) not in reported:
                reported.add(("download", download.name))
                found.append(download)
            continue
        if "missing_at" not in result:
            continue  # the module itself did not import: reported at its import line
        finding = _api_missing(file, use, result, context)
        key = ("api", finding.line, finding.name)
        if key not in reported:
            reported.add(key)
            found.append(finding)
    found.extend(_system_findings(file, context, programs))
    found.extend(_pip_pins(file, answer.get("versions", {})))
    return sorted(found, key=lambda f: ((f.cell or 0), f.line or 0, f.code))


def _syntax(file: CodeFile, line: int | None, message: str, python_version: str) -> CodeFinding:
    if "Missing parentheses in call to 'print'" in message or "Missing parentheses in call to 'exec'" in message:
        fix = "this is Python 2 code: port it to Python 3 (print(...) is a function; see https://docs.python.org/3/howto/pyporting.html)"
    else:
        fix = (f"correct the line so Python {python_version} accepts it "
               "(the course may have been written for another Python version)")
    return CodeFinding("SYNTAX_ERROR", ERROR, f"does not parse under Python {python_version}: {message}", fix,
                       **_place(file, line))


def _not_installed(file: CodeFile, line: int, name: str, module: str, context: _Context) -> CodeFinding:
    distribution, note, _ = context.distribution(module)
    if distribution:
        message = f"{name} is not installed (pip: {distribution})"
        fix = pip_install(context.python, distribution)
    elif note:
        message = f"{name} is not installed, and pip cannot install it"
        fix = None
    else:
        message = f"{name} is not installed, and envcheck does not know which distribution provides it"
        fix = (f"install the package the course names for `import {name}` "
               f"(often, but not always, {pip_install(context.python, name.partition('.')[0])}); "
               f"if {name} is the course's own module, also pass the folder that holds it to check-code")
    if note and fix:
        message += f"; {note}"
    fix = fix or note
    installer = _installed_by_notebook(file, distribution or name)
    if installer is not None:  # it will be there once the notebook ran that cell (with the network)
        where = _place(file, installer[0])
        message += f"; the notebook installs it itself (cell {where.get('cell')}: pip install {' '.join(installer[1])})"
        return CodeFinding("MODULE_NOT_INSTALLED", WARNING, message, fix, name=name, distribution=distribution,
                           **_place(file, line))
    return CodeFinding("MODULE_NOT_INSTALLED", ERROR, message, fix, name=name, distribution=distribution,
                       **_place(file, line))


def requirement_name(requirement: str) -> str:
    """The distribution a pip requirement names (`tensorflow==1.15` -> `tensorflow`); "" for a path or URL."""
    name = requirement.split(";")[0]
    for stop in "<>=!~[ @":
        name = name.split(stop)[0]
    return "" if "/" in name or name.endswith((".whl", ".zip", ".gz")) else name.strip()


def _installed_by_notebook(file: CodeFile, distribution: str):
    wanted = _canonical(distribution)
    for line, requirements in file.pip_installs:
        for requirement in requirements:
            if _canonical(requirement_name(requirement)) == wanted:
                return line, requirements
    return None


def _pip_pins(file: CodeFile, versions: dict) -> list[CodeFinding]:
    """`!pip install tensorflow==1.15` in a notebook whose environment has another TensorFlow: running
    that cell would replace it (or fail), and the notebook was written for that version."""
    found = []
    for line, requirements in file.pip_installs:
        for requirement in requirements:
            name = requirement_name(requirement)
            installed = versions.get(name)
            spec = requirement[len(name):].split(";")[0].strip()
            if not installed or not spec or spec.startswith("["):
                continue
            from packaging.specifiers import InvalidSpecifier, SpecifierSet  # PEP 440, only for pinned installs

            try:
                if SpecifierSet(spec).contains(installed, prereleases=True):
                    continue
            except InvalidSpecifier:
                continue
            found.append(CodeFinding(
                "NOTEBOOK_PIP_PIN", WARNING,
                f"the notebook runs pip install {requirement}, but this environment has {name} {installed}: "
                "running that cell would replace it (or fail), and the notebook was written for that version",
                f"delete the line to use {name} {installed} (then check the notebook against it), or give this "
                f"notebook its own environment with {requirement}", name=requirement, **_place(file, line)))
    return found


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _import_failed(file: CodeFile, line: int, module: str, state: dict, not_found: str | None,
                   context: _Context) -> CodeFinding:
    error = state.get("error") or "unknown error"
    if not_found:  # the module is there but needs another that is not
        distribution, _, _ = context.distribution(not_found)
        fix = (pip_install(context.python, distribution) if distribution
               else f"install the package that provides {not_found.partition('.')[0]}")
    else:
        fix = f"run {context.python} -c 'import {module}' to see the whole error"
    return CodeFinding("MODULE_IMPORT_FAILED", ERROR, f"import {module} fails in this environment: {error}", fix,
                       name=module, **_place(file, line))


def _api_missing_module(file: CodeFile, line: int, missing: str, module: str, context: _Context) -> CodeFinding:
    library = context.library(module.partition(".")[0])
    row = _row(context.rows, module, None) or _row(context.rows, missing, None)
    reason, fix = _explain(row, missing, library)
    message = f"module {missing} does not exist in {library}" + (f"; {reason}" if reason else "")
    return CodeFinding("API_MISSING", ERROR, message, fix, name=missing, **_place(file, line))


def _api_missing(file: CodeFile, use, result: dict, context: _Context) -> CodeFinding:
    missing_at = result["missing_at"]
    library = context.library(result.get("owner_top"))
    if use.kind == "method":
        class_name = (result.get("class_name") or "").rpartition(".")[2] or use.attrs[-2]
        dotted = ".".join((use.module,) + use.attrs)
        subject = f"{class_name}.{use.attrs[-1]}"
        message_subject = f"{use.text} ({subject})"
        name = use.text
    else:
        reached = use.attrs[: missing_at + 1]
        dotted = ".".join((use.module,) + reached)
        written = use.text.split(".")
        base_attrs = len(use.attrs) - (len(written) - 1)
        if use.kind == "from":
            subject = f"{use.module}.{use.attrs[0]}"
            message_subject = f"{use.text}: {use.attrs[0]}"
            name = subject
        elif missing_at >= base_attrs:
            subject = ".".join(written[: missing_at - base_attrs + 2])
            message_subject, name = subject, subject
        else:  # the alias itself points at nothing: K = tf.keras.backend with no backend
            subject = dotted
            message_subject, name = dotted, dotted
    row = _row(context.rows, dotted, result.get("alternative"))
    reason, fix = _explain(row, subject, library)
    message = f"{message_subject} does not exist in {library}" + (f"; {reason}" if reason else "")
    return CodeFinding("API_MISSING", ERROR, message, fix, name=name, **_place(file, use.line))


def _row(rows, dotted: str, alternative: dict | None):
    for row in rows:
        if not any(fnmatchcase(dotted, pattern) for pattern in row.get("match", ())):
            continue
        found_in = row.get("found_in")
        if found_in and not (alternative and alternative.get("ok") and alternative.get("base") == found_in):
            continue
        return row
    return None


def _explain(row, subject: str, library: str) -> tuple[str | None, str]:
    if row is not None:
        return row.get("reason"), row.get("fix")
    package = library.rsplit(" ", 1)[0]
    return None, (f"find what replaced {subject} in {package}'s release notes, or install the {package} version "
                  "the course was written for")


def _download(file: CodeFile, use, context: _Context) -> CodeFinding | None:
    dotted = use.dotted
    for row in context.downloads:
        if any(fnmatchcase(dotted, pattern) for pattern in row.get("match", ())):
            written = use.attrs[-1] if use.kind == "from" else use.text
            return CodeFinding("DATASET_DOWNLOAD", INFO, f"{written}() {row['what']}", row.get("fix"),
                               name=written, **_place(file, use.line))
    return None


def _system_findings(file: CodeFile, context: _Context, programs: dict) -> list[CodeFinding]:
    found = []
    for row in context.systems:
        program = row.get("program")
        if programs.get(program, True):
            continue
        for item in file.imports:
            top = item.module.partition(".")[0]
            if not item.level and top in row.get("modules", ()) and top not in file.local:
                found.append(CodeFinding("SYSTEM_COMPONENT", WARNING,
                                         f"{top} needs {row['component']}, and `{program}` was not found",
                                         row.get("fix"), name=top, **_place(file, item.line)))
                break
    return found


def _resolve_failed(problem: str, last_import: str | None, python: str) -> CodeFinding:
    where = f" while importing {last_import}" if last_import else ""
    fix = (f"run {python} -X faulthandler -c 'import {last_import}' to see the failure" if last_import
           else f"run {python} -c 'import sys; print(sys.version)' to check the interpreter")
    return CodeFinding("RESOLVE_FAILED", ERROR,
                       f"could not check imports and APIs: the child interpreter {problem}{where}", fix,
                       name=last_import)


def install_command(findings, python: str) -> str | None:
    """One pip command for every distribution MODULE_NOT_INSTALLED names, or None."""
    distributions = sorted({f.distribution for f in findings if f.code == "MODULE_NOT_INSTALLED" and f.distribution},
                           key=str.lower)
    return pip_install(python, *distributions) if distributions else None
