"""envcheck fleet --ray against a real Ray cluster of four nodes started on this machine, loopback only.

Every node is a real raylet (ray.cluster_utils.Cluster) bound to 127.0.0.1 with one CPU and a small
object store. Two nodes answer as GPU nodes (a stand-in nvidia-smi from the captured H200 host on
their PATH; one with an older driver); on the third envcheck hangs, and on the fourth Ray's own worker
hangs as it starts, so the task never runs: fleet must name both "no answer" and wait for neither.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

import summary_worlds as w
from cuda_fakes import fake_nvidia_smi, path_with, stand_in_package
from helpers import assert_one_line_error, run_cli

ray = pytest.importorskip("ray", reason="ray is installed by the test extra (envcheck[fleet])")

LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}  # loopback, no reporting
NODE = {"node_ip_address": "127.0.0.1", "num_cpus": 1, "object_store_memory": 80 * 1024 * 1024}
# On a node whose PYTHONPATH has this sitecustomize, FLEET_TEST_HANG=envcheck makes `python -m envcheck`
# hang (the check never answers) and FLEET_TEST_HANG=worker makes Ray's worker hang as it starts (the
# node's task never even runs). Each waits only while its parent lives, so nothing outlives the cluster.
HANG = textwrap.dedent(
    """\
    import os, sys, time
    what, argv = os.environ.get("FLEET_TEST_HANG"), getattr(sys, "orig_argv", [])
    if (what == "envcheck" and "envcheck" in argv) or (
            what == "worker" and any(arg.endswith("default_worker.py") for arg in argv)):
        parent = os.getppid()
        while os.getppid() == parent:
            time.sleep(0.5)
    """
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A head and three more nodes; yields (address, node kinds by node id)."""
    from ray.cluster_utils import Cluster

    root = tmp_path_factory.mktemp("fleet")
    fake_nvidia_smi(root / "bin-580")
    fake_nvidia_smi(root / "bin-570", w.older_driver_host(root))
    hang = root / "hang"
    hang.mkdir()
    (hang / "sitecustomize.py").write_text(HANG)
    saved = {name: os.environ.get(name) for name in LOOPBACK}
    os.environ.update(LOOPBACK)
    env_580, env_570 = {"PATH": path_with(root / "bin-580")}, {"PATH": path_with(root / "bin-570")}
    made = Cluster(initialize_head=True, head_node_args={**NODE, "include_dashboard": False, "env_vars": env_580})
    try:
        second = made.add_node(**NODE, env_vars=env_570)
        third = made.add_node(**NODE, env_vars={"PYTHONPATH": str(hang), "FLEET_TEST_HANG": "envcheck"})
        fourth = made.add_node(**NODE, env_vars={"PYTHONPATH": str(hang), "FLEET_TEST_HANG": "worker"})
        made.wait_for_nodes()
        kinds = {made.head_node.node_id: "580", second.node_id: "570", third.node_id: "hang",
                 fourth.node_id: "wedged"}
        yield made.address, kinds
    finally:
        made.shutdown()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def fleet(address: str, *args: str, timeout: float = 8):
    started = time.monotonic()
    result = run_cli("fleet", "--ray", address, "--timeout", str(timeout), *args, env=LOOPBACK, timeout=180)
    return result, time.monotonic() - started


def test_fleet_runs_the_check_once_on_every_node_and_names_the_one_that_does_not_answer(cluster, tmp_path):
    address, kinds = cluster
    saved = tmp_path / "saved"
    result, seconds = fleet(address, "--format", "json", "--save", str(saved), "--check", "check-cuda", "--no-tf")
    assert result.returncode == 1, result.stderr  # one node did not answer
    assert seconds < 60  # the hung node was not waited for
    report = json.loads(result.stdout)
    assert report["schema"] == "envcheck.summary/1" and report["total"] == 4
    by_kind = {kinds[host["node"]["node_id"]]: host for host in report["hosts"]}
    assert set(by_kind) == {"580", "570", "hang", "wedged"}
    assert by_kind["580"]["status"] == "ready" and by_kind["580"]["driver"] == "580.159.04"
    assert by_kind["570"]["status"] == "ready" and by_kind["570"]["driver"] == w.OLD_DRIVER
    assert by_kind["hang"]["status"] == "no-answer" and "did not finish within 8 s" in by_kind["hang"]["problem"]
    assert by_kind["wedged"]["status"] == "no-answer" and by_kind["wedged"]["problem"] == "no answer within 8 s"
    for host in report["hosts"]:
        node = host["node"]
        assert node["ip"] == "127.0.0.1" and node["ray_gpus"] == 0.0  # Ray's view: no GPU resource here
        assert host["label"] == f"{node['name']} ({node['node_id'][:8]})"  # one machine: told apart by node id
    assert [v["value"] for v in report["drift"]["driver"]["values"]] == ["580.159.04", w.OLD_DRIVER]
    assert report["no_answer"] == 2 and report["ready"] == 2
    # --save keeps each answering node's document; summarize reads them back to the same rows
    files = sorted(saved.iterdir())
    assert len(files) == 2
    again = json.loads(run_cli("summarize", "--format", "json", str(saved)).stdout)
    answered = [h for h in report["hosts"] if h["status"] != "no-answer"]
    keys = ("label", "status", "python", "gpu", "driver", "cuda", "codes", "node")
    assert sorted([{k: h[k] for k in keys} for h in again["hosts"]], key=str) == \
        sorted([{k: h[k] for k in keys} for h in answered], key=str)


def test_fleet_text_is_what_summarize_prints(cluster, tmp_path):
    address, _ = cluster
    result, _ = fleet(address, "--save", str(tmp_path), "--check", "check-cuda", "--no-tf")
    lines = result.stdout.splitlines()
    assert lines[0] == "2 of 4 ready · 2 no answer"
    summarized = run_cli("summarize", str(tmp_path)).stdout.splitlines()
    answered = [line.split() for line in lines[3:] if " ready " in line]  # columns are as wide as the widest row
    assert len(answered) == 2 and [line.split() for line in summarized[3:] if " ready " in line] == answered
    assert "✗ (no answer)  2 hosts: " in result.stdout


def test_fleet_without_ray_says_how_to_install_it(tmp_path):
    # A stand-in `ray` that cannot be imported, as on a machine without the extra.
    site = stand_in_package(tmp_path / "site", "ray", "raise ImportError(\"No module named 'ray'\")\n")
    result = run_cli("fleet", "--ray", "auto", env={"PYTHONPATH": str(site)})
    assert_one_line_error(result)
    assert "pip install 'envcheck[fleet]'" in result.stderr


@pytest.mark.parametrize("args, words", [
    (["--check", "nvidia-smi"], "not a check fleet runs"),
    (["--check", "check-cuda", "--format", "text"], "leave out --format"),
    (["--timeout", "0"], "must be more than 0"),
])
def test_fleet_bad_usage_is_one_line_and_exit_2(args, words):
    result = run_cli("fleet", "--ray", "127.0.0.1:1", *args)
    assert_one_line_error(result)
    assert words in result.stderr


def test_fleet_to_an_address_where_nothing_listens_is_exit_2_at_once():
    result, seconds = fleet("127.0.0.1:1", "--check", "check-cuda", "--no-tf")  # loopback: nothing listens on port 1
    assert_one_line_error(result)
    assert "cannot connect to a Ray cluster there (Connection refused)" in result.stderr and seconds < 30


def test_summarize_and_fleet_do_not_import_ray_until_fleet_runs():
    code = ("import sys; from envcheck.cli import run_command; run_command('summarize', ['--help']); "
            "run_command('fleet', ['--help']); print('ray' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "False"
