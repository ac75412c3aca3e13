"""diagnose.summary: the per-schema extraction, counting, drift and labels, on real documents. Pure."""

from __future__ import annotations

import json

from envcheck.diagnose import summary as rules

import summary_worlds as w


def load(summary_worlds, label) -> dict:
    return json.loads(summary_worlds[label].read_text())


def test_each_schema_gives_the_same_facts(summary_worlds):
    seen = {}
    for label in summary_worlds:
        document = load(summary_worlds, label)
        host = rules.host(label, str(summary_worlds[label]), document)
        seen[document["schema"]] = host
        assert host.status in (rules.READY, rules.NOT_READY) and host.python and host.problem is None
    assert set(seen) == {f"envcheck.{name}/1" for name in ("check-cuda", "doctor", "report", "smoke-train", "verify")}
    assert seen["envcheck.report/1"]._replace(label="", source="", schema="") == \
        seen["envcheck.doctor/1"]._replace(label="", source="", schema="")  # a report is doctor's answer, shared


def test_a_failed_gpu_query_is_an_unknown_gpu_not_none(summary_worlds):
    assert rules.host("n", "n", load(summary_worlds, w.MISMATCH)).gpu is None
    assert rules.host("n", "n", load(summary_worlds, w.CPU_LAPTOP)).gpu == "none"


def test_findings_are_grouped_by_code_with_the_worst_severity_speaking(summary_worlds):
    document = load(summary_worlds, w.CPU_LAPTOP)
    warned = rules.host("a", "a", document)
    worse = [dict(document["findings"][0], severity="error", fix="do X")]
    errored = rules.host("b", "b", dict(document, findings=worse))
    summary = rules.summarize([warned, errored, rules.host("c", "c", document)])
    (group,) = [g for g in summary.findings if g.code == "NO_GPU"]
    assert (group.count, group.hosts, group.severity, group.fix) == (3, ("a", "b", "c"), "error", "do X")


def test_drift_lists_the_commonest_value_first_and_python_by_minor_version():
    hosts = [rules.Host(name, rules.READY, name, python=python, tensorflow=tf)
             for name, python, tf in (("a", "3.11.7", "2.21.0"), ("b", "3.11.9", "2.21.0"), ("c", "3.12.1", "2.18.0"))]
    (python, tf) = sorted(rules.drift(hosts), key=lambda d: d.fact)
    assert python.values == (("3.11", ("a", "b")), ("3.12", ("c",)))
    assert tf.values == (("2.21.0", ("a", "b")), ("2.18.0", ("c",)))
    assert rules.drift(hosts[:2]) == [] or all(d.fact != "python" for d in rules.drift(hosts[:2]))


def test_gpu_health_is_read_when_the_document_has_it_and_absent_otherwise(summary_worlds):
    document = load(summary_worlds, w.READY_GPU[0])
    gpu = {key: value for key, value in document["gpus"][0].items() if key != "health"}
    assert rules.host("n", "n", dict(document, gpus=[gpu])).gpu_health is None  # a document without health facts
    healthy = {"lost": False, "ecc": {"mode": "enabled", "uncorrectable_volatile": 0},
               "throttle_reasons": [], "retired_pages_pending": False, "compute_mode": "default"}
    assert rules.host("n", "n", dict(document, gpus=[dict(gpu, health=healthy)])).gpu_health == "ok"
    sick = dict(healthy, ecc={"uncorrectable_volatile": 7}, remapped_rows_pending=True,
                throttle_reasons=["hw_slowdown"])
    lost = {"index": 1, "name": None, "error": "GPU is lost", "health": {"lost": True}}
    host = rules.host("n", "n", dict(document, gpus=[dict(gpu, health=sick), lost]))
    assert host.gpu_health == ("GPU 0: row remapping pending (reset); GPU 0: 7 uncorrectable ECC errors; "
                               "GPU 0: throttled: hw_slowdown; GPU 1: lost (reset the GPU or reboot)")
    unread = {"index": 2, "error": "Unknown Error"}  # an older document: no health object, only the error
    assert rules.host("n", "n", dict(document, gpus=[unread])).gpu_health == "GPU 2: Unknown Error"


def test_odd_values_are_absent_facts_not_crashes(summary_worlds):
    document = load(summary_worlds, w.READY_GPU[0])
    odd = dict(document, python=["3.11"], driver="580", gpus={"0": 1}, findings=[{"code": 7}, "x", {"code": "A"}])
    host = rules.host("n", "n", odd)
    assert (host.python, host.driver, host.gpu, host.codes) == (None, None, None, ["A"])


def test_unknown_and_foreign_documents_are_unreadable_with_a_reason():
    assert "no envcheck" in rules.host("n", "n", {"schema": "pip/1"}).problem
    assert "a JSON list" in rules.host("n", "n", []).problem
    assert "says nothing about readiness" in rules.host("n", "n", {"schema": "envcheck.count-packages/1"}).problem
    assert "newer schema" in rules.host("n", "n", {"schema": "envcheck.doctor/2"}).problem


def test_shared_labels_take_their_alternative_then_a_number():
    hosts = [rules.Host(label, rules.READY, label) for label in ("vm", "vm", "solo", "x", "x")]
    labels = [h.label for h in rules.unique_labels(hosts, ["vm (1a2b)", "vm (3c4d)", "other", None, None])]
    assert labels == ["vm (1a2b)", "vm (3c4d)", "solo", "x", "x#2"]


def test_headline_and_exit_status_words():
    summary = rules.summarize([rules.Host("a", rules.READY, "a"), rules.Host("b", rules.NOT_READY, "b"),
                               rules.unreadable("c", "c", "truncated"), rules.no_answer("d", "d", "no answer")])
    assert summary.headline() == "1 of 4 ready · 1 not ready · 1 unreadable · 1 no answer"
    assert not summary.all_ready and rules.summarize([rules.Host("a", rules.READY, "a")]).all_ready
    data = summary.to_dict()
    assert (data["ready"], data["not_ready"], data["unreadable"], data["no_answer"]) == (1, 1, 1, 1)
