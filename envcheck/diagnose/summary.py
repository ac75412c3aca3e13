"""Many hosts' envcheck documents -> one view: a row per host, findings across hosts, drift. Pure.

Every envcheck schema is read here and only here (`EXTRACTORS`): report/1, doctor/1, check-cuda/1,
smoke-train/1 and verify/1 each give the same `Host` facts (ready or not, Python, TensorFlow, NumPy,
GPU, driver, CUDA, the findings). A value a document does not carry is None, never an error; a value of
the wrong type is treated as absent, so a hand-edited or older document still summarizes.

Findings are counted across hosts (40 students, 9 with NUMPY_ABI_MISMATCH: one fix, sent once) and
*drift* names the facts that should agree and do not (three driver versions on one cluster).
"""

from __future__ import annotations

from typing import NamedTuple

from envcheck.model import ERROR, SEVERITIES, WARNING, Finding

SCHEMA = "envcheck.summary/1"
READY, NOT_READY, UNREADABLE, NO_ANSWER = "ready", "not-ready", "unreadable", "no-answer"
STATUSES = (READY, NOT_READY, UNREADABLE, NO_ANSWER)
# facts that should agree across hosts: (Host field, the name people use)
DRIFT_FACTS = (("driver", "driver"), ("cuda", "CUDA"), ("tensorflow", "TensorFlow"), ("python", "Python"),
               ("numpy", "NumPy"))
COUNTED = (ERROR, WARNING)  # info findings (TOOLKIT_NOT_USED) say nothing is wrong: not counted


class Host(NamedTuple):
    """One host's row. Values a document does not carry are None."""

    label: str
    status: str  # ready, not-ready, unreadable, no-answer
    source: str  # the file, "<stdin>:LINE", or "ray node <id>"
    schema: str | None = None
    python: str | None = None  # "3.11.7"
    tensorflow: str | None = None
    numpy: str | None = None
    gpu: str | None = None  # "1 × NVIDIA H200", "none"
    driver: str | None = None  # "580.159.04"
    cuda: str | None = None  # newest CUDA the driver supports, "13.0"
    findings: tuple[Finding, ...] = ()  # errors and warnings, errors first
    problem: str | None = None  # unreadable / no answer: why, in words
    gpu_health: str | None = None  # "ok", or what is wrong; None when the document has no health facts
    node: dict | None = None  # fleet: node_id, ip, hostname, Ray's GPUs

    @property
    def codes(self) -> list[str]:
        return [finding.code for finding in self.findings]

    def to_dict(self) -> dict:
        data = {name: getattr(self, name) for name in ("label", "status", "source", "schema", "python", "tensorflow",
                                                       "numpy", "gpu", "driver", "cuda", "gpu_health", "problem")}
        data["codes"] = self.codes
        data["findings"] = [finding.to_dict() for finding in self.findings]
        if self.node is not None:
            data["node"] = self.node
        return data


class FindingGroup(NamedTuple):
    """One finding code across hosts: how many have it, which, and one fix to send once."""

    code: str
    severity: str
    hosts: tuple[str, ...]
    message: str
    fix: str | None

    @property
    def count(self) -> int:
        return len(self.hosts)

    def to_dict(self) -> dict:
        return {"count": self.count, "hosts": list(self.hosts), "severity": self.severity, "message": self.message,
                "fix": self.fix}


class Drift(NamedTuple):
    """A fact with more than one value across hosts: (value, hosts) pairs, the most common first."""

    fact: str  # Host field: driver, cuda, tensorflow, python, numpy
    name: str  # for people: "TensorFlow"
    values: tuple[tuple[str, tuple[str, ...]], ...]

    def to_dict(self) -> dict:
        return {"name": self.name, "values": [{"value": v, "count": len(h), "hosts": list(h)} for v, h in self.values]}


class Summary(NamedTuple):
    hosts: tuple[Host, ...]
    findings: tuple[FindingGroup, ...]  # most hosts first
    drift: tuple[Drift, ...]

    def count(self, status: str) -> int:
        return sum(1 for host in self.hosts if host.status == status)

    @property
    def all_ready(self) -> bool:
        return bool(self.hosts) and all(host.status == READY for host in self.hosts)

    def headline(self) -> str:
        """'38 of 41 ready · 3 not ready · 1 unreadable'."""
        parts = [f"{self.count(READY)} of {len(self.hosts)} ready"]
        for status, words in ((NOT_READY, "not ready"), (UNREADABLE, "unreadable"), (NO_ANSWER, "no answer")):
            if self.count(status):
                parts.append(f"{self.count(status)} {words}")
        return " · ".join(parts)

    def to_dict(self) -> dict:
        return {
            "schema": SCHEMA,
            "total": len(self.hosts),
            **{status.replace("-", "_"): self.count(status) for status in STATUSES},
            "hosts": [host.to_dict() for host in self.hosts],
            "findings": {group.code: group.to_dict() for group in self.findings},
            "drift": {d.fact: d.to_dict() for d in self.drift},
        }


# --- one document -> one Host ------------------------------------------------------------------


def host(label: str, source: str, document) -> Host:
    """The Host for one decoded document, or an unreadable Host that says why it is not envcheck's."""
    if not isinstance(document, dict):
        return unreadable(label, source, f"not an envcheck document (a JSON {_json_kind(document)})")
    schema = document.get("schema")
    if not isinstance(schema, str) or not schema.startswith("envcheck."):
        return unreadable(label, source, "not an envcheck document (no envcheck \"schema\" key)")
    name, _, version = schema.partition("/")
    extract = EXTRACTORS.get(name)
    if extract is None:
        known = ", ".join(n.split(".", 1)[1] for n in EXTRACTORS)
        return unreadable(label, source, f"{schema} says nothing about readiness (summarize reads {known})", schema)
    if version != "1":
        return unreadable(label, source, f"{schema} is a newer schema than this envcheck reads (/1)", schema)
    facts = extract(document)
    findings = tuple(sorted((f for f in facts.pop("findings") if f.severity in COUNTED),
                            key=lambda f: SEVERITIES.index(f.severity)))
    ready = facts.pop("ready")
    return Host(label, READY if ready else NOT_READY, source, schema, findings=findings, node=_node(document), **facts)


def unreadable(label: str, source: str, problem: str, schema: str | None = None) -> Host:
    return Host(label, UNREADABLE, source, schema, problem=problem)


def no_answer(label: str, source: str, problem: str, node: dict | None = None) -> Host:
    return Host(label, NO_ANSWER, source, problem=problem, node=node)


def carried_host_name(document) -> str | None:
    """The host name a document carries (fleet adds {"host": {"name": …}}; a command's own JSON names its
    machine as {"host": "node07"}), or None."""
    if not isinstance(document, dict):
        return None
    carried = document.get("host")
    name = carried.get("name") if isinstance(carried, dict) else carried
    return name if isinstance(name, str) and name.strip() else None


def label_for(document, given: str, anonymous: bool) -> str:
    """A host's label: the node fleet ran on, else the name the user gave (a file's stem such as a
    student's name, a pod), else the machine's own name, else the position on standard input."""
    if isinstance(document, dict) and isinstance(document.get("host"), dict):
        return carried_host_name(document) or given
    return (carried_host_name(document) if anonymous else None) or given


def node_id(document) -> str | None:
    """The Ray node id a fleet document carries, or None."""
    value = _get(document, "host", "node_id")
    return value if isinstance(value, str) and value else None


def _node(document: dict) -> dict | None:
    carried = document.get("host")
    return dict(carried) if isinstance(carried, dict) else None


def _get(data, *keys):
    """data[k1][k2]… or None when any step is missing or not a mapping/list."""
    for key in keys:
        if isinstance(data, dict):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and -len(data) <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def _text(value) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    return str(value) if isinstance(value, (str, int, float)) and str(value) else None


def _findings(items) -> list[Finding]:
    found = []
    for item in items if isinstance(items, list) else ():
        code = _get(item, "code")
        if isinstance(code, str) and code:
            severity = _get(item, "severity")
            found.append(Finding(code, severity if severity in SEVERITIES else ERROR,
                                 _text(_get(item, "message")) or code, _text(_get(item, "fix"))))
    return found


def _describe_gpus(gpus) -> str | None:
    """'2 × NVIDIA H200' (mixed models listed one by one); 'none' for an empty list; None when unknown."""
    if not isinstance(gpus, list):
        return None
    if not gpus:
        return "none"
    counts: dict[str, int] = {}
    for gpu in gpus:
        name = _text(_get(gpu, "name")) or "NVIDIA GPU"
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{count} × {name}" for name, count in counts.items())


# check-cuda's gpus[i].health (README, check-cuda): a true flag is a problem, in these words.
_HEALTH_FLAGS = (("lost", "lost (reset the GPU or reboot)"),
                 ("retired_pages_pending", "page retirement pending (reset)"),
                 ("remapped_rows_pending", "row remapping pending (reset)"),
                 ("remapped_rows_failure", "row remapping failed (needs service)"))


def gpu_health(gpus) -> str | None:
    """'ok', or what is wrong with which GPU; None when the document carries no health facts.

    Reads check-cuda's per-GPU `health` object (lost, ECC uncorrectable errors, pages or rows waiting
    for a reset, throttling, a prohibited compute mode); a GPU entry with an `error` counts as lost.
    `health: null` (only /proc answered) and older documents without it say nothing.
    """
    if not isinstance(gpus, list):
        return None
    problems, seen = [], False
    for index, gpu in enumerate(gpus):
        if not isinstance(gpu, dict):
            continue
        where = f"GPU {gpu.get('index', index)}"
        health = gpu.get("health")
        if not isinstance(health, dict):
            if _text(gpu.get("error")):  # a device entry that could not be read: lost, in its own words
                seen = True
                problems.append(f"{where}: {gpu['error']}")
            continue
        seen = True
        found = [words for key, words in _HEALTH_FLAGS if health.get(key) is True]
        errors = _get(health, "ecc", "uncorrectable_volatile")
        if isinstance(errors, int) and not isinstance(errors, bool) and errors > 0:
            found.append(f"{errors} uncorrectable ECC errors")
        throttled = health.get("throttle_reasons")
        if isinstance(throttled, list) and throttled:
            found.append("throttled: " + ", ".join(str(reason) for reason in throttled))
        if health.get("compute_mode") == "prohibited":
            found.append("compute mode prohibited")
        problems += [f"{where}: {words}" for words in found]
    if problems:
        return "; ".join(problems)
    return "ok" if seen else None


def _cuda_document(doc: dict) -> dict:
    tf = _get(doc, "tensorflow")
    return {
        "ready": _get(doc, "verdict", "ready") is True,
        "python": _text(_get(doc, "python", "version")),
        "tensorflow": _text(_get(tf, "version")),
        "numpy": None,
        "gpu": _describe_gpus(_get(doc, "gpus")) if not _gpu_query_failed(doc) else None,
        "driver": _text(_get(doc, "driver", "version")),
        "cuda": _text(_get(doc, "driver", "cuda_version")),
        "gpu_health": gpu_health(_get(doc, "gpus")),
        "findings": _findings(_get(doc, "findings")),
    }


def _gpu_query_failed(doc: dict) -> bool:
    """No GPU listed because asking failed (a driver mismatch, a hang), not because there is none."""
    gpus, failures = _get(doc, "gpus"), _get(doc, "gpu_query_failures")
    return gpus == [] and isinstance(failures, list) and any(
        isinstance(f, dict) and f.get("status") != "not-found" for f in failures)


def _doctor_document(doc: dict, python=None) -> dict:
    areas = {area.get("key"): area for area in _get(doc, "areas") or [] if isinstance(area, dict)}
    findings = [f for area in areas.values() for f in _findings(area.get("findings"))]
    errors = _get(doc, "errors")
    ready = (errors == 0) if isinstance(errors, int) else not any(f.severity == ERROR for f in findings)
    gpu_facts = _get(areas, "gpu", "facts")
    return {
        "ready": ready,
        "python": _text(_get(doc, "python", "version")) or _text(_get(python, "version")),
        "tensorflow": _text(_get(areas, "tensorflow", "facts", "installed"))
        or _text(_get(areas, "tensorflow", "facts", "probe", "version")),
        "numpy": _text(_get(areas, "numpy", "facts", "probe", "version")),
        "gpu": _describe_gpus(_get(gpu_facts, "gpus")),
        "driver": _text(_get(gpu_facts, "driver", "version")),
        "cuda": _text(_get(gpu_facts, "driver", "cuda_version")),
        "gpu_health": gpu_health(_get(gpu_facts, "gpus")),
        "findings": findings,
    }


def _report_document(doc: dict) -> dict:
    return _doctor_document(_get(doc, "doctor") or {}, _get(doc, "python"))


def _smoke_document(doc: dict) -> dict:
    passed = _get(doc, "passed") is True
    versions = _get(doc, "versions")
    device = _text(_get(doc, "device"))
    findings = [] if passed else [Finding("SMOKE_TRAIN_FAILED", ERROR, _text(_get(doc, "failure")) or "training failed",
                                          _text(_get(doc, "fix")))]
    return {
        "ready": passed,
        "python": _text(_get(versions, "python")) or _text(_get(doc, "python", "version")),
        "tensorflow": _text(_get(versions, "tensorflow")),
        "numpy": _text(_get(versions, "numpy")),
        "gpu": device if device and "GPU" in device.upper() else None,
        "driver": None,
        "cuda": None,
        "gpu_health": None,
        "findings": findings,
    }


def _verify_document(doc: dict) -> dict:
    requirements = [r for r in _get(doc, "requirements") or [] if isinstance(r, dict)]
    # One code per requirement: nine students missing `package numpy>=1.26` and one on the wrong Python
    # need two different fixes, so they are two findings across hosts.
    findings = [Finding(f"REQUIREMENT_NOT_MET ({_text(r.get('requirement'))})", ERROR,
                        _text(r.get("detail")) or "not met", _text(r.get("fix")))
                for r in requirements if r.get("passed") is not True]
    passed = _get(doc, "passed")
    return {
        "ready": passed is True if isinstance(passed, bool) else not findings,
        "python": _text(_get(doc, "python", "version")),
        "tensorflow": _package_version(requirements, "tensorflow"),
        "numpy": _package_version(requirements, "numpy"),
        "gpu": None,
        "driver": None,
        "cuda": None,
        "gpu_health": None,
        "findings": findings,
    }


def _package_version(requirements: list[dict], name: str) -> str | None:
    """verify's detail for a package requirement starts 'numpy 2.4.6' ('… is installed, not >=99.' when it
    fails): the installed version, or None ('not installed')."""
    for requirement in requirements:
        words = (_text(requirement.get("detail")) or "").split()
        if (_text(requirement.get("requirement")) or "").startswith(f"package {name}") and len(words) >= 2 \
                and words[0].lower() == name and words[1][:1].isdigit():
            return words[1].rstrip(".,;")
    return None


EXTRACTORS = {
    "envcheck.report": _report_document,
    "envcheck.doctor": _doctor_document,
    "envcheck.check-cuda": _cuda_document,
    "envcheck.smoke-train": _smoke_document,
    "envcheck.verify": _verify_document,
}


def _json_kind(value) -> str:
    return {list: "list", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


# --- many hosts -> one Summary ---------------------------------------------------------------


def unique_labels(hosts: list[Host], alternatives: list[str | None]) -> list[Host]:
    """Hosts whose labels are unique: a shared label takes the alternative (a path, a node id), then '#n'."""
    counts: dict[str, int] = {}
    for h in hosts:
        counts[h.label] = counts.get(h.label, 0) + 1
    relabelled = [h._replace(label=alt) if counts[h.label] > 1 and alt else h for h, alt in zip(hosts, alternatives)]
    seen: dict[str, int] = {}
    final = []
    for h in relabelled:
        seen[h.label] = seen.get(h.label, 0) + 1
        final.append(h if seen[h.label] == 1 else h._replace(label=f"{h.label}#{seen[h.label]}"))
    return final


def summarize(hosts: list[Host]) -> Summary:
    """Findings across hosts (most hosts first) and drift over the hosts that carry each fact."""
    groups: dict[str, list] = {}
    for h in hosts:
        for finding in h.findings:
            entry = groups.get(finding.code)
            if entry is None:
                groups[finding.code] = entry = [finding, []]
            elif SEVERITIES.index(finding.severity) < SEVERITIES.index(entry[0].severity):
                entry[0] = finding  # the worst case speaks for the group
            if not entry[1] or entry[1][-1] != h.label:
                entry[1].append(h.label)
    findings = sorted(
        (FindingGroup(code, first.severity, tuple(labels), first.message, first.fix)
         for code, (first, labels) in groups.items()),
        key=lambda g: (-g.count, SEVERITIES.index(g.severity), g.code),
    )
    return Summary(tuple(hosts), tuple(findings), tuple(drift(hosts)))


def drift(hosts: list[Host]) -> list[Drift]:
    """Each fact in DRIFT_FACTS that has more than one value among the hosts that report it.

    Python is compared by minor version (3.11.7 and 3.11.9 agree; 3.11 and 3.12 do not); the rest exactly.
    """
    found = []
    for fact, name in DRIFT_FACTS:
        values: dict[str, list[str]] = {}
        for h in hosts:
            value = getattr(h, fact)
            if value is None:
                continue
            if fact == "python":
                value = ".".join(value.split(".")[:2])
            values.setdefault(value, []).append(h.label)
        if len(values) > 1:
            ordered = sorted(values.items(), key=lambda item: (-len(item[1]), _version_key(item[0])))
            found.append(Drift(fact, name, tuple((value, tuple(labels)) for value, labels in ordered)))
    return found


def _version_key(value: str) -> tuple:
    """Newest first among equally common values: numeric parts compared as numbers."""
    return tuple(-int(part) if part.isdigit() else 0 for part in value.replace("-", ".").split("."))
