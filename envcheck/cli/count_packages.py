"""count-packages: how many distributions are installed, as `pip list` counts them.

Prints one integer. Counts from directory names alone (no importlib.metadata); a METADATA file is
opened only when a directory name carries no project name.
"""

from __future__ import annotations

from envcheck import exitcodes, render, target
from envcheck.cli._parser import add_format_option, add_python_option
from envcheck.probes import packages

SCHEMA = "envcheck.count-packages/1"


def build_parser(parser) -> None:
    parser.add_argument("-v", "--verbose", action="store_true", help="also show the count per sys.path location")
    add_python_option(parser)
    add_format_option(parser)


def run(args) -> int:
    python = target.resolve(args.python, cache=not args.no_cache)
    scan = packages.scan(python.path)
    for problem in scan.problems:
        render.say(args.prog, f"warning: {problem}")
    count = len(scan.found)
    per_location: dict[str, int] = {}
    for found in scan.found:
        per_location[found.site] = per_location.get(found.site, 0) + 1

    fmt = render.output_format(args.format)
    if fmt == "json":
        render.write_json(
            {"schema": SCHEMA, "count": count, "python": python.to_dict(), "locations": per_location}
        )
    elif fmt == render.RICH and args.verbose:
        from envcheck.render.packages import count_table  # terminal only: rich

        render.console().print(count_table(count, per_location, python))
    else:
        render.write(str(count))
        if args.verbose:
            render.write_lines(f"{n} {location}" for location, n in per_location.items())
    return exitcodes.OK

