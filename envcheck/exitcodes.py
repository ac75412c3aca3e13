"""The exit-code policy every command keeps, in one place (DESIGN.md)."""

OK = 0  # the thing asked holds
NOT_OK = 1  # it does not; the output says why
USAGE = 2  # bad usage or bad input: a one-line error, no traceback
INTERNAL = 3  # envcheck itself failed (a bug): a one-line error; --debug shows the traceback
INTERRUPTED = 130  # Ctrl-C
