"""Every command gives its answer on a console that is not UTF-8 (cp949, latin-1, ascii, LC_ALL=C), piped
and on a terminal: the marks fall back to ASCII, nothing is an internal error, JSON stays valid JSON.

What a redirected `envcheck doctor > report.txt` gets on Korean Windows is PYTHONIOENCODING=cp949.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

import helpers
from helpers import ROOT

ANSI = re.compile(r"\x1b\[[0-9;]*m")
CONSOLES = {
    "ascii": {"PYTHONIOENCODING": "ascii"},
    "cp949": {"PYTHONIOENCODING": "cp949"},
    "latin-1": {"PYTHONIOENCODING": "latin-1"},
    "LC_ALL=C": {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""},  # a container without a UTF-8 locale
}
PROFILE = '[python]\nversion = ">=3.9"\n[packages]\nnumpy = ""\n'


def _env(console: str, **more) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "LANG", "LC_CTYPE", "PYTHONUTF8")}
    env.update(CONSOLES[console], COLUMNS="120", TERM="xterm", **more)
    return {k: v for k, v in env.items() if v != ""}


def _codec(console: str) -> str:
    return console if console in ("cp949", "latin-1") else "ascii"


def run_piped(args, console: str, cwd) -> tuple[int, bytes, str]:
    done = subprocess.run(
        [sys.executable, "-m", "envcheck", *args],
        capture_output=True,
        env=_env(console),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )
    return done.returncode, done.stdout, done.stderr.decode(_codec(console), "replace")


def run_on_terminal(args, console: str, cwd) -> tuple[int, bytes, str]:
    code, out, err = helpers.run_on_terminal([sys.executable, "-m", "envcheck", *args], env=_env(console), cwd=cwd)
    return code, out, err.decode(_codec(console), "replace")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A profile for verify and a saved JSON report for `report --from` (one real doctor run)."""
    where = tmp_path_factory.mktemp("consoles")
    (where / "p.toml").write_text(PROFILE)
    (where / "lab.py").write_text("import tensorflow as tf\nx = tf.placeholder(tf.float32)\n")  # a TF 1 API
    # doctor in a bare venv answers in about a second (nothing to import) with every kind of mark
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where / "bare")], check=True, timeout=120)
    saved = subprocess.run(
        [sys.executable, "-m", "envcheck", "report", "--format", "json"], capture_output=True, cwd=ROOT, timeout=600
    )
    assert saved.returncode == 0, saved.stderr
    (where / "r.json").write_bytes(saved.stdout)
    return where


COMMANDS = {
    "list-tf-packages": ["list-tf-packages"],
    "count-packages": ["count-packages", "-v"],
    "check-cuda": ["check-cuda", "--no-tf"],
    "smoke-train": ["smoke-train", "--backend", "numpy"],
    "doctor": ["doctor", "--python", "bare"],
    "report": ["report", "--from", "r.json", "--format", "text"],
    "verify": ["verify", "--profile", "p.toml"],
    "check-code": ["check-code", "lab.py"],
}
# Lines each answer must hold, in the forms every console can print.
EXPECTED = {
    "list-tf-packages": b"tensorflow",
    "count-packages": b"site-packages",
    "check-cuda": b"Driver",
    "smoke-train": b"gradient flow",
    "doctor": b"Smoke training",
    "report": b"Smoke training",
    "verify": b"requirements met",
    "check-code": b"API_MISSING",
}


@pytest.mark.parametrize("how", ["piped", "terminal"])
@pytest.mark.parametrize("console", list(CONSOLES))
def test_every_command_answers(inputs, console, how):
    runner = run_piped if how == "piped" else run_on_terminal
    for name, args in COMMANDS.items():
        code, out, err = runner(args, console, inputs)
        assert code in (0, 1), (name, code, err)
        assert "Traceback" not in err and "internal error" not in err, (name, err)
        assert EXPECTED[name] in out, (name, out[-2000:])
        text = ANSI.sub("", out.decode(_codec(console)))  # strict: every byte is what that console can show
        assert "\\u27" not in text and "\\u2" not in text, (name, text[-2000:])  # symbols became ASCII, not escapes
        if name in ("check-cuda", "doctor", "report", "check-code"):
            assert any(mark in text for mark in ("[ok]", "[x]", "[!]")), (name, text[-2000:])
        if name == "smoke-train" and how == "terminal":
            assert "[ok] Learned" in text and "loss #" in text  # the sparkline, highest loss first


@pytest.mark.parametrize("console, how", [("cp949", "piped"), ("LC_ALL=C", "terminal")])
@pytest.mark.parametrize("args", [["doctor"], ["check-cuda"]])
def test_the_full_answers_with_tensorflow(inputs, console, how, args):
    """`envcheck doctor > report.txt` on Korean Windows; check-cuda in a container with LC_ALL=C."""
    code, out, err = (run_piped if how == "piped" else run_on_terminal)(args, console, inputs)
    assert code in (0, 1) and "Traceback" not in err and "internal error" not in err, err
    text = ANSI.sub("", out.decode(_codec(console)))
    assert "TensorFlow" in text and any(mark in text for mark in ("[ok]", "[x]", "[!]")), text


@pytest.mark.parametrize("console", list(CONSOLES))
@pytest.mark.parametrize(
    "args",
    [
        ["check-cuda", "--no-tf", "--format", "json"],
        ["count-packages", "-v", "--format", "json"],
        ["list-tf-packages", "--format", "json"],
        ["smoke-train", "--backend", "numpy", "--format", "json"],
        ["report", "--from", "r.json", "--format", "json"],
    ],
)
def test_json_stays_valid_and_ascii(inputs, console, args):
    code, out, err = run_piped(args, console, inputs)
    assert code in (0, 1), err
    assert out.isascii()
    json.loads(out)


def test_korean_text_prints_as_korean_on_cp949(inputs):
    """The fallback is about symbols: text the console can print stays as it is."""
    code, out, err = run_piped(["list-tf-packages", "--prefix", "없는패키지"], "cp949", inputs)
    assert code == 1 and "Traceback" not in err
    assert "'없는패키지'" in err  # stderr: the hint names the prefix, in Korean
