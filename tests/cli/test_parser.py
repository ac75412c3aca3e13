"""The fast option reader gives exactly what argparse gives, and defers to argparse otherwise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envcheck.cli import COMMANDS, _parser
from envcheck.errors import UsageError


def options_for(command: str) -> _parser.Options:
    import importlib

    module_name, summary = COMMANDS[command]
    options = _parser.make_parser(command, summary)
    importlib.import_module(module_name).build_parser(options)
    return options


TOKENS = st.sampled_from(
    ["--prefix", "keras", "tf-", "--prefix=nvidia-", "--format", "json", "text", "freeze", "--format=json",
     "--python", "/usr/bin/python3", "--no-cache", "--no-cache=1", "-v", "--verbose", "--debug", "--bogus", "-x",
     "--", "-", "--prefix=", "=", "-1"]
)


@pytest.mark.parametrize("command", ["list-tf-packages", "count-packages"])
@settings(max_examples=300, deadline=None)
@given(argv=st.lists(TOKENS, max_size=6))
def test_fast_reader_agrees_with_argparse(command, argv):
    options = options_for(command)
    fast = options._fast_parse(argv)
    try:
        expected = vars(options.argparse().parse_args(argv))
    except (UsageError, SystemExit):
        assert fast is None, f"fast reader accepted {argv} which argparse rejects"
        return
    if fast is not None:
        assert vars(fast) == expected


def test_help_and_version_go_to_argparse(capsys):
    options = options_for("count-packages")
    assert options._fast_parse(["--help"]) is None
    with pytest.raises(SystemExit):
        options.parse_args(["--version"])
    assert "envcheck" in capsys.readouterr().out


def test_groups_and_defaults_replay_on_argparse():
    options = _parser.make_parser("demo", "a demo")
    group = options.add_argument_group("output")
    group.add_argument("--format", choices=("text", "json"))
    exclusive = options.add_mutually_exclusive_group()
    exclusive.add_argument("--cpu", action="store_true")
    exclusive.add_argument("--gpu", action="store_true")
    options.set_defaults(mode="x")
    args = options.parse_args(["--format", "json", "--gpu"])
    assert (args.format, args.gpu, args.cpu, args.mode) == ("json", True, False, "x")
    with pytest.raises(UsageError, match="not allowed with"):
        options.parse_args(["--cpu", "--gpu"])


def test_runner_which_finds_what_shutil_which_finds(tmp_path):
    """runner.which is the fast paths' copy of shutil.which (whose imports cost ~5 ms); --python uses it too."""
    import os
    import shutil

    from envcheck import runner

    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (first / "tool").write_text("")  # not executable: skipped
    (second / "tool").write_text("#!/bin/sh\n")
    (second / "tool").chmod(0o755)
    (first / "dir").mkdir()  # a directory is never the answer
    path = os.pathsep.join([str(first), str(second)])
    for name in ("tool", "dir", "missing"):
        assert runner.which(name, path) == shutil.which(name, path=path), name
