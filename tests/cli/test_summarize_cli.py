"""envcheck summarize end to end, on real outputs of envcheck from varied worlds (see summary_worlds.py).

A teaching assistant's folder of hand-ins, a cluster's stream on standard input, broken and hostile
files, drift between nodes, and the exit codes a script relies on.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

import summary_worlds as w
from helpers import assert_one_line_error, run_cli


def summarize_json(*args, **kwargs):
    result = run_cli("summarize", "--format", "json", *args, **kwargs)
    assert "Traceback" not in result.stderr, result.stderr
    return result, json.loads(result.stdout)


def rows(report) -> dict:
    return {host["label"]: host for host in report["hosts"]}


@pytest.fixture
def handins(summary_worlds, tmp_path):
    """A fresh copy of every world's hand-in in one folder, to add broken files to."""
    return w.copy_to(summary_worlds, tmp_path / "handins")


def test_a_class_folder_gives_one_row_per_host_and_counts_each_finding_once_per_host(handins):
    result, report = summarize_json(str(handins))
    assert result.returncode == 1  # some hosts are not ready
    assert report["schema"] == "envcheck.summary/1"
    hosts = rows(report)
    assert set(hosts) == {*w.READY_GPU, w.OLD_DRIVER_GPU, w.MISMATCH, w.CPU_LAPTOP, w.DOCTOR, w.REPORT, w.SMOKE,
                          w.VERIFY}
    assert {label for label, h in hosts.items() if h["status"] == "ready"} == {*w.READY_GPU, w.OLD_DRIVER_GPU, w.SMOKE}
    assert report["total"] == 9 and report["ready"] == 4 and report["not_ready"] == 5 and report["unreadable"] == 0
    node = hosts["gpu-node01"]
    assert (node["gpu"], node["driver"], node["cuda"], node["python"]) == ("1 × NVIDIA H200", "580.159.04", "13.0",
                                                                        sys.version.split()[0])
    assert node["gpu_health"] == "ok"  # check-cuda's gpus[0].health from the captured H200: nothing wrong
    assert hosts[w.MISMATCH]["codes"] == ["DRIVER_LIBRARY_MISMATCH"] and hosts[w.MISMATCH]["gpu"] is None
    assert hosts[w.CPU_LAPTOP]["codes"] == ["NO_GPU"] and hosts[w.CPU_LAPTOP]["gpu"] == "none"
    # doctor and report (a stand-in TensorFlow that sees the H200): versions from every area
    import numpy

    for label in (w.DOCTOR, w.REPORT):
        assert hosts[label]["tensorflow"] == "2.21.0" and hosts[label]["numpy"] == numpy.__version__
        assert hosts[label]["gpu"] == "1 × NVIDIA H200" and "SMOKE_TRAIN_FAILED" in hosts[label]["codes"]
    assert hosts[w.VERIFY]["codes"] == ["REQUIREMENT_NOT_MET (package numpy>=99)"]
    assert hosts[w.VERIFY]["numpy"] == numpy.__version__
    findings = report["findings"]
    mismatch, smoke = findings["DRIVER_LIBRARY_MISMATCH"], findings["SMOKE_TRAIN_FAILED"]
    assert (mismatch["count"], mismatch["hosts"], mismatch["severity"]) == (1, [w.MISMATCH], "error")
    assert smoke["count"] == 2 and smoke["hosts"] == [w.DOCTOR, w.REPORT]
    assert "TOOLKIT_NOT_USED" not in findings  # info: nothing is wrong, not counted
    assert all(f["fix"] for f in findings.values())


def test_every_host_ready_exits_0_and_says_so(summary_worlds):
    result = run_cli("summarize", str(summary_worlds["gpu-node01"]), str(summary_worlds["gpu-node02"]))
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == "2 of 2 ready"
    assert lines[2].split() == ["host", "status", "python", "tensorflow", "numpy", "gpu", "driver", "cuda", "findings"]
    assert lines[3].split()[:2] == ["gpu-node01", "ready"] and "580.159.04" in lines[3]
    assert "findings across hosts" not in result.stdout and "drift" not in result.stdout
    assert all(line == line.rstrip() for line in lines) and "\x1b" not in result.stdout


def test_drift_names_the_driver_and_cuda_versions_that_disagree_and_where(summary_worlds):
    nodes = [str(summary_worlds[label]) for label in (*w.READY_GPU, w.OLD_DRIVER_GPU)]
    result, report = summarize_json(*nodes)
    assert result.returncode == 0  # every node works; they just disagree
    drift = report["drift"]
    assert drift["driver"]["values"] == [
        {"value": "580.159.04", "count": 2, "hosts": list(w.READY_GPU)},
        {"value": w.OLD_DRIVER, "count": 1, "hosts": [w.OLD_DRIVER_GPU]},
    ]
    assert [v["value"] for v in drift["cuda"]["values"]] == ["13.0", w.OLD_CUDA]
    assert "python" not in drift  # one Python everywhere: no drift
    text = run_cli("summarize", *nodes).stdout
    assert f"driver: 580.159.04 ×2, {w.OLD_DRIVER} ×1 ({w.OLD_DRIVER_GPU})" in text
    assert f"CUDA: 13.0 ×2, {w.OLD_CUDA} ×1 ({w.OLD_DRIVER_GPU})" in text


def test_python_drift_compares_minor_versions(summary_worlds, tmp_path):
    other = json.loads(summary_worlds["gpu-node02"].read_text())
    other["python"]["version"] = "3.12.8"  # the same document from a node with another Python
    (tmp_path / "py312.json").write_text(json.dumps(other))
    _, report = summarize_json(str(summary_worlds["gpu-node01"]), str(tmp_path / "py312.json"))
    minor = ".".join(sys.version.split()[0].split(".")[:2])
    assert sorted(v["value"] for v in report["drift"]["python"]["values"]) == sorted([minor, "3.12"])


BROKEN = {
    "truncated": (lambda doc: doc[: len(doc) // 2], "truncated JSON"),
    "not-json": (lambda doc: b"Traceback (most recent call last):\n  oops\n", "not JSON"),
    "not-envcheck": (lambda doc: b'{"name": "numpy", "version": "2.4.6"}', "not an envcheck document"),
    "a-list": (lambda doc: b"[1, 2, 3]", "a JSON list"),
    "not-utf8": (lambda doc: b"\xff\xfe{\x00", "not UTF-8"),
    "empty": (lambda doc: b"", "empty file"),
    "two-documents": (lambda doc: doc + doc, "2 JSON documents in one file"),
    "newer-schema": (lambda doc: doc.replace(b"envcheck.check-cuda/1", b"envcheck.check-cuda/2"), "newer schema"),
}


def test_broken_hand_ins_are_named_rows_not_the_end_of_the_summary(handins, summary_worlds):
    good = summary_worlds["gpu-node01"].read_bytes()
    for name, (make, _) in BROKEN.items():
        (handins / f"{name}.json").write_bytes(make(good))
    (handins / "counted.json").write_text(run_cli("count-packages", "--format", "json").stdout)
    result, report = summarize_json(str(handins))
    assert result.returncode == 1
    hosts = rows(report)
    for name, (_, words) in BROKEN.items():
        assert hosts[name]["status"] == "unreadable" and words in hosts[name]["problem"], (name, hosts[name])
    assert "says nothing about readiness" in hosts["counted"]["problem"]
    assert report["unreadable"] == len(BROKEN) + 1 and hosts["gpu-node01"]["status"] == "ready"
    text = run_cli("summarize", str(handins)).stdout
    assert text.startswith(f"4 of 18 ready · 5 not ready · {len(BROKEN) + 1} unreadable\n")
    assert "✗ (unreadable)  9 hosts: a-list, counted, empty, newer-schema, not-envcheck, not-json, not-utf8, " in text


def test_fifo_device_and_oversized_files_are_refused_at_once(tmp_path, summary_worlds):
    folder = tmp_path / "odd"
    folder.mkdir()
    os.mkfifo(folder / "pipe.json")  # reading it would block forever
    with open(folder / "huge.json", "wb") as stream:
        stream.truncate(17 * 1024 * 1024)  # sparse: over the 16 MiB cap without writing it
    shutil.copy(summary_worlds["gpu-node01"], folder / "fine.json")
    result, report = summarize_json(str(folder), "/dev/zero", timeout=60)
    assert result.returncode == 1
    hosts = rows(report)
    assert "FIFO" in hosts["pipe"]["problem"] and "too large" in hosts["huge"]["problem"]
    assert "character device" in hosts["zero"]["problem"] and hosts["fine"]["status"] == "ready"


def test_standard_input_takes_documents_back_to_back_and_json_lines(summary_worlds):
    indented = [summary_worlds[label].read_text() for label in (w.READY_GPU[0], w.MISMATCH)]  # as srun would give
    lines = [json.dumps(json.loads(summary_worlds[label].read_text())) for label in (w.CPU_LAPTOP, w.SMOKE)]
    stream = "".join(indented) + "srun: error: node09: task 9: Exited with exit code 1\n" + "\n".join(lines) + "\n"
    stream += lines[0][: len(lines[0]) // 2]  # a node cut off mid-answer
    result = subprocess.run([sys.executable, "-m", "envcheck", "summarize", "--format", "json", "-"], input=stream,
                            check=False, capture_output=True, text=True, timeout=60)
    report = json.loads(result.stdout)
    statuses = [(h["label"], h["status"]) for h in report["hosts"]]
    # a document names its machine ("host"); what cannot be read keeps its place on standard input
    assert statuses == [(w.READY_GPU[0], "ready"), (w.MISMATCH, "not-ready"), ("stdin:3", "unreadable"),
                        (w.CPU_LAPTOP, "not-ready"), (w.SMOKE, "ready"), ("stdin:6", "unreadable")]
    assert report["hosts"][2]["source"].startswith("<stdin>:") and "not JSON" in report["hosts"][2]["problem"]
    assert "truncated" in report["hosts"][5]["problem"] and result.returncode == 1


def test_a_hand_in_keeps_the_name_its_file_was_given_over_the_machines_own(summary_worlds, tmp_path):
    """A teaching assistant's files are named after students; the laptop's host name is not who handed it in."""
    (tmp_path / "kim-minji.json").write_text(summary_worlds[w.CPU_LAPTOP].read_text())
    _, report = summarize_json(str(tmp_path / "kim-minji.json"))
    assert [h["label"] for h in report["hosts"]] == ["kim-minji"]


def test_kubectl_logs_prefix_names_each_host_after_its_pod(summary_worlds):
    pods = {"envcheck-7xk2p": w.READY_GPU[0], "envcheck-q9d4m": w.MISMATCH}
    stream = "".join(f"[pod/{pod}/check] {line}\n" for pod, label in pods.items()
                     for line in summary_worlds[label].read_text().splitlines())
    stream += "[pod/envcheck-zz1ab/check] Error: failed to create containerd task\n"  # a pod that never ran it
    result = subprocess.run([sys.executable, "-m", "envcheck", "summarize", "--format", "json", "-"], input=stream,
                            check=False, capture_output=True, text=True, timeout=60)
    hosts = json.loads(result.stdout)["hosts"]
    assert [(h["label"], h["status"]) for h in hosts] == [("envcheck-7xk2p", "ready"), ("envcheck-q9d4m", "not-ready"),
                                                          ("envcheck-zz1ab", "unreadable")]
    assert hosts[1]["codes"] == ["DRIVER_LIBRARY_MISMATCH"] and hosts[2]["source"] == "<stdin>:pod/envcheck-zz1ab"


def test_no_arguments_reads_standard_input(summary_worlds):
    with open(summary_worlds["gpu-node01"], "rb") as stream:
        result = run_cli("summarize", stdin=stream)
    assert result.returncode == 0 and result.stdout.startswith("1 of 1 ready")


def test_the_host_name_a_document_carries_is_its_label_and_shared_labels_are_told_apart(summary_worlds, tmp_path):
    document = json.loads(summary_worlds["gpu-node01"].read_text())
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "envcheck-report.json").write_text(summary_worlds[w.CPU_LAPTOP].read_text())
    named = dict(document, host={"name": "dgx-17", "node_id": "0123456789abcdef", "ip": "10.0.0.17"})
    (tmp_path / "whatever.json").write_text(json.dumps(named))
    _, report = summarize_json(str(tmp_path))
    labels = [h["label"] for h in report["hosts"]]
    assert labels == ["a/envcheck-report", "b/envcheck-report", "dgx-17"]  # told apart by their folders
    assert report["hosts"][2]["node"]["ip"] == "10.0.0.17"


def test_markdown_is_tables_for_an_issue_or_a_ci_summary(handins):
    text = run_cli("summarize", "--format", "markdown", str(handins)).stdout
    assert text.startswith("### envcheck summary\n\n**4 of 9 ready · 5 not ready**\n")
    assert "| gpu-node07 | not ready | " in text and "| DRIVER_LIBRARY_MISMATCH | 1 | gpu-node07 | Reboot" in text
    assert "#### Drift" in text


def test_output_file_gets_the_summary_and_stdout_stays_empty(summary_worlds, tmp_path):
    result = run_cli("summarize", "-o", str(tmp_path / "out.txt"), str(summary_worlds["gpu-node01"]))
    assert result.returncode == 0 and result.stdout == ""
    assert (tmp_path / "out.txt").read_text().startswith("1 of 1 ready")


@pytest.mark.parametrize("args, words", [
    (["/no/such/handins"], "/no/such/handins: no such file or directory"),
    (["-", "-"], "standard input"),
    (["--format", "yaml", "x.json"], "invalid choice"),
])
def test_bad_usage_is_one_line_and_exit_2(args, words):
    result = run_cli("summarize", *args)
    assert_one_line_error(result)
    assert words in result.stderr


def test_a_folder_without_json_is_bad_usage(tmp_path):
    (tmp_path / "notes.txt").write_text("no hand-ins yet")
    result = run_cli("summarize", str(tmp_path))
    assert_one_line_error(result)
    assert "no envcheck JSON found" in result.stderr
