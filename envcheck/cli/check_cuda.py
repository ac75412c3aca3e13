"""check-cuda: can TensorFlow use this machine's NVIDIA GPU, and if not, exactly why and what to do.

Like `nvidia-smi` plus `tf.config.list_physical_devices('GPU')`, with a verdict, the facts that
decide it, and a fix for each problem. Exit 0 exactly when TensorFlow can use at least one GPU
(with --no-tf: when a usable GPU with a working driver is present), 1 otherwise, 2 for bad usage.
"""

from __future__ import annotations

from envcheck import render, target
from envcheck.checks import cuda
from envcheck.cli._parser import add_format_option, add_python_option
from envcheck.errors import UsageError
from envcheck.probes import system
from envcheck.probes.gpu import DEFAULT_TIMEOUT


def build_parser(parser) -> None:
    parser.add_argument("--no-tf", action="store_true", help="skip TensorFlow: a fast answer about the GPU and driver "
                                                             "only")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing; only the exit code answers")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds to wait for NVML / nvidia-smi (default {DEFAULT_TIMEOUT:g}; a busy multi-GPU host can take 10)",
    )
    parser.add_argument("--tf-timeout", type=float, default=90.0, metavar="S", help="seconds to wait for TensorFlow's "
                                                                                    "import (default 90)")
    add_python_option(parser)
    add_format_option(parser, ("text", "json"))


def run(args) -> int:
    for name in ("timeout", "tf_timeout"):
        if not getattr(args, name) > 0:
            raise UsageError(f"--{name.replace('_', '-')} needs a positive number of seconds")
    python = target.resolve(args.python, cache=not args.no_cache)
    report = cuda.check(python, include_tf=not args.no_tf, tf_timeout=args.tf_timeout, gpu_timeout=args.timeout)
    if not args.quiet:
        fmt = render.output_format(args.format)
        if fmt == "json":
            render.write_json(report.to_dict(), host=system.host_name())
        else:
            from envcheck.render import check_cuda as renderer  # the renderer in use only

            if fmt == render.RICH:
                render.console().print(renderer.rich_text(report, render.ascii_marks()), highlight=False)
            else:
                render.write(renderer.text(report, render.ascii_marks()))
    return cuda.exit_code(report)
