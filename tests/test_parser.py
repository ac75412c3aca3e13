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
     "--python", "/usr/bin/python3", "-v", "--verbose", "--debug", "--bogus", "-x", "--", "-", "--prefix=", "=", "-1"]
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
