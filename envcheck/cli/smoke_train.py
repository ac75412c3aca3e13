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

from envcheck import exitcodes, render, target
from envcheck.checks import smoke
from envcheck.cli._parser import add_format_option, add_python_option
from envcheck.probes import system


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
        result = smoke.run(python, **options)

    if fmt == "json":
        render.write_json(result.to_dict(), host=system.host_name())
    elif fmt == render.RICH:
        from envcheck.render.smoke import rich_view  # terminal only: rich

        render.console().print(rich_view(result, render.ascii_marks()))
    else:
        from envcheck.render.smoke import text_lines  # the plain renderer for a pipe

        render.write_lines(text_lines(result))
    if result.fix and fmt == "json":
        render.say(args.prog, f"fix: {result.fix}")  # the other formats print it with the result
    return exitcodes.OK if result.passed else exitcodes.NOT_OK


def _with_progress_bar(python, options: dict):
    """Run the check with a rich progress bar on stderr, fed by the child's progress lines."""
    from envcheck.render.smoke import progress_bar  # terminal only: rich

    progress, on_line = progress_bar(options["task"], options["backend"])
    with progress:
        return smoke.check_with_progress(python, on_line, **options)
