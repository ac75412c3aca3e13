"""Command-line entry points: one registry of commands, one exit-code policy.

Each command lives in its own module under `envcheck.cli` with two functions:
`build_parser(parser)` adds its options and `run(args) -> int` does the work and
returns the exit code. The modules are imported only when their command runs, so
`envcheck --help` and the fast commands pay for nothing else.
"""

from __future__ import annotations

import os
import sys

from envcheck import __version__, exitcodes
from envcheck.errors import OutputError, UsageError
from envcheck.i18n import N_, _
from envcheck.i18n import gettext as translate

# name -> (module, one-line summary). The summary is the --help line and the README's.
COMMANDS: dict[str, tuple[str, str]] = {
    "list-tf-packages": (
        "envcheck.cli.list_tf_packages",
        N_("installed distributions whose name starts with 'tensor' (or --prefix)"),
    ),
    "count-packages": (
        "envcheck.cli.count_packages",
        N_("how many distributions are installed"),
    ),
    "check-cuda": (
        "envcheck.cli.check_cuda",
        N_("can TensorFlow use this machine's NVIDIA GPU; if not, why and the fix"),
    ),
    "smoke-train": (
        "envcheck.cli.smoke_train",
        N_("train a tiny network forward and backprop, and prove it learned with its gradients checked"),
    ),
    "doctor": (
        "envcheck.cli.doctor",
        N_("every check at once: one summary, a fix for each problem, one exit code"),
    ),
    "report": (
        "envcheck.cli.report",
        N_("a shareable report of everything doctor gathered (markdown, json, text), secrets redacted"),
    ),
    "verify": (
        "envcheck.cli.verify",
        N_("check this environment against a requirement profile (TOML), a requirements.txt or a pyproject.toml"),
    ),
    "check-code": (
        "envcheck.cli.check_code",
        N_("will a course's code (scripts, notebooks) find every module and API it uses in this environment"),
    ),
    "summarize": (
        "envcheck.cli.summarize",
        N_("many hosts' envcheck JSON in one view: who is ready, findings with counts, drift"),
    ),
    "fleet": (
        "envcheck.cli.fleet",
        N_("run a check on every node of a Ray cluster, then summarize the answers"),
    ),
}


def run_command(name: str, argv: list[str] | None = None, prog: str | None = None) -> int:
    """Parse `argv` for command `name`, run it and return its exit code. Never raises."""
    from envcheck import render  # only once a command runs: `envcheck --help` needs neither
    from envcheck.cli import _parser  # argparse is only needed once a command runs

    module_name, summary = COMMANDS[name]
    prog = prog or name
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    render.protect(sys.stdout)  # a console that is not UTF-8 escapes what it cannot print, never crashes
    render.protect(sys.stderr)
    _arm_ctrl_c_watchdog(prog)
    try:
        import importlib  # only once a command runs: --help of envcheck itself needs none

        module = importlib.import_module(module_name)
        parser = _parser.make_parser(prog, summary, getattr(module, "__doc__", None))
        module.build_parser(parser)
        try:
            args = parser.parse_args(argv)
        except SystemExit as done:  # --help and --version end here
            return int(done.code or 0)
        args.prog = prog
        code = module.run(args)
        render.flush()  # a closed pipe or a full disk shows up here, inside the handlers below
        return code
    except OutputError as error:  # the answer was lost: never exit 0
        _say(prog, _("error: {error}").format(error=error))
        if error.where == "stdout":
            _silence_stdout()  # what is still buffered would fail again at exit
        return exitcodes.USAGE
    except UsageError as error:
        _say(prog, _("error: {error}").format(error=error))
        return exitcodes.USAGE
    except KeyboardInterrupt:
        _stop_children()
        _say(prog, _("interrupted"))
        _interrupt_said.append(True)
        return exitcodes.INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return exitcodes.OK
    except Exception as error:  # a bug in envcheck: one line, the traceback only with --debug
        if debug:
            import traceback  # only with --debug

            traceback.print_exc()
        _say(prog, _("internal error: {error} (rerun with --debug for the traceback)").format(
            error=f"{type(error).__name__}: {error}"))
        return exitcodes.INTERNAL


def main(argv: list[str] | None = None) -> int:
    """`envcheck <command> [options]` and `python -m envcheck <command>`."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        try:
            _print_overview()
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        return exitcodes.OK if argv else exitcodes.USAGE
    if argv[0] == "--version":
        print(f"envcheck {__version__}")
        return exitcodes.OK
    name = argv[0]
    if name not in COMMANDS:
        _say("envcheck", _("error: unknown command {name} (commands: {commands})").format(
            name=repr(name), commands=", ".join(COMMANDS)))
        return exitcodes.USAGE
    return run_command(name, argv[1:], prog=f"envcheck {name}")


def _print_overview() -> None:
    width = max(len(name) for name in COMMANDS)
    lines = [
        f"usage: envcheck <command> [options]   (envcheck {__version__})",
        "",
        *_("Is this Python environment ready for TensorFlow? Each command does one thing;\n"
           "stdout is data, stderr is talk. Exit codes: 0 holds, 1 does not, 2 bad usage,\n"
           "3 envcheck itself failed, 130 interrupted.").splitlines(),
        "",
        _("commands:"),
    ]
    lines += [f"  {name.ljust(width)}  {translate(summary)}" for name, (_module, summary) in COMMANDS.items()]
    lines += ["", _("Run `{command}` for a command's options.").format(command="envcheck <command> --help")]
    sys.stdout.write("\n".join(lines) + "\n")


def _say(prog: str, message: str) -> None:
    sys.stderr.write(f"{prog}: {message}\n")


FORCED_EXIT_AFTER = 10.0  # seconds from Ctrl-C to a forced exit, should envcheck still be running
_interrupt_said: list = []  # set once "interrupted" is on stderr, so a forced exit does not say it twice


def _arm_ctrl_c_watchdog(prog: str) -> None:
    """Ctrl-C raises KeyboardInterrupt as always, and also starts a timer: if envcheck has not exited
    FORCED_EXIT_AFTER seconds later (a wait that KeyboardInterrupt could not end), the timer kills every
    child tree and exits 130 itself. Ctrl-C must never turn into a hang. Main thread only."""
    import _signal  # the C module behind `signal`, whose import pulls in enum (~3 ms on the fast paths)

    if _signal.getsignal(_signal.SIGINT) is not _signal.default_int_handler:
        return  # someone embedding envcheck chose their own handling

    def on_ctrl_c(signum, frame):
        import threading  # only once Ctrl-C came: ~0.5 ms the fast paths do not otherwise pay

        timer = threading.Timer(FORCED_EXIT_AFTER, _forced_exit, args=(prog,))
        timer.daemon = True
        timer.start()
        raise KeyboardInterrupt

    try:
        _signal.signal(_signal.SIGINT, on_ctrl_c)
    except ValueError:  # not the main thread: only the main thread may handle signals
        pass


def _forced_exit(prog: str) -> None:
    """The watchdog's end: no lock the stuck main thread may hold is taken (os.write, not sys.stderr)."""
    runner = sys.modules.get("envcheck.runner")
    if runner is not None:
        runner.kill_all_now()
    if not _interrupt_said:
        os.write(2, f"{prog}: interrupted\n".encode())
    os._exit(exitcodes.INTERRUPTED)


def _stop_children() -> None:
    """After Ctrl-C: stop every child envcheck started (threads may still wait on them) and start no more."""
    runner = sys.modules.get("envcheck.runner")  # not imported: no child was ever started
    if runner is not None:
        runner.stop_all()


def _silence_stdout() -> None:
    """After the reader closed the pipe, point stdout at /dev/null so exit-time flushes stay quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError):
        pass  # stdout is already gone (or was never open): nothing left to protect


def _entry(name: str):
    def entry() -> None:
        sys.exit(run_command(name))

    entry.__name__ = "main_" + name.replace("-", "_")
    return entry


def main_envcheck() -> None:
    sys.exit(main())


main_list_tf_packages = _entry("list-tf-packages")
main_count_packages = _entry("count-packages")
main_check_cuda = _entry("check-cuda")
main_doctor = _entry("doctor")
main_report = _entry("report")
main_verify = _entry("verify")
main_smoke_train = _entry("smoke-train")
main_check_code = _entry("check-code")
main_summarize = _entry("summarize")
main_fleet = _entry("fleet")
