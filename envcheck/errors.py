"""The one error that maps to exit code 2: bad usage or bad input."""


class UsageError(Exception):
    """Raised for bad usage or bad input; the CLI prints it on one line and exits 2."""
