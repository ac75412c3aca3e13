"""smoke-train: train a tiny neural network, forward and backprop, and prove it learned.

Each neuron takes a weighted sum of its inputs plus a bias and passes it through an activation
function; forward propagation carries the inputs to the output, the loss measures the error, and
backpropagation adjusts every weight and bias to shrink it. smoke-train does exactly that on XOR
(or two noisy circles) and checks it with numbers: the forward pass is finite, TensorFlow's
gradients equal a hand-written NumPy reference, which equals finite differences; the loss falls
and the accuracy reaches its target; the training ran on the device you asked for; and every
layer still receives gradient (try --activation sigmoid --depth 8 to see the gradient vanish, or
--activation step to see why a step function cannot be trained by backpropagation).

Exit 0 when every check passed, 1 when one failed (the output names it), 2 for bad usage.
"""

from __future__ import annotations

import argparse
import math

from envcheck import exitcodes, render, target
from envcheck.checks import smoke
from envcheck.cli._parser import add_format_option, add_python_option

SPARKS = "▁▂▃▄▅▆▇█"


def build_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--backend", default="tensorflow", metavar="NAME",
                        help="tensorflow (default: tf.Variable, GradientTape, a tf.function step) or numpy "
                             "(the hand-written reference alone; needs no TensorFlow)")
    parser.add_argument("--task", default="xor", metavar="NAME",
                        help="xor (default: the four points a single layer cannot learn; target 100%% accuracy) "
                             "or circles (256 noisy 2-D points, two classes; target 95%%)")
    parser.add_argument("--activation", default="relu", metavar="NAME",
                        help="the hidden layers' activation function: relu (default), sigmoid, tanh, or step "
                             "(its derivative is 0, so backpropagation cannot train it: exits 1 and says why)")
    parser.add_argument("--hidden", type=_int, default=8, metavar="N",
                        help="neurons per hidden layer (default 8)")
    parser.add_argument("--depth", type=_int, default=1, metavar="N",
                        help="hidden layers (default 1; sigmoid with 8 shows the vanishing gradient)")
    parser.add_argument("--steps", type=_int, metavar="N",
                        help=f"training steps, full batch (default {smoke.DEFAULT_STEPS})")
    parser.add_argument("--lr", type=_float, metavar="X",
                        help=f"Adam's learning rate (default {smoke.DEFAULT_LR:g})")
    parser.add_argument("--seed", type=_int, default=0, metavar="N",
                        help="seed for the starting weights and the circles data (default 0)")
    parser.add_argument("--device", default="auto", metavar="WHERE",
                        help="auto (default: a GPU if TensorFlow sees one), cpu, or gpu "
                             "(no usable GPU is a failure, never a silent CPU run)")
    parser.add_argument("--timeout", type=_float, default=120.0, metavar="S",
                        help="stop the training child after S seconds (default 120): a hang is a failure")
    add_python_option(parser)
    add_format_option(parser)


def _number(kind, words: str):
    """An argparse type: `kind(text)`, or a one-line error naming what was expected."""
    def parse(text):
        try:
            return kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {words}") from None
    return parse


_int = _number(int, "a whole number")
_float = _number(float, "a number")


def run(args: argparse.Namespace) -> int:
    options = dict(backend=args.backend, task=args.task, activation=args.activation, hidden=args.hidden,
                   depth=args.depth, steps=args.steps, lr=args.lr, seed=args.seed, device=args.device,
                   timeout=args.timeout)
    smoke.validate(**options)  # bad values are exit 2 before anything starts
    python = target.resolve(args.python, cache=not args.no_cache)
    fmt = render.output_format(args.format)
    if fmt == render.RICH:
        result = _with_progress_bar(python, options)
    else:
        result = smoke.check(python, **options)

    if fmt == "json":
        render.write_json(result)
    elif fmt == render.RICH:
        _print_rich(result)
    else:
        render.write_lines(text_lines(result))
    if result.get("fix") and fmt == "json":
        render.say(args.prog, f"fix: {result['fix']}")  # the other formats print it with the result
    return exitcodes.OK if result["passed"] else exitcodes.NOT_OK


# ---------------------------------------------------------------- rendering (pure, then rich)


def title(result: dict) -> str:
    layers = (result.get("network") or {}).get("layers")
    backend = result.get("backend", "?")
    versions = result.get("versions") or {}
    if backend == "tensorflow":
        framework = f"TensorFlow {versions['tensorflow']}" if versions.get("tensorflow") else "TensorFlow"
    else:
        framework = f"NumPy {versions['numpy']}" if versions.get("numpy") else "NumPy"
    where = f" on {result['device']}" if result.get("device") else ""
    task = smoke.TASK_NAMES.get(result.get("task"), result.get("task", "?"))
    if not layers:  # the child never got as far as building the network
        return f"{task} with {framework}{where}"
    shape = "-".join(str(n) for n in layers)
    return f"a {shape} {result.get('activation', '?')} network on {task} with {framework}{where}"


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


def loss_summary(result: dict) -> str | None:
    initial, final = result.get("initial_loss"), result.get("final_loss")
    if initial is None and final is None:
        return None
    return f"{_num(initial)} -> {_num(final)} over {result.get('steps', '?')} steps"


def timing_summary(result: dict) -> str:
    t = result.get("timings") or {}
    parts = []
    for key, label in (("import_s", "import"), ("checks_s", "checks"), ("train_s", "train"), ("wall_s", "total")):
        if t.get(key) is not None:
            parts.append(f"{label} {t[key]:.2f} s")
    return ", ".join(parts)


def _num(value) -> str:
    if value is None:
        return "n/a"
    return f"{value:.3f}" if value >= 0.01 else f"{value:.3g}"


def text_lines(result: dict) -> list[str]:
    """Plain, stable lines for a pipe: one per check, then loss, time and the verdict."""
    checks = result.get("checks") or []
    width = max([len(c["name"]) for c in checks] + [len("result")])
    lines = [f"{c['name'].ljust(width)}  {'ok' if c['passed'] else 'FAIL':4}  {c['detail']}" for c in checks]
    loss = loss_summary(result)
    if loss:
        lines.append(f"{'loss'.ljust(width)}  {loss}")
    timing = timing_summary(result)
    if timing:
        lines.append(f"{'time'.ljust(width)}  {timing}")
    verdict = "ok" if result["passed"] else "FAIL"
    failed = smoke.failed_names(result)
    if result.get("fix"):
        lines.append(f"{'fix'.ljust(width)}  {result['fix']}")
    lines.append(f"{'result'.ljust(width)}  {verdict:4}  {title(result)}"
                 + (f" (failed: {', '.join(failed)})" if failed else ""))
    return lines


def _print_rich(result: dict) -> None:
    from rich.markup import escape  # terminal only
    from rich.table import Table

    console = render.console()
    if result["passed"]:
        console.print(f"[bold green]✓[/] Learned: {escape(title(result))}")
    else:
        failed = smoke.failed_names(result)
        console.print(f"[bold red]✗[/] smoke-train failed ({escape(', '.join(failed) or 'run')}): "
                      f"{escape(title(result))}")
    spark = sparkline(result.get("loss_curve") or [])
    if spark:
        console.print(f"  loss [cyan]{spark}[/]  {escape(loss_summary(result) or '')}")
    table = Table(show_header=False, box=None, padding=(0, 1, 0, 2))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True, style="bold")
    table.add_column(overflow="fold")
    for c in result.get("checks") or []:
        mark = "[green]✓[/]" if c["passed"] else "[red]✗[/]"
        table.add_row(mark, escape(c["name"]), escape(c["detail"]))
    console.print(table)
    if result.get("fix"):
        console.print(f"  [bold]Fix:[/] {escape(result['fix'])}")
    timing = timing_summary(result)
    if timing:
        console.print(f"  [dim]{escape(timing)}[/]")


def _with_progress_bar(python, options: dict) -> dict:
    """Run the check with a rich progress bar on stderr, fed by the child's progress lines."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, \
        TimeElapsedColumn  # terminal only

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=render.console(stderr=True), transient=True)
    what = f"{smoke.TASK_NAMES[options['task']]} with {options['backend']}"
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

    with progress:
        return smoke.check_with_progress(python, on_line, **options)
