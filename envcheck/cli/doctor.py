"""envcheck doctor: every check at once, one summary with a fix beneath each problem, one exit code.

The checks: Python, packages, NumPy, TensorFlow, GPU, smoke training and the system, concurrently.

Exit 0 when nothing is an error (warnings allowed, e.g. no GPU); 1 otherwise, or with --strict when
anything is a warning. Each check is isolated: one that crashes, hangs or raises is a named ✗.
A course's code is checked only when asked: --code PATH adds check-code's answer as one more line.
"""

from __future__ import annotations

import argparse
import sys

from envcheck import render, target
from envcheck.cli._parser import add_format_option, add_python_option
from envcheck.i18n import N_, _
from envcheck.probes import system


def build_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-v", "--verbose", action="store_true", help=N_("show the facts behind each line"))
    parser.add_argument("--strict", action="store_true", help=N_("warnings count as failures (exit 1)"))
    parser.add_argument("--code", action="append", metavar="PATH",
                        help=N_("also check a course's code (files or folders, as check-code does); repeatable"))
    add_python_option(parser)
    add_format_option(parser)


def _run(args: argparse.Namespace, live: bool = True):
    """Run doctor for args.python; with `live` and stderr on a terminal, a live line per running check
    there (stdout may be piped: the summary is data, the live view is talk)."""
    from envcheck.checks import doctor  # the engine, with its threads: not needed for --help

    python = target.resolve(args.python, cache=not args.no_cache)
    specs = list(doctor.AREAS)
    if getattr(args, "code", None):
        specs.append(_code_spec(args.code, doctor.AreaSpec))
    if not (live and render._isatty(sys.stderr)):
        return doctor.run(python, specs)
    from rich.live import Live  # terminal only

    from envcheck.render.doctor import LiveView

    view = LiveView(specs, ascii=render.ascii_marks(sys.stderr))
    render.console(stderr=True).print(_("Checking Python {version} at {executable} …").format(
        version=python.version_text, executable=python.executable), markup=False)
    with Live(view, console=render.console(stderr=True), refresh_per_second=8, transient=True):
        return doctor.run(python, specs, on_event=view.event)


def _code_spec(paths: list[str], area_spec):
    """The course-code area; a path that does not exist or is a FIFO or device is bad usage (exit 2) before anything
    runs."""
    import functools  # all four only with --code
    import os

    from envcheck.checks import code
    from envcheck.errors import UsageError

    for path in paths:
        if not os.path.exists(path):
            raise UsageError(_("--code {path}: no such file or directory").format(path=path))
        if not (os.path.isdir(path) or os.path.isfile(path)):  # a FIFO or device: refused, as check-code does
            raise UsageError(_("--code {path}: not a regular file or folder").format(path=path))
    return area_spec("code", N_("Course code"), functools.partial(code.area, paths))


def run(args: argparse.Namespace) -> int:
    from envcheck.render import doctor as render_doctor  # the renderer in use, imported when it runs

    result = _run(args, live=args.format is None)
    fmt = render.output_format(args.format)
    if fmt == "json":
        render.write_json(result.to_dict(), host=system.host_name())
    elif fmt == render.RICH:
        out = render.console()
        for line in render_doctor.rich_lines(result, args.verbose, render.ascii_marks()):
            out.print(line)
    else:
        render.write(render_doctor.text(result, args.verbose, render.ascii_marks()))
    return result.exit_code(args.strict)
