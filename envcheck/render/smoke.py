"""smoke-train's output: plain stable lines for a pipe, a rich view and a progress bar for a terminal.

Renderers return strings or rich renderables; the CLI writes them.
"""

from __future__ import annotations

import math
import sys

from envcheck.diagnose.smoke import task_name
from envcheck.i18n import _
from envcheck.model import SmokeReport
from envcheck.render import SPARKS, ljust, mark, style, width  # render.fit draws ASCII where a console needs it


def title(result: SmokeReport) -> str:
    layers = result.network.get("layers")
    backend = result.backend
    versions = result.versions
    if backend == "tensorflow":
        framework = f"TensorFlow {versions['tensorflow']}" if versions.get("tensorflow") else "TensorFlow"
    else:
        framework = f"NumPy {versions['numpy']}" if versions.get("numpy") else "NumPy"
    device = result.device
    task = task_name(result.task)
    if not layers:  # the child never got as far as building the network
        if device:
            return _("{task} with {framework} on {device}").format(task=task, framework=framework, device=device)
        return _("{task} with {framework}").format(task=task, framework=framework)
    shape = "-".join(str(n) for n in layers)
    activation = result.activation or "?"
    if device:
        return _("a {shape} {activation} network on {task} with {framework} on {device}").format(
            shape=shape, activation=activation, task=task, framework=framework, device=device)
    return _("a {shape} {activation} network on {task} with {framework}").format(
        shape=shape, activation=activation, task=task, framework=framework)


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
    return _("{initial} -> {final} over {steps} steps").format(
        initial=_num(initial), final=_num(final), steps="?" if result.steps is None else result.steps)


def timing_summary(result: SmokeReport) -> str:
    t = result.timings
    parts = []
    labels = (("import_s", _("import")), ("checks_s", _("checks")), ("train_s", _("train")), ("wall_s", _("total")))
    for key, label in labels:
        if t.get(key) is not None:
            parts.append(_("{label} {seconds} s").format(label=label, seconds=f"{t[key]:.2f}"))
    return ", ".join(parts)


def _num(value) -> str:
    if value is None:
        return _("n/a")
    return f"{value:.3f}" if value >= 0.01 else f"{value:.3g}"


def text_lines(result: SmokeReport) -> list[str]:
    """Plain, stable lines for a pipe: one per check, then loss, time and the verdict."""
    checks = result.checks
    label = {"loss": _("loss"), "time": _("time"), "fix": _("fix"), "result": _("result")}
    column = max([width(c.name) for c in checks] + [width(text) for text in label.values()])
    lines = [f"{ljust(c.name, column)}  {'ok' if c.passed else 'FAIL':4}  {c.detail}" for c in checks]
    loss = loss_summary(result)
    if loss:
        lines.append(f"{ljust(label['loss'], column)}  {loss}")
    timing = timing_summary(result)
    if timing:
        lines.append(f"{ljust(label['time'], column)}  {timing}")
    verdict = "ok" if result.passed else "FAIL"
    failed = result.failed_names
    if result.fix:
        lines.append(f"{ljust(label['fix'], column)}  {result.fix}")
    lines.append(f"{ljust(label['result'], column)}  {verdict:4}  {title(result)}"
                 + (_(" (failed: {names})").format(names=", ".join(failed)) if failed else ""))
    return lines


def rich_view(result: SmokeReport, ascii: bool = False):
    """The same result for a terminal: the verdict, the loss sparkline, a table of checks (a rich Group).

    `ascii`: the marks' ASCII forms, for a terminal that cannot print ✓."""
    from rich.console import Group  # terminal only
    from rich.markup import escape
    from rich.table import Table

    parts: list = []
    if result.passed:
        shown = escape(mark("ok", ascii))
        parts.append(f"[bold {style('ok')}]{shown}[/] " + escape(_("Learned: {title}").format(title=title(result))))
    else:
        failed = result.failed_names
        shown = escape(mark("error", ascii))
        parts.append(f"[{style('error')}]{shown}[/] " + escape(_("smoke-train failed ({names}): {title}").format(
            names=", ".join(failed) or "run", title=title(result))))
    spark = sparkline(result.loss_curve)
    if spark:
        label = escape(_("loss"))
        parts.append(f"  {label} [cyan]{spark}[/]  {escape(loss_summary(result) or '')}")
    table = Table(show_header=False, box=None, padding=(0, 1, 0, 2))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True, style="bold")
    table.add_column(overflow="fold")
    for c in result.checks:
        status = "ok" if c.passed else "error"
        table.add_row(f"[{style(status)}]{escape(mark(status, ascii))}[/]", escape(c.name), escape(c.detail))
    parts.append(table)
    if result.fix:
        label = escape(_("Fix:"))
        parts.append(f"  [bold]{label}[/] {escape(result.fix)}")
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
    what = _("{task} with {backend}").format(task=task_name(task), backend=backend)
    task_id = progress.add_task(_("Starting {what}").format(what=what), total=None)
    training = _("Training on {what}").format(what=what)

    def on_line(line: str) -> None:
        words = line.split()
        if not words:
            return
        if words[0] == "import":
            progress.update(task_id, description=_("Importing TensorFlow"))
        elif words[0] == "train" and len(words) == 2:
            progress.update(task_id, description=training, total=int(words[1]), completed=0)
        elif words[0] == "step" and len(words) == 4:
            progress.update(task_id, completed=int(words[1]),
                            description=_("{training} (loss {loss})").format(training=training,
                                                                             loss=f"{float(words[3]):.3g}"))

    return progress, on_line
