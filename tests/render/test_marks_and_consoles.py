"""The one marks table and its ASCII fallback, decided per stream from the stream's encoding."""

from __future__ import annotations

import io
import json

import pytest

from envcheck import render
from envcheck.errors import OutputError
from envcheck.model import Finding


def stream(encoding: str, errors: str = "strict") -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors=errors, write_through=True)


def written(s: io.TextIOWrapper) -> bytes:
    return s.buffer.getvalue()


def test_one_table_gives_every_status_a_mark_an_ascii_mark_and_a_style():
    assert {status: (render.mark(status), render.mark(status, ascii=True)) for status in render.MARKS} == {
        "ok": ("✓", "[ok]"),
        "error": ("✗", "[x]"),
        "warning": ("!", "[!]"),
        "info": ("i", "[i]"),
    }
    assert render.boxed("ok") == "[✓]" and render.boxed("ok", ascii=True) == "[ok]"
    assert render.style("error") == "bold red" and render.mark("nonsense", True) == "[?]"


@pytest.mark.parametrize(
    "encoding, ascii_marks",
    [
        ("utf-8", False),
        ("UTF8", False),
        ("utf-16", False),
        ("ascii", True),
        ("cp949", True),
        ("latin-1", True),
        ("cp1252", True),
        ("ANSI_X3.4-1968", True),  # what LC_ALL=C gives without UTF-8 mode
    ],
)
def test_the_marks_fall_back_where_the_stream_cannot_encode_them(encoding, ascii_marks):
    assert render.ascii_marks(stream(encoding)) is ascii_marks


def test_cp949_keeps_korean_and_the_symbols_it_has_and_replaces_only_the_rest():
    korean = "학습 실패: 계단 함수는 역전파로 학습할 수 없습니다"
    line = f"✓ {korean} 0.700 → 0.004 ‖g‖ 0.21 · ▁▂█"
    fitted = render.fit(line, stream("cp949"))
    assert fitted == f"[ok] {korean} 0.700 → 0.004 |g| 0.21 · _.#"
    fitted.encode("cp949")  # every character is printable there now


def test_ascii_and_latin1_get_every_symbol_in_ascii_and_keep_the_rest_of_the_text():
    line = "✗ Python — 3.11 (3.10–3.13) ≥ 6.0 · 1 × H200 … loss ▇▆▅▄▃▂▁"
    assert render.fit(line, stream("ascii")) == "[x] Python - 3.11 (3.10-3.13) >= 6.0 - 1 x H200 ... loss *+=~-._"
    assert render.fit("café ✓ 1 × 2", stream("latin-1")) == "café [ok] 1 × 2"  # latin-1 has é and ×
    assert render.fit("✓ → ‖", stream("utf-8")) == "✓ → ‖"
    assert render.fit("▁▄█ ─", stream("cp437")) == "_~# ─"  # cp437 has ▄ and █ but not ▁: the sparkline goes whole


def test_text_that_has_no_ascii_form_is_escaped_never_lost_or_fatal():
    out = stream("ascii")
    render.protect(out)
    out.write(render.fit("ok ✓ 한국어 \u00e9", out))
    assert written(out) == b"ok [ok] \\ud55c\\uad6d\\uc5b4 \\xe9"


def test_protect_leaves_utf8_streams_and_explicit_error_handlers_alone():
    utf8, chosen = stream("utf-8"), stream("ascii", errors="replace")
    render.protect(utf8)
    render.protect(chosen)
    assert utf8.errors == "strict" and chosen.errors == "replace"


@pytest.mark.parametrize("encoding", ["ascii", "cp949", "latin-1", "utf-8"])
def test_json_stays_valid_json_on_every_stream(monkeypatch, encoding):
    out = stream(encoding)
    monkeypatch.setattr("sys.stdout", out)
    data = {"schema": "x/1", "summary": "✓ 학습 0.7 → 0.1 ‖g‖"}
    render.write_json(data)
    raw = written(out)
    assert json.loads(raw.decode(encoding)) == data
    assert raw.isascii() is (encoding != "utf-8")


def test_write_and_write_lines_fit_the_symbols_to_stdout(monkeypatch):
    out = stream("ascii")
    monkeypatch.setattr("sys.stdout", out)
    render.write("✓ ready")
    render.write_lines(["a → b", "c … d"])
    assert written(out) == b"[ok] ready\na -> b\nc ... d\n"


def test_finding_lines_use_the_table():
    finding = Finding("NO_GPU", "warning", "No GPU.", "Nothing to fix.")
    assert render.finding_lines(finding) == ["  ! NO_GPU  No GPU.", "      Fix: Nothing to fix."]
    assert render.finding_lines(finding, ascii=True)[0] == "  [!] NO_GPU  No GPU."
    from rich.console import Console

    console = Console(file=io.StringIO(), width=200, color_system=None)
    for severity in ("warning", "error", "info"):  # the brackets print: rich must not read [x] as a tag
        console.print(render.finding_markup(finding._replace(severity=severity), ascii=True))
    assert console.file.getvalue().splitlines()[::2] == [
        "  [!] NO_GPU  No GPU.",
        "  [x] NO_GPU  No GPU.",
        "  [i] NO_GPU  No GPU.",
    ]


class _Full(io.RawIOBase):
    def writable(self):
        return True

    def write(self, data):
        raise OSError(28, "No space left on device")


def test_a_full_disk_on_stdout_is_an_output_error_not_a_closed_pipe(monkeypatch):
    monkeypatch.setattr(
        "sys.stdout", io.TextIOWrapper(io.BufferedWriter(_Full()), encoding="utf-8", write_through=True)
    )
    with pytest.raises(OutputError, match="cannot write stdout: No space left on device") as error:
        render.write("42")  # buffered: the disk's answer comes at the latest with the flush
        render.flush()
    assert error.value.where == "stdout"


def test_write_file_names_the_option_the_path_and_the_os_error(tmp_path):
    target = tmp_path / "r.md"
    render.write_file(str(target), "✓ 학습\n", "-o")
    assert target.read_bytes() == "✓ 학습\n".encode()  # files are UTF-8 whatever the console
    missing = tmp_path / "no" / "dir" / "r.md"
    with pytest.raises(OutputError, match=rf"cannot write -o {missing}: No such file or directory"):
        render.write_file(str(missing), "x", "-o")
    with pytest.raises(OutputError, match=r"cannot write --junit-xml .*: Is a directory"):
        render.write_file(str(tmp_path), b"<xml/>", "--junit-xml")


def test_rich_consoles_write_ascii_boxes_and_marks_on_an_ascii_stream(monkeypatch):
    from rich.table import Table

    out = stream("ascii")
    monkeypatch.setattr("sys.stdout", out)
    table = Table(title="✓ ready")
    table.add_column("a → b")
    table.add_row("‖g‖ 0.2")
    render.console().print(table)
    text = written(out).decode("ascii")
    assert "[ok] ready" in text and "a -> b" in text and "|g| 0.2" in text


def test_rich_tables_stay_aligned_when_a_symbol_becomes_two_characters(monkeypatch):
    """`≥` is one column and `>=` two: the text is fitted before rich measures it, not after."""
    from rich.table import Table

    out = stream("ascii")
    monkeypatch.setattr("sys.stdout", out)
    table = Table()
    table.add_column("requirement")
    table.add_column("found")
    table.add_row("[green]✓ pass[/]", "RAM ≥ 4 GiB, disk ≥ 2 GiB")
    table.add_row("[red]✗ fail[/]", "numpy 2.4.6")
    render.console().print(table)
    lines = written(out).decode("ascii").splitlines()
    assert len({len(line) for line in lines}) == 1, lines  # every row as wide as the borders
    assert "[ok] pass" in lines[3] and "RAM >= 4 GiB, disk >= 2 GiB" in lines[3] and "[x] fail" in lines[4]
