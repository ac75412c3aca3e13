"""The fast paths' hand-written copies, pinned to the libraries they copy.

count-packages and list-tf-packages cannot afford `packaging` or `email.parser` at start-up, so
envcheck.probes.packages carries small copies: PEP 503 name normalisation and PEP 508 name validity
(packaging.utils), "already in PEP 440 normal form" (packaging.version), and METADATA header parsing
(email.parser). Hypothesis generates the inputs; the library is the oracle.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from envcheck.probes import packages

NAME_CHARACTERS = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
NAMES = st.text(NAME_CHARACTERS, min_size=1, max_size=30)
# PEP 508's name rule, as packaging writes it (packaging.utils._validate_regex), on ASCII names.
VALID_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


@given(NAMES)
@example("Foo.Bar__baz--Qux")
@example("tensorflow_io_gcs_filesystem")
def test_canonicalize_is_packagings(name):
    assert packages.canonicalize(name) == canonicalize_name(name)


@given(NAMES)
@example("-leading")
@example("trailing_")
@example("a.-b")
def test_a_valid_name_is_what_pep_508_accepts(name):
    assert packages.is_valid_name(packages.canonicalize(name)) == bool(VALID_NAME.match(name))


NUMBERS = st.one_of(st.integers(0, 12).map(str), st.sampled_from(["00", "01", "007", "2021", "10"]))
VERSIONS = st.one_of(
    st.builds(lambda parts, pre, post, dev, local: ".".join(parts) + pre + post + dev + local,
              st.lists(NUMBERS, min_size=1, max_size=4),
              st.sampled_from(["", "a1", "b0", "rc2", "alpha1", "c3", "-rc1", ".pre1", "a01"]),
              st.sampled_from(["", ".post1", "-1", ".post01", "post2"]),
              st.sampled_from(["", ".dev0", ".dev3", "dev1", ".dev01"]),
              st.sampled_from(["", "+local", "+ubuntu.1", "+CPU", "+a_b"])),
    st.text(st.sampled_from("0123456789.abcdeprvlostu+!-_"), min_size=1, max_size=16),
)


@settings(max_examples=400)
@given(VERSIONS)
@example("2.21.0")
@example("1.0.post0.dev1+abc.1")
@example("1!2.0")
def test_a_version_is_printed_as_packaging_normalises_it(version):
    try:
        expected = str(Version(version))
    except InvalidVersion:
        expected = version  # pip prints what is not PEP 440 unchanged
    assert packages.normalize_version(version) == expected


HEADER_NAMES = st.sampled_from(["Name", "Version", "Requires-Dist", "Requires-Python", "Summary", "Classifier",
                                "Provides-Extra", "metadata-version", "X-Custom"])
VALUE_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_characters=":"), max_size=30)
HEADER = st.tuples(HEADER_NAMES, VALUE_TEXT, st.lists(st.tuples(st.sampled_from([" ", "\t", "  "]), VALUE_TEXT),
                                                      max_size=2))


def _block(headers, body: str) -> str:
    lines = []
    for name, value, folds in headers:
        lines.append(f"{name}: {value}")
        lines += [indent + text for indent, text in folds]
    return "\n".join(lines) + "\n\n" + body


@settings(max_examples=500)
@given(st.lists(HEADER, max_size=8), st.text(max_size=40))
@example([("Name", "x", []), ("Requires-Dist", "b (>=1,", [("  ", "<2)")])], "body: no\n")
def test_fast_header_parsing_is_the_email_parsers(headers, body):
    text = _block(headers, body)
    assert packages.parse_headers(text) == packages.email_headers(text)
