"""Docs that cannot drift: every finding code the source can emit is in the README's list, every
option a command's --help shows is in its README section, and --help says only what the command does."""

from __future__ import annotations

import ast
import importlib
import os
import re

import pytest

from envcheck.cli import COMMANDS, _parser

from helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
CODE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$")
SEVERITIES = {"ERROR", "WARNING", "INFO"}


def _is_severity(node) -> bool:
    if isinstance(node, ast.Name):
        return node.id in SEVERITIES
    if isinstance(node, ast.Attribute):
        return node.attr in SEVERITIES
    return isinstance(node, ast.Constant) and node.value in ("error", "warning", "info")


def _is_finding(node) -> bool:
    """A call Finding(...) (its severity may be a variable)."""
    func = getattr(node, "func", None)
    return getattr(func, "id", None) == "Finding" or getattr(func, "attr", None) == "Finding"


def emitted_codes() -> dict[str, str]:
    """Codes the source can emit: a code-shaped string in a Finding(...) call or beside a severity, as in
    a table row ("CODE", WARNING, …). code -> the file that emits it."""
    found = {}
    for folder, _, files in os.walk(ROOT / "envcheck"):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as stream:
                tree = ast.parse(stream.read())
            for node in ast.walk(tree):
                items = node.args if isinstance(node, ast.Call) else node.elts if isinstance(node, ast.Tuple) else []
                if not (any(_is_severity(item) for item in items) or _is_finding(node)):
                    continue
                for item in items:
                    if isinstance(item, ast.Constant) and isinstance(item.value, str) and CODE.match(item.value):
                        found.setdefault(item.value, os.path.relpath(path, ROOT))
    return found


def readme_codes() -> set[str]:
    """The codes in the README's "Finding codes" section."""
    section = _section("Finding codes")
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))


def _section(title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def test_the_scan_finds_the_codes_it_should():
    codes = emitted_codes()
    # one from each way a finding is made: a Finding call, a table row, an area that failed
    assert {"NO_GPU", "CUDNN_VERSION_MISMATCH", "AREA_TIMED_OUT", "LOW_RAM"} <= set(codes)
    assert not {"CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH", "PATH"} & set(codes)  # variables are not codes


def test_every_finding_code_is_in_the_readme():
    missing = {code: path for code, path in emitted_codes().items() if code not in readme_codes()}
    assert not missing, f"finding codes missing from README.md's '## Finding codes': {missing}"


def test_the_readme_lists_no_code_the_source_cannot_emit():
    assert not readme_codes() - set(emitted_codes())


def _parser_for(command: str):
    module = importlib.import_module(COMMANDS[command][0])
    options = _parser.make_parser(command, COMMANDS[command][1], module.__doc__)
    module.build_parser(options)
    return module, options.argparse()


def _command_section(command: str) -> str:
    titles = (command, f"envcheck {command}")
    title = next(t for t in titles if re.search(rf"^## {re.escape(t)}$", README, re.MULTILINE))
    return _section(title)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_option_in_help_is_in_the_readme(command):
    _, parser = _parser_for(command)
    shared = _section("The contract every command keeps")  # --debug, --version: every command's
    section = _command_section(command)
    missing = [flag for action in parser._actions for flag in action.option_strings
               if flag.startswith("--") and flag != "--help" and flag not in section and flag not in shared]
    assert not missing, f"README.md's section for {command} does not mention {missing}"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_help_text_reads_as_sentences(command):
    """The module docstring's first line is the --help title, so it must be a whole sentence; the
    body --help shows starts where a sentence starts (doctor's once began mid-sentence)."""
    module, parser = _parser_for(command)
    title = module.__doc__.strip().splitlines()[0]
    assert title.rstrip().endswith((".", ")")), f"{command}: docstring title runs onto a second line: {title!r}"
    body = parser.description.partition("\n\n")[2]
    assert not body or body[0].isupper() or body[0] in "`-", body[:60]


SCRIPTS = sorted(p.name for p in (ROOT / "scripts").glob("*.sh"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_option_of_a_script_is_in_its_readme_entry(script):
    import subprocess  # only the scripts are run

    done = subprocess.run(["bash", str(ROOT / "scripts" / script), "--help"], capture_output=True, text=True,
                          timeout=60)
    usage = next(line for line in done.stdout.splitlines() if line.strip().startswith(f"scripts/{script}"))
    entries = _section("envcheck verify").split("\n- ")
    entry = next((line for line in entries if line.startswith(f"`scripts/{script}")), "")
    assert entry, f"README.md has no '- `scripts/{script} …`' entry"
    missing = [flag for flag in re.findall(r"--[a-z][a-z-]*", usage) if flag not in entry]
    assert not missing, f"README.md's entry for scripts/{script} does not mention {missing}"


def test_help_claims_only_what_the_command_does():
    """Each line here was once false: report printed markdown on a terminal while --help promised a
    table; count-packages --help said it opened no METADATA, but it does when a directory name has no
    project name."""
    _, report = _parser_for("report")
    (fmt,) = [a for a in report._actions if "--format" in a.option_strings]
    assert "default: markdown" in fmt.help and "table" not in fmt.help
    module, _ = _parser_for("count-packages")
    assert "no METADATA" not in module.__doc__


def test_the_layout_names_every_package_of_envcheck():
    layout = _section("Layout")
    packages = sorted(str(p.relative_to(ROOT)) + "/" for p in (ROOT / "envcheck").rglob("*")
                      if p.is_dir() and p.name != "__pycache__" and any(p.glob("*.py")))
    missing = [package for package in packages if package not in layout]
    assert not missing, f"README.md's Layout does not describe {missing}"
