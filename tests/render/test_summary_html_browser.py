"""summarize --format html, opened in a real headless browser (Debian's chromium, see .ci/system-packages).

Checked by what the browser shows: the host rows and the chart's bars are in the rendered DOM, a
hostile host name stays text, and a screenshot has the bars painted in their colours with lengths in
proportion to the number of hosts per finding. The page fetches nothing (no network is needed).
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser

import pytest

import summary_worlds as summary_worlds_module
from helpers import run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")


def browser(tmp_path, *args: str) -> subprocess.CompletedProcess:
    """Headless chromium with nothing that reaches out (no sync, updates, QUIC or background networking)."""
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.iterdir()))}"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", *args]
    return subprocess.run(command, check=False, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)


class Shown(HTMLParser):
    """What the rendered DOM holds: host rows (label, cells), chart bars (finding, hosts, width), scripts."""

    def __init__(self):
        super().__init__()
        self.rows, self.bars, self.scripts, self.headline = [], [], 0, ""
        self._row, self._cell, self._bar, self._in_headline = None, None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1
        elif tag == "tr" and "data-label" in attrs:
            self._row = {"label": attrs["data-label"], "status": attrs.get("class"), "cells": []}
        elif tag == "td" and self._row is not None:
            self._cell = ""
        elif tag == "g" and attrs.get("class") == "bar":
            self._bar = {"finding": attrs["data-finding"], "hosts": int(attrs["data-hosts"])}
        elif tag == "rect" and self._bar is not None:
            self._bar["width"] = float(attrs["width"])
            self._bar["fill"] = attrs["fill"]
        elif tag == "p" and attrs.get("id") == "headline":
            self._in_headline = True

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row["cells"].append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag == "g" and self._bar is not None:
            self.bars.append(self._bar)
            self._bar = None
        elif tag == "p":
            self._in_headline = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._in_headline:
            self.headline += data


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit RGB/RGBA, non-interlaced PNG (what chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    step = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(b"".join(chunks)), width * step, [], bytearray(width * step)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                guess = left + up - corner
                near = min((abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - corner), 2, corner))
                line[i] = (line[i] + near[2]) & 255
        rows.append(bytes(b for i, b in enumerate(line) if i % step < 3))
        previous = line
    return width, height, rows


def colour_count(rows: list[bytes], hex_colour: str) -> int:
    target = bytes.fromhex(hex_colour.lstrip("#"))
    return sum(1 for row in rows for i in range(0, len(row), 3) if row[i:i + 3] == target)


@pytest.fixture
def page(summary_worlds, tmp_path):
    """The HTML page for the worlds' hand-ins plus a broken one and a hostile host name."""
    folder = summary_worlds_module.copy_to(summary_worlds, tmp_path / "handins")
    (folder / "half.json").write_bytes(summary_worlds["gpu-node01"].read_bytes()[:300])
    hostile = dict(json.loads(summary_worlds["cpu-laptop"].read_text()), host={"name": "<script>alert(1)</script>"})
    (folder / "hostile.json").write_text(json.dumps(hostile))
    result = run_cli("summarize", "--format", "html", "-o", str(tmp_path / "summary.html"), str(folder))
    assert result.returncode == 1, result.stderr
    summary = json.loads(run_cli("summarize", "--format", "json", str(folder)).stdout)
    return tmp_path / "summary.html", summary


def test_the_browser_shows_every_host_row_and_a_bar_per_finding(page, tmp_path):
    path, summary = page
    html = path.read_text()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    dom = browser(tmp_path, "--dump-dom", path.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    shown = Shown()
    shown.feed(dom.stdout.decode())
    ready, total, not_ready = summary["ready"], summary["total"], summary["not_ready"]
    assert shown.headline == f"{ready} of {total} ready · {not_ready} not ready · 1 unreadable"
    assert [row["label"] for row in shown.rows] == [host["label"] for host in summary["hosts"]]
    by_label = {row["label"]: row for row in shown.rows}
    node = by_label["gpu-node01"]["cells"]
    assert node[:2] == ["gpu-node01", "ready"] and "580.159.04" in node
    assert by_label["half"]["status"] == "unreadable" and "truncated" in by_label["half"]["cells"][-1]
    assert by_label["<script>alert(1)</script>"]["cells"][0] == "<script>alert(1)</script>"  # text, not a tag
    assert shown.scripts == 0
    expected = {code: finding["count"] for code, finding in summary["findings"].items()}
    expected["(unreadable)"] = 1
    assert {bar["finding"]: bar["hosts"] for bar in shown.bars} == expected
    most = max(expected.values())
    for bar in shown.bars:
        assert bar["width"] == pytest.approx(max(2, round(360 * bar["hosts"] / most)))


def test_a_screenshot_has_the_bars_painted_in_proportion_to_their_hosts(page, tmp_path):
    path, _ = page
    shot = tmp_path / "shot.png"
    result = browser(tmp_path, "--window-size=1200,1000", "--hide-scrollbars", f"--screenshot={shot}", path.as_uri())
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 1000)
    assert len({row[i:i + 3] for row in rows[::7] for i in range(0, len(row), 21)}) > 10  # not a blank page
    shown = Shown()
    shown.feed(path.read_text())
    for fill in {bar["fill"] for bar in shown.bars}:
        painted = colour_count(rows, fill)
        drawn = sum(bar["width"] * 22 for bar in shown.bars if bar["fill"] == fill)
        assert painted == pytest.approx(drawn, rel=0.05), fill
