"""envcheck fleet --ray ADDRESS: run one check on every alive node of a Ray cluster, then summarize.

Each node runs `envcheck <check> --format json` with its own Python (inspecting that Python's
environment, or the interpreter the check's own options name), in a task pinned to the node that
asks for no GPU and no CPU, so it never queues behind training jobs. The answers are printed exactly
as `envcheck summarize` prints them; a node that does not answer within --timeout is a named row
("no answer"), never a hang.
--check must come last: what follows it is passed to the check (e.g. --check check-cuda --no-tf).
Needs Ray: python -m pip install 'envcheck[fleet]'. Exit 0 when every node is ready, 1 when any is
not, 2 for bad usage (no Ray, no cluster at ADDRESS).
"""

from __future__ import annotations

import argparse

from envcheck import render
from envcheck.cli._parser import add_format_option, add_output_option
from envcheck.errors import UsageError
from envcheck.i18n import N_, _
from envcheck.render.summary import FORMATS

CHECKS = ("check-cuda", "doctor", "smoke-train", "verify")


def build_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ray", required=True, metavar="ADDRESS",
                        help=N_("the Ray cluster to connect to, as ray.init takes it: auto, HOST:PORT or ray://HOST:10001"))
    parser.add_argument("--timeout", type=float, default=300.0, metavar="S",
                        help=N_("seconds each node's check may take; a slower node is 'no answer' (default: 300)"))
    parser.add_argument("--save", metavar="DIR",
                        help=N_("also keep each node's JSON as DIR/<host>.json (summarize DIR reads them)"))
    add_format_option(parser, FORMATS)
    add_output_option(parser, "the summary")
    parser.add_argument("--check", nargs="...", metavar="CHECK [OPTION ...]",
                        help=f"the check to run on every node: {', '.join(CHECKS)} (default: check-cuda); must come "
                        "last: the options after it are the check's own, e.g. --check verify --profile gpu-course")


def run(args: argparse.Namespace) -> int:
    from envcheck.checks import summary  # the engine and the Ray I/O, once the command runs
    from envcheck.probes import ray_fleet
    from envcheck.render import summary as view

    check = list(args.check or ["check-cuda"])
    if check[0] not in CHECKS:
        raise UsageError(_("--check {check}: not a check fleet runs (choose from {choices})").format(
            check=check[0], choices=", ".join(CHECKS)))
    if "--format" in check:
        raise UsageError(_("--check: leave out --format: every node answers in JSON (fleet's --format is the "
                           "summary's)"))
    if args.timeout <= 0:
        raise UsageError(_("--timeout {value}: must be more than 0 seconds").format(value=f"{args.timeout:g}"))
    answers = ray_fleet.run(args.ray, check, args.timeout)
    result = summary.from_fleet(answers, save=args.save)
    render.deliver(args.prog, view.view(result, render.output_format(args.format, bool(args.output))),
                   args.output)
    return summary.exit_code(result)
