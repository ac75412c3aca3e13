"""The target's marker environment comes from the target interpreter itself, and equals packaging's own values."""

from __future__ import annotations

import sys

import pytest

from envcheck.probes import requirements


def test_the_inside_script_agrees_with_packaging():
    from packaging.markers import default_environment

    assert requirements.target_marker_environment(sys.executable) == {**default_environment(), "extra": ""}


def test_an_interpreter_that_cannot_answer_is_an_error_in_words(tmp_path):
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'not python' >&2\nexit 7\n")
    broken.chmod(0o755)
    with pytest.raises(
        RuntimeError, match=r"could not report its environment markers: python exited with status 7: not python"
    ):
        requirements.target_marker_environment(str(broken))
