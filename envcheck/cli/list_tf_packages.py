"""list-tf-packages: the installed distributions whose name starts with 'tensor' (or --prefix).

Like `pip list | grep ^tensor`, with pip's names, versions and order, and grep's exit code:
0 when something matched, 1 when nothing did.
"""

from __future__ import annotations

from envcheck import exitcodes, render, target
from envcheck.cli._parser import add_format_option, add_python_option
from envcheck.errors import UsageError
from envcheck.probes import packages
from envcheck.render.packages import shown as shown_version

DEFAULT_PREFIX = "tensor"


def build_parser(parser) -> None:
    parser.add_argument(
        "--prefix",
        action="append",
        metavar="P",
        help=f"list names starting with P instead of {DEFAULT_PREFIX!r} (repeatable: --prefix keras --prefix tf-)",
    )
    add_python_option(parser)
    add_format_option(parser, ("text", "json", "freeze"))


def run(args) -> int:
    prefixes = args.prefix or [DEFAULT_PREFIX]
    if any(not prefix.strip() for prefix in prefixes):
        raise UsageError("--prefix needs a non-empty name prefix")
    python = target.resolve(args.python, cache=not args.no_cache)
    canonical_prefixes = tuple(packages.canonicalize(prefix.strip()) for prefix in prefixes)

    scan = packages.scan(python.path)
    wanted = [found for found in scan.found if packages.matches(found, canonical_prefixes)]
    rows = sorted((packages.describe(found, scan.problems) for found in wanted), key=packages.sort_key)
    for problem in scan.problems:
        render.say(args.prog, f"warning: {problem}")

    fmt = render.output_format(args.format)
    if fmt == "json":
        render.write_json([row.to_dict() for row in rows])
    elif fmt == "freeze":
        render.write_lines(f"{row.name}=={shown_version(row.version)}" for row in rows)
    elif fmt == render.RICH and rows:
        from envcheck.render.packages import tf_packages_table  # terminal only: rich

        render.console().print(tf_packages_table(rows, prefixes))
    else:
        render.write_lines(f"{row.name} {shown_version(row.version)}" for row in rows)

    if not rows:
        shown = " or ".join(repr(prefix) for prefix in prefixes)
        hint = f"no installed distribution name starts with {shown} in {python.executable}"
        if DEFAULT_PREFIX in prefixes:
            hint += f"; install TensorFlow with: {python.executable} -m pip install tensorflow"
        render.say(args.prog, hint)
        return exitcodes.NOT_OK
    return exitcodes.OK

