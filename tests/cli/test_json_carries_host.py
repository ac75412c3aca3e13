"""Many machines piped into one `summarize -` (srun, parallel ssh) are told apart by the host each JSON names."""

from __future__ import annotations

import json
import platform
import subprocess
import sys

from helpers import run_cli


def test_check_cuda_json_names_its_host_and_summarize_labels_the_row_with_it():
    answer = run_cli("check-cuda", "--no-tf", "--format", "json")
    document = json.loads(answer.stdout)
    assert document["host"] == platform.node()
    two_nodes = answer.stdout + json.dumps({**document, "host": "node07"}) + "\n"
    summary = subprocess.run([sys.executable, "-m", "envcheck", "summarize", "-", "--format", "json"],
                             input=two_nodes, capture_output=True, text=True, timeout=120)
    assert sorted(h["label"] for h in json.loads(summary.stdout)["hosts"]) == sorted([platform.node(), "node07"])


def test_verify_json_names_its_host(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("packaging\n")
    document = json.loads(run_cli("verify", "--requirements", str(requirements), "--format", "json").stdout)
    assert document["host"] == platform.node()
