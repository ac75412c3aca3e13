"""Columns that stay aligned when a label is Korean: Hangul takes two terminal columns per character."""

from __future__ import annotations

from envcheck.render import ljust, width


def test_hangul_counts_two_columns_and_ascii_one():
    assert width("loss") == 4
    assert width("손실") == 4
    assert width("GPU 준비됨") == 10
    assert width("‖g‖ →") == 5  # narrow symbols stay one column


def test_ljust_pads_to_the_same_column_in_both_scripts():
    rows = [ljust("결과", 10) + "|", ljust("result", 10) + "|", ljust("라이브러리", 10) + "|"]
    assert {width(row) for row in rows} == {11}
    assert ljust("너무 긴 라벨입니다", 4) == "너무 긴 라벨입니다"  # never cut
