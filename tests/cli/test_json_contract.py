"""JSON carries `"schema": "envcheck.<command>/1"`, except the one pip-shaped list, which the README names.

`list-tf-packages --format json` is on purpose exactly what `pip list --format json` prints (an array of
objects with pip's `name` and `version`), so what reads pip's JSON reads envcheck's; pip is the oracle.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import ROOT, run_cli


@pytest.mark.parametrize(
    "args, schema",
    [
        (("count-packages", "--format", "json"), "envcheck.count-packages/1"),
        (("check-cuda", "--no-tf", "--format", "json"), "envcheck.check-cuda/1"),
        (("smoke-train", "--backend", "numpy", "--format", "json"), "envcheck.smoke-train/1"),
    ],
)
def test_json_answers_carry_their_schema(args, schema):
    done = run_cli(*args)
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["schema"] == schema


def test_list_tf_packages_json_is_pips_own_shape():
    listed = run_cli(
        "list-tf-packages", "--prefix", "tensor", "--prefix", "keras", "--prefix", "numpy", "--format", "json"
    )
    ours = json.loads(listed.stdout)
    pip = json.loads(
        subprocess.run(
            [sys.executable, "-m", "pip", "list", "--format", "json"], capture_output=True, text=True, timeout=300
        ).stdout
    )
    assert isinstance(ours, list) and ours, ours
    wanted = {row["name"].lower() for row in ours}
    assert [(r["name"], r["version"]) for r in ours] == [
        (r["name"], r["version"]) for r in pip if r["name"].lower() in wanted
    ]


def test_the_readme_names_the_pip_shaped_exception():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    contract = readme.split("## The contract every command keeps", 1)[1].split("\n## ", 1)[0]
    assert '"schema"' in contract and "list-tf-packages --format json" in contract
    assert "pip list --format json" in contract
