"""envcheck report: planted secrets never reach any format."""

from __future__ import annotations

import json
import venv

import pytest

from envcheck.checks import report

from helpers import run_cli

USER = "zebulon"
TOKEN = "ghp_R3alLookingT0kenAbcdefghijklmnop12"
OPENAI = "sk-proj-abcdefghijklmnopqrstuvwx"
PASSWORD = "hunter2pw"
CONF_PASSWORD = "c0nfS3cret"


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A home named after the user, pip.conf and PIP_* with passwords in index URLs, tokens in the env."""
    root = tmp_path_factory.mktemp("secrets")
    home = root / "home" / USER
    (home / ".config" / "pip").mkdir(parents=True)
    (home / ".config" / "pip" / "pip.conf").write_text(
        f"[global]\nindex-url = https://{USER}:{CONF_PASSWORD}@pypi.corp.example/simple\n"
        f"extra-index-url =\n    https://__token__:{CONF_PASSWORD}@gitlab.example/api/v4/projects/1/packages/pypi/simple\n"
    )
    env = {
        "HOME": str(home),
        "USER": USER,
        "LOGNAME": USER,
        "GITHUB_TOKEN": TOKEN,
        "OPENAI_API_KEY": OPENAI,
        "TF_SECRET_TOKEN": "tf-secret-value-123",  # an allowed prefix, a secret name: still dropped
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "PIP_INDEX_URL": f"https://{USER}:{PASSWORD}@pypi.corp.example/simple",
        "PIP_EXTRA_INDEX_URL": f"https://x.example/simple?token={TOKEN}",
        "CUDA_VISIBLE_DEVICES": "0",
        "TF_CPP_MIN_LOG_LEVEL": "1",
        "PATH": f"{home}/.local/bin:/usr/bin:/bin",
        "VIRTUAL_ENV": f"{home}/course/.venv",
        "LD_LIBRARY_PATH": f"/home/{USER}/cuda/lib64",
    }
    return env


SECRETS = (TOKEN, OPENAI, PASSWORD, CONF_PASSWORD, "tf-secret-value-123", "wJalrXUtnFEMI", USER)


def _assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked"


@pytest.mark.parametrize("fmt", ["markdown", "json", "text"])
def test_planted_secrets_reach_no_format(planted, fmt, tmp_path):
    bare = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(bare)
    done = run_cli("report", "--format", fmt, "--python", str(bare), env=planted, timeout=300)
    assert done.returncode == 0, done.stderr
    _assert_clean(done.stdout + done.stderr)
    assert "CUDA_VISIBLE_DEVICES" in done.stdout and "TF_CPP_MIN_LOG_LEVEL" in done.stdout
    assert "~/.local/bin" in done.stdout  # PATH kept, home masked
    assert "pypi.corp.example/simple" in done.stdout and "***@" in done.stdout  # the index is shown, its password not
    assert "GITHUB_TOKEN" not in done.stdout and "OPENAI_API_KEY" not in done.stdout
    if fmt == "json":
        data = json.loads(done.stdout)
        assert data["schema"] == "envcheck.report/1"
        assert data["doctor"]["schema"] == "envcheck.doctor/1"
        assert set(data["environment"]) >= {"CUDA_VISIBLE_DEVICES", "PATH", "VIRTUAL_ENV", "LD_LIBRARY_PATH"}
        assert data["environment"]["VIRTUAL_ENV"] == "~/course/.venv"
        assert data["environment"]["LD_LIBRARY_PATH"] == "/home/<user>/cuda/lib64"
    if fmt == "markdown":
        assert "<details>" in done.stdout and "| ✗ | TensorFlow | not installed |" in done.stdout


def test_redactor_masks_host_user_home_urls_and_tokens():
    redactor = report.Redactor(homes=("/home/ada",), users=("ada",), hosts=("lab-gpu-07.uni.example", "lab-gpu-07"))
    text = redactor.text(
        "/home/ada/.venv/bin/python on lab-gpu-07 (lab-gpu-07.uni.example) by ada; "
        "https://ada:pw@idx.example/simple hf_abcdefghijklmnopqrstu /home/adam stays "
        "https://idx.example/simple?private_token=abc123&page=2"
    )
    assert text == ("~/.venv/bin/python on <host> (<host>) by <user>; https://***@idx.example/simple <redacted> "
                    "/home/adam stays https://idx.example/simple?private_token=***&page=2")


def test_only_allow_listed_variables_pass():
    env = {"PATH": "/bin", "CUDA_HOME": "/usr/local/cuda", "NVIDIA_VISIBLE_DEVICES": "all", "HF_TOKEN": "x",
           "TF_API_KEY": "y", "DATABASE_URL": "postgres://u:p@h/db", "HOME": "/root"}
    allowed = {"CUDA_HOME": "/usr/local/cuda", "NVIDIA_VISIBLE_DEVICES": "all", "PATH": "/bin"}
    assert report.allowed_environment(env) == allowed


def test_a_saved_json_report_renders_as_markdown_and_anything_else_is_exit_2(planted, tmp_path):
    from helpers import assert_one_line_error

    bare = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(bare)
    saved = tmp_path / "r.json"
    assert run_cli("report", "--format", "json", "--python", str(bare), "-o", str(saved), env=planted).returncode == 0
    done = run_cli("report", "--from", str(saved), "--format", "markdown")
    assert done.returncode == 0 and "| ✗ | TensorFlow | not installed |" in done.stdout
    _assert_clean(done.stdout)
    (tmp_path / "other.json").write_text('{"schema": "envcheck.doctor/1"}')
    assert_one_line_error(run_cli("report", "--from", str(tmp_path / "other.json")), 2)
    assert_one_line_error(run_cli("report", "--from", str(tmp_path / "missing.json")), 2)
