"""Reading many hosts' JSON from one stream: where a document was cut off is told from one that is not JSON."""

from __future__ import annotations

import pytest

from envcheck.probes import handins

CUT_OFF = ['{"ecc": fa', '{"ecc": tr', '{"gpu": n', '{"ecc": fals\n', '{"count": 1', '{"name": "H2']


@pytest.mark.parametrize("text", CUT_OFF)
def test_a_document_cut_off_mid_value_is_truncated(text):
    (found,) = handins.read_stream(text.encode(), "<stdin>", None)
    assert found.problem.startswith("truncated JSON"), found.problem


@pytest.mark.parametrize("text", ['{"ecc": x}', '{"ecc": fx}', "Traceback (most recent call last):"])
def test_text_that_is_not_json_is_named_so(text):
    (found,) = handins.read_stream(text.encode(), "<stdin>", None)
    assert found.problem.startswith("not JSON"), found.problem


def test_documents_on_standard_input_are_anonymous_and_named_ones_are_not():
    (unnamed,) = handins.read_stream(b'{"schema": "envcheck.check-cuda/1"}', "<stdin>", None)
    (named,) = handins.read_stream(b'{"schema": "envcheck.check-cuda/1"}', "kim-minji.json", "kim-minji")
    assert (unnamed.name, unnamed.anonymous) == ("stdin:1", True)
    assert (named.name, named.anonymous) == ("kim-minji", False)
