"""Running one envcheck check on every alive node of a Ray cluster; each node's answer, or why none came.

Ray is an optional extra (`pip install 'envcheck[fleet]'`) and is imported only here, inside `run`.
Each node gets one task pinned to it (NodeAffinitySchedulingStrategy, soft=False: it runs there or not
at all). The task asks for no GPU and no logical CPU, so it never queues behind training jobs; it runs
`<the node's own Python> -m envcheck <check> --format json` in a subprocess with a timeout and hands
back what that printed, with the node's host name. The task ships by value (it is defined inside
`run`), so a node without envcheck answers with the subprocess's error instead of failing to load it.

The driver waits at most `timeout` seconds (plus a grace for Ray's own start-up of a worker) with
`ray.wait`; a node whose task has not answered by then is cancelled and reported as "no answer".
"""

from __future__ import annotations

import time
from typing import NamedTuple

from envcheck.errors import UsageError

INSTALL_HINT = "Ray is not installed; fleet needs it: python -m pip install 'envcheck[fleet]' (or: pip install ray)"
TASK_CPUS = 0  # no logical CPU: Ray runs it even while training holds every CPU; it is one short subprocess
CONNECT_TIMEOUT = 5.0  # seconds to reach the cluster's address before saying nothing answers there
WORKER_GRACE = 5.0  # seconds for Ray to start a worker on the node, on top of --timeout (which the check itself gets)


class NodeAnswer(NamedTuple):
    """One node: who it is, what Ray sees on it, and the check's JSON (or why there is none)."""

    node_id: str
    ip: str | None
    hostname: str | None  # from the node itself, else as Ray registered it
    ray_gpus: float  # GPUs Ray schedules on this node (its "GPU" resource)
    accelerator: str | None  # Ray's accelerator_type label, e.g. "H100"
    status: str  # "answered", "failed" (envcheck did not print JSON), "no-answer"
    stdout: str = ""
    problem: str | None = None
    returncode: int | None = None

    def host(self) -> dict:
        """What the saved document carries about its node (summarize labels hosts by `name`)."""
        return {"name": self.hostname or self.ip or self.node_id[:8], "node_id": self.node_id, "ip": self.ip,
                "ray_gpus": self.ray_gpus, "accelerator": self.accelerator}


def ray_module():
    """The `ray` module, or UsageError (exit 2) that says how to install it."""
    try:
        import ray  # optional extra: only fleet needs it, and it takes ~1 s to import
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    return ray


def run(address: str, check: list[str], timeout: float, on_progress=None) -> list[NodeAnswer]:
    """Run `envcheck <check…> --format json` once on every alive node of the cluster at `address`."""
    ray = ray_module()
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy  # part of the optional extra

    reachable(address)
    try:
        ray.init(address=address, log_to_driver=False, logging_level="ERROR", configure_logging=False)
    except (ConnectionError, ValueError, RuntimeError) as error:
        raise UsageError(f"--ray {address}: cannot connect to a Ray cluster: {_one_line(error)}") from None
    try:
        nodes = [node for node in ray.nodes() if node.get("Alive")]

        def check_on_node(argv: list[str], seconds: float) -> dict:
            # Runs on the node: its own Python, its own environment. Standard library only.
            import socket
            import subprocess
            import sys

            answer = {"hostname": socket.gethostname(), "python": sys.executable}
            try:
                done = subprocess.run([sys.executable, "-m", "envcheck", *argv], check=False, capture_output=True,
                                      text=True, timeout=seconds, stdin=subprocess.DEVNULL, errors="replace")
            except subprocess.TimeoutExpired:
                answer.update(status="timed-out")
                return answer
            except OSError as error:
                answer.update(status="failed", stderr=str(error))
                return answer
            answer.update(status="ran", returncode=done.returncode, stdout=done.stdout, stderr=done.stderr[-2000:])
            return answer

        task = ray.remote(num_cpus=TASK_CPUS, num_gpus=0, max_retries=0)(check_on_node)
        pending = {}
        for node in nodes:
            pinned = NodeAffinitySchedulingStrategy(node_id=node["NodeID"], soft=False)
            pending[task.options(scheduling_strategy=pinned).remote([*check, "--format", "json"], timeout)] = node
        answers = {}
        deadline = time.monotonic() + timeout + WORKER_GRACE
        waiting = list(pending)
        while waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, waiting = ray.wait(waiting, num_returns=1, timeout=left)
            for ref in ready:
                node = pending[ref]
                answers[node["NodeID"]] = _answer(node, ref, ray, timeout)
                if on_progress:
                    on_progress(len(answers), len(nodes))
        for ref in waiting:  # never a hang: the node is named, its task cancelled
            ray.cancel(ref, force=True)
            node = pending[ref]
            answers[node["NodeID"]] = _node_answer(node, "no-answer", problem=f"no answer within {timeout:g} s")
        return [answers[node["NodeID"]] for node in nodes]
    finally:
        ray.shutdown()


def reachable(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """UsageError unless something listens at a HOST:PORT address: ray.init retries a dead address for
    minutes, and fleet must never hang. `auto` and ray:// addresses are left to Ray, which fails fast."""
    import socket  # only for a HOST:PORT address

    host, _, port = address.rpartition(":")
    if address == "auto" or "://" in address or not host or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as error:
        reason = "timed out" if isinstance(error, socket.timeout) else error.strerror or str(error)
        raise UsageError(f"--ray {address}: cannot connect to a Ray cluster there ({reason})") from None


def _answer(node: dict, ref, ray, timeout: float) -> NodeAnswer:
    try:
        answer = ray.get(ref)
    except ray.exceptions.RayError as error:  # the task died with its worker or node
        return _node_answer(node, "no-answer", problem=f"the check's task failed: {_one_line(error)}")
    hostname = answer.get("hostname")
    if answer.get("status") == "timed-out":
        return _node_answer(node, "no-answer", hostname, problem=f"envcheck did not finish within {timeout:g} s")
    stdout = answer.get("stdout") or ""
    if answer.get("status") != "ran" or not stdout.strip():
        stderr = (answer.get("stderr") or "").strip().splitlines()
        why = stderr[-1] if stderr else f"exit status {answer.get('returncode')}"
        if "No module named envcheck" in why:
            python = answer.get("python")
            why = f"envcheck is not installed for {python} on this node: {python} -m pip install envcheck"
        return _node_answer(node, "failed", hostname, problem=f"envcheck printed no JSON ({why})",
                            returncode=answer.get("returncode"))
    return _node_answer(node, "answered", hostname, stdout=stdout, returncode=answer.get("returncode"))


def _node_answer(node: dict, status: str, hostname: str | None = None, **fields) -> NodeAnswer:
    resources = node.get("Resources") or {}
    accelerator = next((key.split(":", 1)[1] for key in resources if key.startswith("accelerator_type:")), None)
    hostname = hostname or node.get("NodeManagerHostname")  # Ray's record when the node itself said nothing
    return NodeAnswer(node["NodeID"], node.get("NodeManagerAddress"), hostname, float(resources.get("GPU", 0)),
                      accelerator, status, **fields)


def _one_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__
