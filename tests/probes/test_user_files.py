"""read_user_file: every input the user names is a regular file of sane size, or one line and exit 2."""

from __future__ import annotations

import os

import pytest

from envcheck.errors import UsageError
from envcheck.probes.files import MAX_BYTES, read_user_file, read_user_text


def test_reads_a_regular_file(tmp_path):
    path = tmp_path / "p.toml"
    path.write_bytes(b"[profile]\nname = 'x'\n")
    assert read_user_file(str(path), "--profile") == b"[profile]\nname = 'x'\n"


def test_drops_a_utf8_bom_and_refuses_other_encodings(tmp_path):
    path = tmp_path / "r.json"
    path.write_bytes("\ufeff{}".encode())
    assert read_user_text(str(path), "--from") == "{}"
    path.write_bytes(b"\xff\xfe{\x00}\x00")
    with pytest.raises(UsageError, match=r"--from .*: not UTF-8 text"):
        read_user_text(str(path), "--from")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_devices_are_refused_at_once(device):
    if not os.path.exists(device):
        pytest.skip(f"{device} missing on this system (root-less container)")
    with pytest.raises(UsageError, match=rf"--profile {device}: not a regular file \(a character device\)"):
        read_user_file(device, "--profile")


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # nobody writes to it: a plain open() would block forever
    with pytest.raises(UsageError, match=r"not a regular file \(a FIFO\)"):
        read_user_file(str(fifo), "--from")


def test_a_directory_and_a_missing_file_say_why(tmp_path):
    with pytest.raises(UsageError, match=r"not a regular file \(a directory\)"):
        read_user_file(str(tmp_path), "--profile")
    with pytest.raises(UsageError, match=r"cannot read: No such file or directory"):
        read_user_file(str(tmp_path / "absent"), "--profile")


def test_too_large_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as stream:
        stream.truncate(MAX_BYTES + 1)  # sparse: no disk used
    with pytest.raises(UsageError, match=r"too large \(16777217 bytes; at most 16 MiB\)"):
        read_user_file(str(big), "--from")
    small = tmp_path / "small"
    small.write_bytes(b"x" * 11)
    with pytest.raises(UsageError, match=r"too large \(11 bytes; at most 10 bytes\)"):
        read_user_file(str(small), "--from", max_bytes=10)
