"""Reading a file the user named on the command line (a profile, a saved report, a requirements file).

One helper, so every command refuses the same hostile inputs the same way, at once, with one line
(exit 2): `/dev/zero`, a FIFO or a terminal would never end a plain `read()` (or would fill memory),
a directory or a missing file cannot be read, and anything over `MAX_BYTES` is not a hand-written
input. Regular files only; the size is checked before reading and again while reading (a file that
grows past the cap while read is refused too).
"""

from __future__ import annotations

import os
import stat

from envcheck.errors import UsageError

MAX_BYTES = 16 * 1024 * 1024  # 16 MiB: far above any profile, report or requirements file


def read_user_file(path: str, what: str, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file at `path`, which the user named as `what` (e.g. "--profile").

    Raises UsageError (exit 2, one line naming `what`, the path and the reason) when the path is
    missing or unreadable (the OS error's words), is not a regular file (a directory, a FIFO, a
    device such as /dev/zero, a socket), or holds more than `max_bytes`. Never blocks on a FIFO:
    it is opened with O_NONBLOCK and checked with fstat before anything is read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)  # O_BINARY: Windows
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise UsageError(f"{what} {path}: cannot read: {_reason(error)}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(
                f"{what} {path}: not a regular file ({_kind(info.st_mode)}), so it cannot be read as input"
            )
        if info.st_size > max_bytes:
            raise UsageError(f"{what} {path}: too large ({_size(info.st_size)}; at most {_size(max_bytes)})")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1024 * 1024)
            if not chunk:
                break
            total += len(chunk)
            if total > max_bytes:
                raise UsageError(f"{what} {path}: too large (over {_size(max_bytes)})")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as error:
        raise UsageError(f"{what} {path}: cannot read: {_reason(error)}") from None
    finally:
        os.close(fd)


def read_user_text(path: str, what: str, max_bytes: int = MAX_BYTES) -> str:
    """read_user_file() decoded as UTF-8 (a BOM is dropped); UsageError when it is not UTF-8 text."""
    data = read_user_file(path, what, max_bytes)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(f"{what} {path}: not UTF-8 text (byte {error.start})") from None


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def _kind(mode: int) -> str:
    for test, words in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return words
    return "not a regular file"


def _size(n: int) -> str:
    mib = 1024 * 1024
    return f"{n // mib} MiB" if n and n % mib == 0 else f"{n} bytes"
