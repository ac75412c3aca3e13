"""The argument parser every command shares: one-line errors and the common options.

argparse is the authority on options, help and errors. But importing and building it costs ~15 ms
(it pulls in `re`, `gettext`, `shutil`, `locale`), more than `count-packages` spends on its whole
answer. So a command declares its options on an `Options` recorder with argparse's own
`add_argument` calls; valid command lines for plain options are read straight from that record,
and everything else — `--help`, `--version`, errors, abbreviations, features the fast reader does not
know — is handed to the real argparse parser, built from the same record.
"""

from __future__ import annotations

import sys
import types

from envcheck import __version__
from envcheck.errors import UsageError

EPILOG = (
    "Exit codes: 0 the answer is yes, 1 it is no (the output says why), "
    "2 bad usage or input, 3 envcheck itself failed, 130 interrupted."
)
_FAST_ACTIONS = {None, "store", "store_true", "store_false", "append", "count"}
_FAST_TYPES = {None, str, int, float}


class Options:
    """Records argparse `add_argument` calls; parses valid argv without importing argparse."""

    def __init__(self, prog: str, description: str) -> None:
        self.prog = prog
        self.description = description
        self._calls: list[tuple[tuple, dict]] = []
        self._by_flag: dict[str, dict] = {}
        self._defaults: dict[str, object] = {}
        self._fast = True  # turned off by anything the fast reader does not handle
        self._required: set[str] = set()  # dests of required=True options: argparse names the missing one

    def add_argument(self, *flags: str, **spec) -> None:
        self._calls.append((flags, spec))
        fast = (
            flags and all(flag.startswith("-") for flag in flags)
            and spec.get("action") in _FAST_ACTIONS and spec.get("type") in _FAST_TYPES
            and "nargs" not in spec and "const" not in spec
        )
        if not fast:
            self._fast = False
            return
        long_flag = next((f for f in flags if f.startswith("--")), flags[0])
        dest = spec.get("dest") or long_flag.lstrip("-").replace("-", "_")
        action = spec.get("action") or "store"
        default = spec.get("default", False if action == "store_true" else True if action == "store_false" else None)
        entry = {"dest": dest, "action": action, "type": spec.get("type"), "choices": spec.get("choices")}
        self._defaults[dest] = default
        if spec.get("required"):
            self._required.add(dest)
        for flag in flags:
            self._by_flag[flag] = entry

    def add_argument_group(self, *args, **kwargs) -> "_Group":
        return _Group(self, "add_argument_group", args, kwargs)

    def add_mutually_exclusive_group(self, *args, **kwargs) -> "_Group":
        self._fast = False  # exclusivity is argparse's to check
        return _Group(self, "add_mutually_exclusive_group", args, kwargs)

    def set_defaults(self, **defaults) -> None:
        self._calls.append((("__set_defaults__",), defaults))
        self._defaults.update(defaults)

    def parse_args(self, argv: list[str] | None = None):
        argv = list(sys.argv[1:] if argv is None else argv)
        fast = self._fast_parse(argv) if self._fast else None
        return fast if fast is not None else self.argparse().parse_args(argv)

    def _fast_parse(self, argv: list[str]):
        """The Namespace argparse would give, or None to let argparse decide (help, errors, odd cases)."""
        values = {dest: (list(default) if isinstance(default, list) else default)
                  for dest, default in self._defaults.items()}
        tokens = iter(argv)
        seen = set()
        for token in tokens:
            flag, has_value, inline = token.partition("=") if token.startswith("--") else (token, False, "")
            entry = self._by_flag.get(flag)
            if entry is None:
                return None
            action, dest = entry["action"], entry["dest"]
            seen.add(dest)
            if action in ("store_true", "store_false", "count"):
                if has_value:
                    return None
                values[dest] = (values[dest] or 0) + 1 if action == "count" else action == "store_true"
                continue
            value = inline if has_value else next(tokens, None)
            if value is None or (not has_value and value.startswith("-") and value != "-" and not _is_number(value)):
                return None
            if entry["type"] is not None:
                try:
                    value = entry["type"](value)
                except ValueError:
                    return None
            if entry["choices"] is not None and value not in entry["choices"]:
                return None
            if action == "append":
                values[dest] = (values[dest] or []) + [value]
            else:
                values[dest] = value
        if not self._required <= seen:  # a required option is missing: argparse says which, exit 2
            return None
        return types.SimpleNamespace(**values)

    def argparse(self):
        """The real parser, built from the recorded calls."""
        import argparse  # help, errors and anything unusual only: ~15 ms

        class Parser(argparse.ArgumentParser):
            def error(self, message: str):  # one line and exit 2, never a usage dump
                raise UsageError(f"{message} (see --help)")

        parser = Parser(prog=self.prog, description=self.description, epilog=EPILOG,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("--version", action="version", version=f"envcheck {__version__}")
        groups: dict[int, object] = {}
        for flags, spec in self._calls:
            if flags == ("__set_defaults__",):
                parser.set_defaults(**spec)
            elif isinstance(flags, _GroupCall):
                group = groups.setdefault(
                    id(flags.group), getattr(parser, flags.group.kind)(*flags.group.args, **flags.group.kwargs))
                group.add_argument(*flags, **spec)
            else:
                parser.add_argument(*flags, **spec)
        return parser


class _Group:
    """An argument group or mutually exclusive group, recorded to be replayed on argparse."""

    def __init__(self, options: Options, kind: str, args: tuple, kwargs: dict) -> None:
        self.options, self.kind, self.args, self.kwargs = options, kind, args, kwargs

    def add_argument(self, *flags: str, **spec) -> None:
        self.options.add_argument(*flags, **spec)
        recorded_flags, recorded_spec = self.options._calls[-1]
        self.options._calls[-1] = (_GroupCall(recorded_flags, self), recorded_spec)


class _GroupCall(tuple):
    """The flags of an add_argument call made on a group, remembering the group."""

    def __new__(cls, flags: tuple, group: _Group):
        instance = super().__new__(cls, flags)
        instance.group = group
        return instance


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def make_parser(prog: str, summary: str, doc: str | None = None) -> Options:
    """Options for one command; --help shows its summary, then its module docstring's body."""
    description = summary[0].upper() + summary[1:] + "."
    body = (doc or "").strip().partition("\n")[2].strip()  # the docstring after its title line
    if body:
        description += "\n\n" + body
    options = Options(prog, description)
    options.add_argument("--debug", action="store_true", help="show tracebacks of envcheck's own errors")
    return options


def add_python_option(parser) -> None:
    parser.add_argument(
        "--python",
        metavar="PATH",
        help="inspect this interpreter's environment (a python executable, a name on PATH, "
        "or a virtual environment's directory); default: the interpreter running envcheck",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="ask the --python interpreter for its sys.path again instead of reusing what it answered "
        "before (kept in the user cache folder, e.g. ~/.cache/envcheck, and checked against the "
        "interpreter, pyvenv.cfg, PYTHONPATH and the .pth files on every use)",
    )


def add_format_option(parser, formats: tuple[str, ...] = ("text", "json"), default: str | None = None) -> None:
    """--format; without `default` the output follows where it goes (a table on a terminal, plain lines piped)."""
    parser.add_argument(
        "--format",
        choices=formats,
        help=f"output format (default: {default}, on a terminal too)" if default else
        "output format (default: a table on a terminal, plain text lines when piped)",
    )


def add_output_option(parser, what: str = "the output") -> None:
    parser.add_argument("-o", "--output", metavar="FILE", help=f"write {what} to FILE instead of stdout")
