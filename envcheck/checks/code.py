"""check-code: will a course's code find every module and API it uses in the target environment?

Composes: probes.course_code finds and reads the files (notebooks turned into Python, line numbers kept),
probes.python_source reads each with `ast` (never runs it), ONE child in the target interpreter
(probes/inside/resolve_names.py) imports the libraries and walks every attribute chain, and diagnose.code
turns the answers into findings. The report is `envcheck.check-code/1`.

Grammar: a file's syntax is judged by the target's Python. When envcheck runs the same Python minor version
as the target, its own parser is that grammar; otherwise the child compiles every file too (ast.parse's
feature_version is best-effort and cannot make an older parser accept newer syntax, so it is not used).
"""

from __future__ import annotations

import os
import sys
import time
from typing import NamedTuple

from envcheck import data, runner
from envcheck.diagnose import code as rules
from envcheck.model import ERROR, Area, Finding
from envcheck.probes import course_code, python_source
from envcheck.target import TargetPython

SCHEMA = "envcheck.check-code/1"
LIBRARIES = ("tensorflow", "keras", "numpy")  # versions named in the verdict, read from metadata
AREA_TIMEOUT = 120.0  # inside doctor: below doctor's own 150 s per area, so the finding names the import


class CodeReport(NamedTuple):
    python: TargetPython
    roots: tuple[str, ...]
    files: int
    findings: tuple
    install: str | None  # one pip command for every missing distribution
    versions: dict  # {"tensorflow": "2.21.0", ...} of LIBRARIES that are installed
    seconds: float

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    @property
    def files_with_problems(self) -> int:
        return len({(f.root, f.file) for f in self.findings if f.severity == ERROR and f.file})

    def to_dict(self) -> dict:
        return {"schema": SCHEMA, "ok": self.ok, "python": self.python.to_dict(), "versions": self.versions,
                "roots": list(self.roots), "files": self.files, "files_with_problems": self.files_with_problems,
                "findings": [f.to_dict() for f in self.findings], "install": self.install,
                "seconds": round(self.seconds, 3)}


def check(paths, python: TargetPython, timeout: float = course_code.DEFAULT_TIMEOUT) -> CodeReport:
    """Scan `paths` (files and folders) and check them against `python`'s environment.

    Raises UsageError for a path that does not exist; everything the environment does (a crash or hang
    while importing a library) becomes a finding.
    """
    started = time.monotonic()
    found = course_code.find_sources(paths)
    changes = data.load("api_changes.toml")
    returns = {k: v for k, v in changes.get("returns", {}).items() if k != "source"}
    same_grammar = tuple(python.version[:2]) == tuple(sys.version_info[:2])
    sources = [course_code.read_source(item) for item in found]
    facts = [python_source.analyse(s.text, returns, s.found.path) if s.text is not None else None for s in sources]
    cache: dict = {}
    root_dirs = [root if os.path.isdir(root) else os.path.dirname(root) or "." for root in paths]
    # Above the scanned folders, up to the repository's top: where the course's own modules may sit when one
    # week is checked alone. Only a fallback: a name found there counts as the course's own when the
    # environment does not have it, never instead of an installed library.
    above = frozenset().union(*(course_code.local_modules(d, cache) for root in root_dirs
                                for d in _project_ancestors(root)))
    locals_ = [_local_names(s.found.path, root_dirs, cache) | frozenset(s.writes) for s in sources]
    if any(f is not None and f.changes_path for f in facts):
        # Code that extends sys.path may import any module of the course, from any of its folders.
        everywhere = frozenset().union(*(course_code.local_modules(os.path.dirname(s.found.path) or ".", cache)
                                         for s in sources))
        locals_ = [local | everywhere if f is not None and f.changes_path else local
                   for local, f in zip(locals_, facts)]
    request = _request(sources, facts, locals_, changes, same_grammar)
    resolved = None
    if request["top"] or request["modules"] or request.get("compile"):
        resolved = course_code.resolve(python.executable, request, timeout)
    answer = resolved.data if resolved is not None else None
    files = [_code_file(str(i), s, f, local, answer, same_grammar, python)._replace(local_fallback=above)
             for i, (s, f, local) in enumerate(zip(sources, facts, locals_))]
    programs = _programs(changes, files)
    findings = rules.diagnose(
        files, answer, python=python.executable, python_version=python.version_text, changes=changes,
        import_names=data.load("import_names.toml"), programs=programs,
        resolve_problem=resolved.problem if resolved is not None else None,
        last_import=resolved.last_import if resolved is not None else None, asked_chains=request["chains"])
    versions = {k: v for k, v in (answer or {}).get("versions", {}).items() if v and k in LIBRARIES}
    return CodeReport(python, tuple(paths), len(found), tuple(findings),
                      rules.install_command(findings, python.executable), versions, time.monotonic() - started)


def area(paths, g, title: str = "Course code") -> Area:
    """check-code as one doctor area or verify requirement (key "code"): `g` is doctor's Gather.

    The findings keep their place in their message (`week1/lab.py:4: tf.placeholder does not exist …`).
    """
    report = check(paths, g.python, timeout=g.options.get("code_timeout", AREA_TIMEOUT))
    several = len(report.roots) > 1
    findings = [Finding(f.code, f.severity, f"{_place(f, several)}{f.message}", f.fix) for f in report.findings]
    errors = sum(1 for f in report.findings if f.severity == ERROR)
    if errors:
        summary = (f"{errors} line{'s' if errors != 1 else ''} in {report.files_with_problems} of {report.files} "
                   "files would fail")
    else:
        summary = f"{report.files} files: every module and API they use resolves"
    facts = {"roots": list(report.roots), "files": report.files, "install": report.install}
    return Area("code", title, summary, findings, facts)


def _place(finding, several_roots: bool) -> str:
    if finding.file is None:
        return ""
    name = finding.file
    if several_roots:  # which root it came from matters once there are several
        name = os.path.normpath(os.path.join(finding.root, name)) if os.path.isdir(finding.root) else finding.root
    where = f"cell {finding.cell}:{finding.line}" if finding.cell is not None else str(finding.line or "")
    return f"{name}:{where}: " if where else f"{name}: "


def _local_names(path: str, root_dirs: list[str], cache: dict) -> frozenset:
    """The module names Python would find as the course's own: beside the file, and in the scanned roots."""
    names: set[str] = set()
    for directory in [os.path.dirname(path) or "."] + root_dirs:
        names |= course_code.local_modules(directory, cache)
    return frozenset(names)


def _project_ancestors(directory: str, limit: int = 8) -> list[str]:
    """The folders above `directory` up to its repository's top (the one holding .git); none outside a repository.

    A course is often checked one week at a time (`check-code course/week2`) while `utils.py` sits at the
    course's top, from where the course runs it: a module found there is the course's own, not a missing one.
    """
    ancestors = []
    current = os.path.abspath(directory)
    for _ in range(limit):
        if os.path.exists(os.path.join(current, ".git")):
            return ancestors
        parent = os.path.dirname(current)
        if parent == current:
            break
        ancestors.append(parent)
        current = parent
    return []


def _request(sources, facts, locals_, changes: dict, same_grammar: bool) -> dict:
    tops, modules, chains = {}, {}, {}
    for source_facts, local in zip(facts, locals_):
        if source_facts is None or source_facts.syntax_error:
            continue
        for item in source_facts.imports:
            if item.level or not item.module or item.module == "__future__":
                continue
            top = item.module.partition(".")[0]
            if top not in local:
                tops[top] = None
                modules[item.module] = None
        for use in source_facts.uses:
            if use.module.partition(".")[0] not in local:
                chains[(use.module, use.attrs, use.kind)] = None
    alternatives = {}
    for row in changes.get("change", []):
        if row.get("found_in"):
            for pattern in row["match"]:
                alternatives[pattern.partition(".")[0]] = row["found_in"]
    request = {"top": sorted(tops), "modules": list(modules), "alternatives": alternatives,
               "chains": [[module, list(attrs), kind] for module, attrs, kind in chains],
               "versions": list(dict.fromkeys([*LIBRARIES, *_pip_installed_names(sources)]))}
    if not same_grammar:
        request["compile"] = {str(i): s.text for i, s in enumerate(sources) if s.text is not None}
    return request


def _pip_installed_names(sources) -> list[str]:
    """Distributions the notebooks `!pip install` themselves: their installed versions are asked too."""
    return [name for s in sources for _, requirements in s.pip_installs
            for name in map(rules.requirement_name, requirements) if name]


def _code_file(key: str, source, facts, local, answer, same_grammar: bool, python: TargetPython) -> rules.CodeFile:
    base = dict(root=source.found.root, rel=source.found.rel, kind=source.kind, local=local,
                cells=source.cells, cell_lines=source.cell_lines, pip_installs=source.pip_installs)
    if source.syntax_error:
        return rules.CodeFile(**base, syntax_error=source.syntax_error)
    if source.text is None:
        return rules.CodeFile(**base, problem=source.problem)
    syntax = facts.syntax_error
    not_analysed = None
    if not same_grammar and answer is not None:
        verdict = answer.get("compile", {}).get(key)
        if verdict is not None:
            target_error = None
            if not verdict.get("ok"):
                target_error = (verdict.get("line"), verdict.get("message") or "invalid syntax")
            if target_error is None and syntax is not None:
                mine = f"{sys.version_info[0]}.{sys.version_info[1]}"
                not_analysed = (f"Python {python.version_text} accepts this file but envcheck's own Python {mine} "
                                "cannot parse it, so its imports were not checked")
            syntax = target_error
    if syntax:
        return rules.CodeFile(**base, syntax_error=syntax)
    if not_analysed:
        return rules.CodeFile(**base, not_analysed=not_analysed)
    return rules.CodeFile(**base, imports=facts.imports, uses=facts.uses)


def _programs(changes: dict, files) -> dict:
    """For each program a [[system]] row names, used by a module the code imports: is it there?"""
    imported = {item.module.partition(".")[0] for f in files for item in f.imports if not item.level}
    found = {}
    for row in changes.get("system", []):
        if imported & set(row.get("modules", ())):
            program = row["program"]
            found[program] = runner.which(program) is not None or (
                program == "java" and bool(os.environ.get("JAVA_HOME"))
                and os.path.isfile(os.path.join(os.environ["JAVA_HOME"], "bin", "java")))
    return found
