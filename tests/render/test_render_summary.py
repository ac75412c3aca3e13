"""render.summary: the text, markdown and HTML views of a Summary built from records (no I/O)."""

from __future__ import annotations

from envcheck.diagnose import summary as rules
from envcheck.model import Finding
from envcheck.render import summary as view
from envcheck.render import summary_html

NO_GPU = Finding("NO_GPU", "warning", "No NVIDIA GPU is present.", "Use a GPU machine.")


def cluster(size: int) -> rules.Summary:
    hosts = [rules.Host(f"node{i:03d}", rules.NOT_READY, f"node{i:03d}.json", python="3.11.7",
                        driver="580.159.04" if i % 10 else "570.172.08", findings=(NO_GPU,)) for i in range(size)]
    return rules.summarize(hosts)


def test_long_host_lists_are_shortened_in_text_and_complete_in_json():
    summary = cluster(300)
    text = view.text(summary)
    assert "! NO_GPU  300 hosts: node000, node001, " in text and ", … and 280 more\n" in text
    assert "driver: 580.159.04 ×270, 570.172.08 ×30 (node000, node010, " in text and "… and 10 more)" in text
    assert len(summary.to_dict()["findings"]["NO_GPU"]["hosts"]) == 300


def test_text_rows_are_aligned_and_carry_no_trailing_space():
    lines = view.text(cluster(3)).splitlines()
    header, first = lines[2], lines[3]
    assert header.index("status") == first.index("not ready") and header.index("driver") == first.index("570.172.08")
    assert all(line == line.rstrip() for line in lines)


def test_markdown_and_html_escape_what_hosts_send():
    hostile = rules.Host("a|b <img src=x onerror=alert(1)>", rules.UNREADABLE, "x", problem="not JSON | <b>")
    summary = rules.summarize([hostile])
    assert "| a\\|b <img src=x onerror=alert(1)> | unreadable |" in view.markdown(summary)
    page = summary_html.page(summary)
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;b&gt;" in page
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")
