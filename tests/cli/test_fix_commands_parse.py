"""Every envcheck command a fix names (`smoke-train --device gpu ...`) parses with the real parser.

A fix the user copies must work: the source is scanned for backticked envcheck commands in string
literals and f-strings (placeholders filled with a value each can take), and each goes through the
same argparse parser the command uses, plus smoke-train's own value checks.
"""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

import pytest

from envcheck.cli import COMMANDS
from envcheck.errors import UsageError

PACKAGE = Path(__file__).resolve().parents[2] / "envcheck"
BACKTICKED = re.compile(r"`([^`]+)`")
# A value each f-string placeholder that appears inside a fix command can take.
SAMPLES = {
    "device": "gpu",
    "backend": "tensorflow",
    "report.backend or 'tensorflow'": "numpy",
    "target": " --python /usr/bin/python3",
}


def _texts(node: ast.AST):
    """String literals and f-strings (placeholders as {expr}) anywhere in a module, docstrings left out."""
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(node)
        if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and n.body
        and isinstance(n.body[0], ast.Expr)
    }
    for child in ast.walk(node):
        if id(child) in docstrings:
            continue
        if isinstance(child, ast.JoinedStr):
            yield _joined(child)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str):
            yield child.value
        elif _is_translated_format(child):
            # _("Run `{command}` ...").format(command=f"smoke-train --device {device}"): the message with the
            # command put back, as the user reads it (commands are placeholders so translations keep them)
            text = child.func.value.args[0].value
            for keyword in child.keywords:
                if isinstance(keyword.value, ast.JoinedStr):
                    text = text.replace("{" + keyword.arg + "}", _joined(keyword.value))
                elif isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                    text = text.replace("{" + keyword.arg + "}", keyword.value.value)
            yield text


def _joined(node: ast.JoinedStr) -> str:
    return "".join(part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
                   for part in node.values)


def _is_translated_format(node: ast.AST) -> bool:
    """`_("literal").format(...)`."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
            and isinstance(node.func.value, ast.Call) and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == "_" and node.func.value.args
            and isinstance(node.func.value.args[0], ast.Constant))


def fix_commands() -> list[tuple[str, str]]:
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        for text in _texts(ast.parse(path.read_text(encoding="utf-8"))):
            for command in BACKTICKED.findall(text):
                words = command.split()
                first = words[1] if words[:1] == ["envcheck"] and len(words) > 1 else words[0] if words else ""
                if first in COMMANDS and not command.startswith("envcheck."):
                    found.add((path.relative_to(PACKAGE.parent).as_posix(), command))
    return sorted(found)


def parse(command: str):
    """Fill placeholders, then parse with the command's real (argparse) parser and its fast reader."""
    from envcheck.cli import _parser

    def sample(match: re.Match) -> str:
        assert match.group(1) in SAMPLES, f"add a sample value for {{{match.group(1)}}} to SAMPLES"
        return SAMPLES[match.group(1)]

    words = shlex.split(re.sub(r"\{([^{}]+)\}", sample, command))
    if words[0] == "envcheck":
        words = words[1:]
    name, argv = words[0], words[1:]
    import importlib

    module = importlib.import_module(COMMANDS[name][0])
    options = _parser.make_parser(name, COMMANDS[name][1], module.__doc__)
    module.build_parser(options)
    args = options.argparse().parse_args(argv)
    assert vars(options.parse_args(argv)) == vars(args)
    if name == "smoke-train":
        from envcheck.checks import smoke

        smoke.validate(
            backend=args.backend,
            task=args.task,
            activation=args.activation,
            hidden=args.hidden,
            depth=args.depth,
            steps=args.steps,
            lr=args.lr,
            seed=args.seed,
            device=args.device,
            timeout=args.timeout,
        )
    return args


def test_the_scan_finds_the_fixes_it_is_meant_to_check():
    commands = {command for _, command in fix_commands()}
    assert "smoke-train --device {device} --backend {backend}{target}" in commands
    assert "check-cuda" in commands


@pytest.mark.parametrize("where, command", fix_commands())
def test_every_command_named_in_a_fix_parses(where, command):
    parse(command)


def test_doctors_single_check_commands_parse():
    from envcheck.checks.doctor import _single_command

    for key in ("gpu", "tensorflow", "smoke", "python", "system", "unknown-area"):
        command = _single_command(key)
        if command.split()[0] in COMMANDS or command.startswith("envcheck "):
            parse(command)


@pytest.mark.parametrize(
    "broken",
    [
        "smoke-train --device gpu -v",
        "smoke-train -v",
        "smoke-train --backend numpy --device gpu",
        "envcheck verify --profile",
        "check-cuda --no-such-option",
    ],
)
def test_the_check_can_fail(broken):
    with pytest.raises(UsageError):
        parse(broken)
