"""The errors that map to exit code 2: bad usage or bad input, and output that cannot be written."""


class UsageError(Exception):
    """Raised for bad usage or bad input; the CLI prints it on one line and exits 2."""


class OutputError(UsageError):
    """The answer could not be written (stdout on a full disk, an -o FILE in a missing directory): exit 2.

    Not a bug and not a closed pipe: the user's surroundings, named with the OS error on one line.
    """

    where = ""  # "stdout", or the option and path: "-o report.md"

    @classmethod
    def of(cls, where: str, error: OSError) -> "OutputError":
        made = cls(f"cannot write {where}: {error.strerror or error}")
        made.where = where
        return made
