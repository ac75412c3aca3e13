"""envcheck summarize as a library: inputs (files, folders, stdin) -> hosts -> one Summary. No printing.

`summarize(paths)` reads with probes.handins and decides with diagnose.summary; `from_documents`
does the same for documents already in hand (what `fleet` collected from a Ray cluster), so both
commands print exactly the same view of the same documents.
"""

from __future__ import annotations

from envcheck.diagnose import summary as rules
from envcheck.errors import UsageError
from envcheck.probes import handins


def summarize(paths: list[str], stdin=None) -> rules.Summary:
    """The Summary of every input `paths` names; UsageError when a path does not exist or none holds JSON."""
    found = handins.collect(paths, stdin)
    if not found:
        where = "standard input" if paths == [handins.STDIN] else ", ".join(paths)
        raise UsageError(f"no envcheck JSON found in {where} (files ending in .json, or documents on standard input)")
    hosts, alternatives = [], []
    for handin in found:
        if handin.problem is not None:
            hosts.append(rules.unreadable(handin.name, handin.source, handin.problem))
        else:
            label = rules.label_for(handin.document, handin.name, handin.anonymous)
            hosts.append(rules.host(label, handin.source, handin.document))
        alternatives.append(_alternative(handin))
    return rules.summarize(rules.unique_labels(hosts, alternatives))


def from_hosts(hosts: list[rules.Host], alternatives: list[str | None]) -> rules.Summary:
    """The Summary of hosts built elsewhere (fleet), with the same labelling rules."""
    return rules.summarize(rules.unique_labels(hosts, alternatives))


def _alternative(handin: handins.Handin) -> str | None:
    """The label for a host whose first label is shared: a node's id, else the path without .json."""
    node_id = rules.node_id(handin.document)
    if node_id:
        return f"{rules.label_for(handin.document, handin.name, handin.anonymous)} ({node_id[:8]})"
    return handin.longer_name


def exit_code(result: rules.Summary) -> int:
    """0 when every host is ready, 1 when any is not (not ready, unreadable, no answer)."""
    from envcheck import exitcodes  # the one exit-code policy; only the CLI asks

    return exitcodes.OK if result.all_ready else exitcodes.NOT_OK


def from_fleet(answers, save: str | None = None) -> rules.Summary:
    """The Summary of what every node of a fleet run answered (probes.ray_fleet.NodeAnswer records).

    An answer's document carries its node ({"host": {name, node_id, ip, ray_gpus, accelerator}}), so
    `summarize` on the files `save` writes prints the same rows. A node whose envcheck printed no JSON
    is unreadable; one that did not answer in time is "no answer": named rows, never a hang.
    """
    hosts, alternatives, documents = [], [], []
    for answer in answers:
        node = answer.host()
        label, source = node["name"], f"ray node {answer.node_id[:8]} ({answer.ip})"
        document = None
        if answer.status == "answered":
            found = handins.read_stream(answer.stdout.encode("utf-8", "replace"), source, label)
            if len(found) == 1 and found[0].problem is None and isinstance(found[0].document, dict):
                document = dict(found[0].document, host=node)
                host = rules.host(label, source, document)
            else:
                problem = found[0].problem if len(found) == 1 else "envcheck printed more than one JSON document"
                host = rules.unreadable(label, source, problem or "not an envcheck document")._replace(node=node)
        elif answer.status == "failed":
            host = rules.unreadable(label, source, answer.problem or "envcheck failed")._replace(node=node)
        else:
            host = rules.no_answer(label, source, answer.problem or "no answer", node)
        hosts.append(host)
        alternatives.append(f"{label} ({answer.node_id[:8]})")
        documents.append(document)
    result = from_hosts(hosts, alternatives)
    order = sorted(range(len(result.hosts)), key=lambda i: result.hosts[i].label)  # as summarize lists saved files
    result = rules.summarize([result.hosts[i] for i in order])
    documents = [documents[i] for i in order]
    if save:
        _save(save, result.hosts, documents)
    return result


def _save(folder: str, hosts, documents) -> None:
    """Each answered node's document as FOLDER/<label>.json (what `summarize FOLDER` reads back)."""
    import json  # only for --save
    import os

    try:
        os.makedirs(folder, exist_ok=True)
        for host, document in zip(hosts, documents):
            if document is not None:
                name = "".join(c if c.isalnum() or c in "-_.()#" else "_" for c in host.label) + ".json"
                with open(os.path.join(folder, name), "w", encoding="utf-8") as stream:
                    json.dump(document, stream, indent=2, ensure_ascii=False)
                    stream.write("\n")
    except OSError as error:
        raise UsageError(f"--save {folder}: cannot write: {error.strerror}") from None
