"""The interpreter cache behind `--python`: reused while nothing changed, asked again whenever the answer could.

Real virtual environments made with `python -m venv`; the cache lives in a folder of each test
(XDG_CACHE_HOME). "Asked" counts how often the target interpreter was started.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envcheck import target
from envcheck.probes import python_cache

from helpers import run_cli

PY = f"python{sys.version_info[0]}.{sys.version_info[1]}"
PATH_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "PYTHONNOUSERSITE", "PYTHONUSERBASE", "PYTHONSAFEPATH",
                  "PYTHONPLATLIBDIR")


def make_venv(root: Path, *options: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", *options, str(root)], check=True,
                   capture_output=True)
    return root


def settle(*roots: Path) -> None:
    """Date every file under roots an hour back: older than the cache's racy window, as a venv is
    a few seconds after it was made."""
    past = time.time() - 3600
    for root in roots:
        for folder, dirs, files in os.walk(root):
            for name in dirs + files:
                os.utime(os.path.join(folder, name), (past, past), follow_symlinks=False)
        os.utime(root, (past, past))


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    for name in PATH_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return folder / "envcheck"


@pytest.fixture
def asked(monkeypatch) -> list[str]:
    """Each interpreter start, by executable."""
    calls: list[str] = []
    real = target._answer

    def counting(executable):
        calls.append(executable)
        return real(executable)

    monkeypatch.setattr(target, "_answer", counting)
    return calls


@pytest.fixture
def venv(tmp_path) -> Path:
    root = make_venv(tmp_path / "venv")
    settle(root)
    return root


def site_of(venv: Path) -> Path:
    return venv / "lib" / PY / "site-packages"


def test_second_run_reuses_the_answer(cache, asked, venv):
    first = target.resolve(str(venv))
    second = target.resolve(str(venv))
    assert len(asked) == 1
    assert second.path == first.path and str(site_of(venv)) in second.path
    assert (second.executable, second.version, second.prefix, second.base_prefix, second.platform) == (
        first.executable, first.version, first.prefix, first.base_prefix, first.platform)
    assert len(list((cache / python_cache.FOLDER).iterdir())) == 1


def test_a_pth_file_added_is_seen(cache, asked, venv, tmp_path):
    target.resolve(str(venv))
    extra = tmp_path / "extra"
    extra.mkdir()
    (site_of(venv) / "extra.pth").write_text(f"{extra}\n")
    assert str(extra) in target.resolve(str(venv)).path
    assert len(asked) == 2


def test_a_pth_file_edited_in_place_is_seen(cache, asked, venv, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    pth = site_of(venv) / "extra.pth"
    pth.write_text(f"{one}\n")
    settle(venv, one, two)
    assert str(one) in target.resolve(str(venv)).path
    assert str(one) in target.resolve(str(venv)).path
    assert len(asked) == 1
    with open(pth, "a") as stream:  # same file, same folder entry: only the file's own stat tells
        stream.write(f"{two}\n")
    assert str(two) in target.resolve(str(venv)).path
    assert len(asked) == 2


def test_pythonpath_changed_is_seen(cache, asked, venv, tmp_path, monkeypatch):
    target.resolve(str(venv))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "lib-a"))
    assert str(tmp_path / "lib-a") in target.resolve(str(venv)).path
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "lib-b"))
    path = target.resolve(str(venv)).path
    assert str(tmp_path / "lib-b") in path and str(tmp_path / "lib-a") not in path
    monkeypatch.delenv("PYTHONPATH")
    assert str(tmp_path / "lib-b") not in target.resolve(str(venv)).path
    assert len(asked) == 4


def test_pythonsafepath_keeps_the_first_entry(cache, asked, venv, tmp_path, monkeypatch):
    """Under PYTHONSAFEPATH `-c` adds no '' to sys.path, so the first entry is a real one to keep."""
    if sys.version_info < (3, 11):
        pytest.skip("PYTHONSAFEPATH is new in Python 3.11")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "first"))
    target.resolve(str(venv))
    monkeypatch.setenv("PYTHONSAFEPATH", "1")
    assert target.resolve(str(venv)).path[0] == str(tmp_path / "first")
    assert len(asked) == 2


def test_venv_recreated_at_the_same_path_is_seen(cache, asked, venv):
    before = target.resolve(str(venv))
    assert not any("site-packages" in entry and not entry.startswith(str(venv)) for entry in before.path)
    shutil.rmtree(venv)
    make_venv(venv, "--system-site-packages")  # same path, another sys.path: the system site follows
    settle(venv)
    after = target.resolve(str(venv))
    assert len(asked) == 2
    assert len(after.path) > len(before.path)
    assert target.resolve(str(venv)).path == after.path and len(asked) == 2


def test_a_user_site_appearing_is_seen(cache, asked, tmp_path, monkeypatch):
    """Outside a venv the user site is on sys.path only once it exists: its appearance must count."""
    if os.environ.get("PYTHONNOUSERSITE"):
        pytest.skip("PYTHONNOUSERSITE is set: this run disables user site-packages")
    base = getattr(sys, "_base_executable", sys.executable)
    if os.path.abspath(base) == os.path.abspath(sys.executable):
        pytest.skip("needs a venv's base interpreter")  # the test suite runs in a venv (README)
    user_base = tmp_path / "userbase"
    monkeypatch.setenv("PYTHONUSERBASE", str(user_base))
    user_site = user_base / "lib" / PY / "site-packages"
    assert str(user_site) not in target.resolve(base).path
    assert str(user_site) not in target.resolve(base).path
    assert len(asked) == 1
    user_site.mkdir(parents=True)
    assert str(user_site) in target.resolve(base).path
    assert len(asked) == 2


def test_files_changed_seconds_ago_are_not_remembered(cache, asked, tmp_path):
    """A venv made just now may still be changing within the file system's timestamp granularity."""
    fresh = make_venv(tmp_path / "fresh")
    target.resolve(str(fresh))
    target.resolve(str(fresh))
    assert len(asked) == 2
    assert not (cache / python_cache.FOLDER).exists()


def test_a_shim_script_is_never_remembered(cache, asked, venv, tmp_path):
    """pyenv's and asdf's shims are scripts that pick a Python by the working directory: ask every time."""
    shim = tmp_path / "shims" / "python"
    shim.parent.mkdir()
    shim.write_text(f"#!/bin/sh\nexec {venv / 'bin' / 'python'} \"$@\"\n")
    shim.chmod(0o755)
    settle(shim.parent)
    assert target.resolve(str(shim)).prefix == str(venv)
    assert target.resolve(str(shim)).prefix == str(venv)
    assert len(asked) == 2 and not cache.exists()


def test_no_cache_asks_every_time(cache, asked, venv):
    target.resolve(str(venv), cache=False)
    target.resolve(str(venv), cache=False)
    assert len(asked) == 2 and not cache.exists()


@pytest.mark.parametrize("garbage", [b"", b"\xff\xfe not text \x00\x00", b"envcheck-interpreter-cache/1\x009999",
                                     b"envcheck-interpreter-cache/1\x002\x00a\x00b\x00end"])
def test_a_corrupt_cache_file_is_a_miss(cache, asked, venv, garbage):
    good = target.resolve(str(venv))
    (entry,) = (cache / python_cache.FOLDER).iterdir()
    entry.write_bytes(garbage)
    assert target.resolve(str(venv)).path == good.path
    assert len(asked) == 2
    entry.write_bytes(entry.read_bytes()[:-10])  # the rewritten entry, cut short
    assert target.resolve(str(venv)).path == good.path
    assert len(asked) == 3


def test_an_unwritable_or_unreadable_cache_is_ignored(tmp_path, asked, venv, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert str(site_of(venv)) in target.resolve(str(venv)).path
    assert str(site_of(venv)) in target.resolve(str(venv)).path
    assert len(asked) == 2
    # The entry's name taken by a folder: cannot be read, cannot be replaced.
    xdg = tmp_path / "xdg2"
    monkeypatch.setenv("XDG_CACHE_HOME", str(xdg))
    os.makedirs(python_cache._file(str(xdg / "envcheck"), str(venv / "bin" / "python")))
    assert str(site_of(venv)) in target.resolve(str(venv)).path
    assert len(asked) == 3


def test_concurrent_runs_share_one_valid_entry(cache, venv):
    """Six count-packages at once, all missing the cache and writing it: each answers, the entry is whole."""
    argv = [sys.executable, "-m", "envcheck", "count-packages", "--python", str(venv)]
    env = {**os.environ, "XDG_CACHE_HOME": str(cache.parent)}
    runs = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            for _ in range(6)]
    answers = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0] * 6, answers
    assert {out for out, _ in answers} == {"0\n"} and not any(err for _, err in answers)
    entries = sorted(path.name for path in (cache / python_cache.FOLDER).iterdir())
    assert len(entries) == 1 and not entries[0].endswith(".tmp")
    fields = python_cache.key(str(venv / "bin" / "python"))
    assert python_cache.load(str(venv / "bin" / "python"), fields)["path"][-1] == str(site_of(venv))


def test_concurrent_writers_in_threads(cache, venv):
    from concurrent.futures import ThreadPoolExecutor  # this test only

    executable = str(venv / "bin" / "python")
    fields = python_cache.key(executable)
    answers = [{"executable": executable, "version": [3, 11, i], "implementation": "cpython",
                "path": [str(site_of(venv))], "prefix": str(venv), "base_prefix": "/usr", "platform": "linux"}
               for i in range(20)]
    with ThreadPoolExecutor(8) as pool:
        written = list(pool.map(lambda answer: python_cache.store(executable, fields, answer, time.time_ns()),
                                answers))
    assert all(written)
    assert python_cache.load(executable, fields)["version"][:2] == [3, 11]
    assert [path.name for path in (cache / python_cache.FOLDER).iterdir() if path.name.endswith(".tmp")] == []


def test_count_packages_no_cache_option(cache, venv):
    result = run_cli("count-packages", "--python", str(venv), "--no-cache", env={"XDG_CACHE_HOME": str(cache.parent)})
    assert (result.returncode, result.stdout) == (0, "0\n")
    assert not cache.exists()
    result = run_cli("count-packages", "--python", str(venv), env={"XDG_CACHE_HOME": str(cache.parent)})
    assert (result.returncode, result.stdout) == (0, "0\n")
    assert len(list((cache / python_cache.FOLDER).iterdir())) == 1


def test_every_command_with_python_honours_no_cache():
    """--no-cache comes with --python (add_python_option), and each command passes it on to target.resolve."""
    import ast
    from pathlib import Path

    from envcheck.cli import COMMANDS

    cli = Path(target.__file__).parent / "cli"
    for command in COMMANDS:
        if "--python" not in run_cli(command, "--help").stdout:
            continue
        assert "--no-cache" in run_cli(command, "--help").stdout, command
        module = (cli / (COMMANDS[command][0].rsplit(".", 1)[1] + ".py")).read_text()
        calls = [node for node in ast.walk(ast.parse(module)) if isinstance(node, ast.Call)
                 and getattr(node.func, "attr", None) == "resolve"]
        assert calls and all(any(k.arg == "cache" for k in call.keywords) for call in calls), command


def test_changing_what_the_interpreter_is_asked_changes_the_format():
    """An answer remembered by an older envcheck must not be read as an answer to a newer question."""
    assert (zlib.crc32(target._ASK.encode()), python_cache.FORMAT) == (0x3A159DE9, "envcheck-interpreter-cache/2"), (
        "target._ASK changed: bump python_cache.FORMAT and the checksum here")


@pytest.mark.parametrize("xdg", [None, "", "relative/cache", "/somewhere/cache"])
def test_cache_folder_follows_platformdirs(xdg, monkeypatch, tmp_path):
    """The user cache folder platformdirs gives: the copy pip vendors (4.x with pip 26) is the reference."""
    from pip._vendor.platformdirs import macos, unix  # the reference implementation, test only

    monkeypatch.setenv("HOME", str(tmp_path))
    if xdg is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert python_cache.cache_dir(platform="linux") == unix.Unix("envcheck", appauthor=False).user_cache_dir
    assert python_cache.cache_dir(platform="darwin") == macos.MacOS("envcheck", appauthor=False).user_cache_dir
    windows = python_cache.cache_dir({"LOCALAPPDATA": r"C:\Users\me\AppData\Local"}, platform="win32")
    assert windows.replace("/", "\\") == r"C:\Users\me\AppData\Local\envcheck\Cache"
    assert python_cache.cache_dir({}, platform="win32") is None


def test_a_remembered_answer_costs_no_json_re_or_child(cache, venv):
    """The point of the cache: `count-packages --python` answered from it starts no interpreter and
    imports neither json (which imports re) nor anything heavy."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache.parent)}
    argv = [sys.executable, "-X", "importtime", "-m", "envcheck", "count-packages", "--python", str(venv)]
    subprocess.run(argv, capture_output=True, check=True, env=env)  # fills the cache
    done = subprocess.run(argv, capture_output=True, text=True, check=True, env=env)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert done.stdout == "0\n"
    unwanted = {"json", "re", "subprocess", "tempfile", "platformdirs", "rich", "packaging"}
    assert not imported & unwanted, sorted(imported)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("py 3.12-64arm\t\u0663\u2003x")), max_size=12)
       | st.sampled_from(["3.11", "3.11-64", "3.12-arm64", "py -3.11", "py  -3.9-32", "3.", "3.1-", "py3.11"]))
def test_version_requests_are_read_without_re_exactly_as_the_pattern_reads_them(text):
    """`--python 3.11` is recognised by plain string work (no `re` on the --python path), pinned to the regex."""
    import re  # the reference, test only

    match = re.fullmatch(target._VERSION_REQUEST, text)
    expected = (match.group(1), match.group(2) or "") if match else None
    assert target.version_request(text) == expected


@pytest.mark.parametrize("kind", ["fifo", "link to /dev/zero"])
def test_a_cache_entry_that_is_not_a_regular_file_is_a_miss_not_a_hang(cache, asked, venv, kind):
    """A FIFO nobody writes to (open blocks) or a link to /dev/zero (read never ends) where the entry was."""
    import threading

    good = target.resolve(str(venv))
    (entry,) = (cache / python_cache.FOLDER).iterdir()
    entry.unlink()
    if kind == "fifo":
        os.mkfifo(entry)
    else:
        entry.symlink_to("/dev/zero")
    answers: list = []
    worker = threading.Thread(target=lambda: answers.append(target.resolve(str(venv))), daemon=True)
    worker.start()
    worker.join(30)
    assert answers and answers[0].path == good.path, "resolving hung on the cache entry"
    assert len(asked) == 2


def test_python_naming_an_executable_fifo_is_bad_input_not_a_hang(tmp_path):
    fifo = tmp_path / "python"
    os.mkfifo(fifo)
    fifo.chmod(0o755)
    result = run_cli("count-packages", "--python", str(fifo), timeout=60)
    assert result.returncode == 2 and "not a regular file" in result.stderr, result.stderr
