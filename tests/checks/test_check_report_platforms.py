"""Redaction on Windows and macOS: C:\\Users\\<name>, USERPROFILE, USERNAME, COMPUTERNAME, either slash, any
case, doubled backslashes (a repr in an error message), and macOS /Users/<name>."""

from __future__ import annotations

import json

import pytest

from envcheck.checks import report

WINDOWS_ENV = {
    "USERPROFILE": r"C:\Users\Kim.Minji",
    "HOMEDRIVE": "C:",
    "HOMEPATH": r"\Users\Kim.Minji",
    "USERNAME": "Kim.Minji",
    "COMPUTERNAME": "LAPTOP-7QX2",
    "APPDATA": r"C:\Users\Kim.Minji\AppData\Roaming",
    "PROGRAMDATA": r"C:\ProgramData",
}


@pytest.fixture
def windows():
    return report.Redactor.for_this_machine(WINDOWS_ENV)


@pytest.mark.parametrize(
    "written",
    [
        r"C:\Users\Kim.Minji\course\.venv\Scripts\python.exe",
        r"c:\users\kim.minji\course\.venv\Scripts\python.exe",
        "C:/Users/Kim.Minji/course/.venv/Scripts/python.exe",
        r"C:\\Users\\Kim.Minji\\course\\.venv\\Scripts\\python.exe",
        r"C:\USERS\KIM.MINJI\course\.venv\Scripts\python.exe",
    ],
)
def test_the_windows_home_becomes_tilde_however_it_is_written(windows, written):
    redacted = windows.text(f"interpreter {written} failed")
    assert "kim" not in redacted.lower(), redacted
    assert redacted.startswith("interpreter ~") and redacted.endswith("python.exe failed")


def test_windows_user_and_computer_names_any_case(windows):
    text = windows.text("built by KIM.MINJI on laptop-7qx2 (LAPTOP-7QX2); Kim.Minjis stays")
    assert text == "built by <user> on <host> (<host>); Kim.Minjis stays"


def test_any_users_folder_is_masked_even_for_another_account(windows):
    text = windows.text(r"D:\Users\lee.seo\data and C:/users/park/x; C:\Users\Public\Documents stays")
    assert text == r"D:\Users\<user>\data and C:/users/<user>/x; C:\Users\Public\Documents stays"
    assert windows.text("/Users/jun/.venv; /Users/Shared/x stays") == "/Users/<user>/.venv; /Users/Shared/x stays"


def test_macos_home_and_user():
    mac = report.Redactor.for_this_machine({"HOME": "/Users/choi", "USER": "choi", "LOGNAME": "choi"})
    assert (
        mac.text("/Users/choi/venv/bin/python3 by choi, /Users/choiyuna/x")
        == "~/venv/bin/python3 by <user>, /Users/<user>/x"
    )


def test_a_whole_windows_report_structure_leaks_nothing(windows):
    data = {
        "python": {"executable": r"C:\Users\Kim.Minji\AppData\Local\Programs\Python\Python311\python.exe"},
        "environment": {
            "PATH": r"C:\Users\Kim.Minji\.venv\Scripts;C:\Windows\system32",
            "VIRTUAL_ENV": r"c:\users\kim.minji\.venv",
        },
        "error": repr(r"C:\Users\Kim.Minji\x.json"),  # what an OSError message shows: doubled backslashes
        r"C:\Users\Kim.Minji": "as a key",
    }
    dumped = json.dumps(windows.data(data))
    assert "kim" not in dumped.lower() and "LAPTOP" not in dumped, dumped
    assert r"~\\.venv\\Scripts;C:\\Windows\\system32" in dumped
