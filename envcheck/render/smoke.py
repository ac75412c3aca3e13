"""smoke-train's output: plain stable lines for a pipe, a rich view and a progress bar for a terminal.

Renderers return strings or rich renderables; the CLI writes them.
"""

from __future__ import annotations

import math
import sys

from envcheck.diagnose.smoke import TASK_NAMES
from envcheck.model import SmokeReport
from envcheck.render import SPARKS, mark, style  # on a console that cannot print them, render.fit draws ASCII


def title(result: SmokeReport) -> str:
    layers = result.network.get("layers")
    backend = result.backend
    versions = result.versions
    if backend == "tensorflow":
        framework = f"TensorFlow {versions['tensorflow']}" if versions.get("tensorflow") else "TensorFlow"
    else:
        framework = f"NumPy {versions['numpy']}" if versions.get("numpy") else "NumPy"
    where = f" on {result.device}" if result.device else ""
    task = TASK_NAMES.get(result.task, result.task)
    if not layers:  # the child never got as far as building the network
        return f"{task} with {framework}{where}"
    shape = "-".join(str(n) for n in layers)
    return f"a {shape} {result.activation or '?'} network on {task} with {framework}{where}"


def sparkline(curve: list, width: int = 40) -> str:
    """The loss curve as block characters, highest loss █ and lowest ▁ (log scale: losses shrink fast)."""
    values = [point[1] for point in curve if point[1] is not None and point[1] > 0]
    if not values:
        return ""
    if len(values) > width:
        step = len(values) / width
        values = [values[int(i * step)] for i in range(width)] + [values[-1]]
    logs = [math.log10(v) for v in values]
    low, high = min(logs), max(logs)
    span = (high - low) or 1.0
    return "".join(SPARKS[min(len(SPARKS) - 1, int((v - low) / span * (len(SPARKS) - 1) + 0.5))] for v in logs)


def loss_summary(result: SmokeReport) -> str | None:
    initial, final = result.initial_loss, result.final_loss
    if initial is None and final is None:
        return None
    return f"{_num(initial)} -> {_num(final)} over {'?' if result.steps is None else result.steps} steps"


def timing_summary(result: SmokeReport) -> str:
    t = result.timings
    parts = []
    for key, label in (("import_s", "import"), ("checks_s", "checks"), ("train_s", "train"), ("wall_s", "total")):
        if t.get(key) is not None:
            parts.append(f"{label} {t[key]:.2f} s")
    return ", ".join(parts)


def _num(value) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if value >= 0.01 else f"{value:.3g}"


def text_lines(result: SmokeReport) -> list[str]:
    """Plain, stable lines for a pipe: one per check, then loss, time and the verdict."""
    checks = result.checks
    width = max([len(c.name) for c in checks] + [len("result")])
    lines = [f"{c.name.ljust(width)}  {'ok' if c.passed else 'FAIL':4}  {c.detail}" for c in checks]
    loss = loss_summary(result)
    if loss:
        lines.append(f"{'loss'.ljust(width)}  {loss}")
    timing = timing_summary(result)
    if timing:
        lines.append(f"{'time'.ljust(width)}  {timing}")
    verdict = "ok" if result.passed else "FAIL"
    failed = result.failed_names
    if result.fix:
        lines.append(f"{'fix'.ljust(width)}  {result.fix}")
    lines.append(f"{'result'.ljust(width)}  {verdict:4}  {title(result)}"
                 + (f" (failed: {', '.join(failed)})" if failed else ""))
    return lines


def rich_view(result: SmokeReport, ascii: bool = False):
    """The same result for a terminal: the verdict, the loss sparkline, a table of checks (a rich Group).

    `ascii`: the marks' ASCII forms, for a terminal that cannot print ✓."""
    from rich.console import Group  # terminal only
    from rich.markup import escape
    from rich.table import Table

    parts: list = []
    if result.passed:
        parts.append(f"[bold {style('ok')}]{escape(mark('ok', ascii))}[/] Learned: {escape(title(result))}")
    else:
        failed = result.failed_names
        shown = escape(mark("error", ascii))
        parts.append(f"[{style('error')}]{shown}[/] smoke-train failed ({escape(', '.join(failed) or 'run')}): "
                     f"{escape(title(result))}")
    spark = sparkline(result.loss_curve)
    if spark:
        parts.append(f"  loss [cyan]{spark}[/]  {escape(loss_summary(result) or '')}")
    table = Table(show_header=False, box=None, padding=(0, 1, 0, 2))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True, style="bold")
    table.add_column(overflow="fold")
    for c in result.checks:
        status = "ok" if c.passed else "error"
        table.add_row(f"[{style(status)}]{escape(mark(status, ascii))}[/]", escape(c.name), escape(c.detail))
    parts.append(table)
    if result.fix:
        parts.append(f"  [bold]Fix:[/] {escape(result.fix)}")
    timing = timing_summary(result)
    if timing:
        parts.append(f"  [dim]{escape(timing)}[/]")
    return Group(*parts)


def progress_bar(task: str, backend: str):
    """A rich progress bar for stderr and the callback that feeds it the child's progress lines."""
    from rich.progress import (  # terminal only
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    from envcheck import render

    spinner = "line" if render.ascii_marks(sys.stderr) else "dots"  # the braille spinner needs a UTF-8 console
    progress = Progress(SpinnerColumn(spinner), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=render.console(stderr=True), transient=True)
    what = f"{TASK_NAMES[task]} with {backend}"
    task_id = progress.add_task(f"Starting {what}", total=None)

    def on_line(line: str) -> None:
        words = line.split()
        if not words:
            return
        if words[0] == "import":
            progress.update(task_id, description="Importing TensorFlow")
        elif words[0] == "train" and len(words) == 2:
            progress.update(task_id, description=f"Training on {what}", total=int(words[1]), completed=0)
        elif words[0] == "step" and len(words) == 4:
            progress.update(task_id, completed=int(words[1]),
                            description=f"Training on {what} (loss {float(words[3]):.3g})")

    return progress, on_line
