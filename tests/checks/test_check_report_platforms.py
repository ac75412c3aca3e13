"""Redaction on Windows and macOS: C:\\Users\\<name>, USERPROFILE, USERNAME, COMPUTERNAME, either slash, any
case, doubled backslashes (a repr in an error message), and macOS /Users/<name>; pip.ini where Windows keeps it."""

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


def test_pip_config_files_per_platform():
    win = report.pip_config_files(WINDOWS_ENV, r"C:\Users\Kim.Minji\.venv", platform="win32")
    assert [f.replace("\\", "/").split("/")[-2:] for f in win] == [["pip", "pip.ini"]] * 3 + [[".venv", "pip.ini"]]
    assert win[0].startswith(r"C:\ProgramData") and win[2].startswith(WINDOWS_ENV["APPDATA"])
    mac = report.pip_config_files({"HOME": "/Users/choi"}, "/Users/choi/.venv", platform="darwin")
    assert "/Users/choi/Library/Application Support/pip/pip.conf" in mac
    linux = report.pip_config_files({"HOME": "/home/ada"}, "/home/ada/.venv", platform="linux")
    assert linux[:2] == ["/etc/xdg/pip/pip.conf", "/etc/pip.conf"] and not any("Library" in f for f in linux)


def test_pip_ini_on_windows_is_read(tmp_path):
    appdata = tmp_path / "AppData" / "Roaming"
    (appdata / "pip").mkdir(parents=True)
    (appdata / "pip" / "pip.ini").write_text("[global]\nindex-url = https://kim:pw@idx.example/simple\n")
    env = {"APPDATA": str(appdata), "USERPROFILE": str(tmp_path)}
    settings = report.pip_index_settings(env, str(tmp_path / "venv"), platform="win32")
    assert [(s["key"], s["value"]) for s in settings] == [("index-url", "https://kim:pw@idx.example/simple")]
