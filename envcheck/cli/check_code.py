"""envcheck check-code PATH...: whether a course's code finds every module and API it uses here.

Reads every .py file and Jupyter notebook under the given files and folders (never running them) and
checks, in ONE child of the target interpreter, that each imported module is installed and each
attribute chain the code uses (tf.placeholder, np.float, model.predict_classes …) exists. Exit 0 when
everything resolves, 1 when something will fail (each finding names file, line and fix), 2 for bad usage
(a path that does not exist).
"""

from __future__ import annotations

import argparse

from envcheck import exitcodes, render, target
from envcheck.cli._parser import add_format_option, add_python_option
from envcheck.errors import UsageError


def build_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="course files and folders (.py and .ipynb files are read)")
    parser.add_argument("--timeout", type=float, default=180.0, metavar="SECONDS",
                        help="how long the child that imports the libraries may take (default 180)")
    add_python_option(parser)
    add_format_option(parser)


def run(args: argparse.Namespace) -> int:
    from envcheck.checks import code  # the command's own check, imported only when it runs

    if not args.timeout > 0:
        raise UsageError(f"--timeout {args.timeout:g}: must be a number of seconds above 0")
    python = target.resolve(args.python, cache=not args.no_cache)
    report = code.check(args.paths, python, timeout=args.timeout)
    fmt = render.output_format(args.format)
    from envcheck.render import check_code as renderer  # after the check: --help and errors never need it

    if fmt == "json":
        render.write_json(report.to_dict())
    elif fmt == render.RICH:
        out = render.console()
        for line in renderer.rich_lines(report):
            out.print(line)
    else:
        render.write(renderer.text(report))
    return exitcodes.OK if report.ok else exitcodes.NOT_OK
