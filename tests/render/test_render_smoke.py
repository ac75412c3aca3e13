"""smoke-train's renderers: pure functions from the result dict to lines."""

from __future__ import annotations

from envcheck.model import SmokeReport


def test_sparkline_follows_the_loss_down_on_a_log_scale():
    from envcheck.render.smoke import sparkline

    curve = [[i, 0.7 * 0.9**i] for i in range(100)]
    line = sparkline(curve, width=20)
    assert line[0] == "█" and line[-1] == "▁" and list(line) == sorted(line, reverse=True)
    assert sparkline([]) == "" and sparkline([[0, None]]) == ""


def test_a_crash_reads_as_plain_lines_with_the_fix():
    from envcheck.render.smoke import text_lines

    result = {"passed": False, "backend": "tensorflow", "task": "xor", "activation": "relu",
              "failure": "the training child crashed (SIGILL: illegal instruction) while importing TensorFlow",
              "fix": "reinstall", "checks": [{"name": "run", "passed": False, "detail": "crashed (SIGILL)"}],
              "timings": {"wall_s": 0.5}}
    assert text_lines(SmokeReport.from_dict(result)) == [
        "run     FAIL  crashed (SIGILL)",
        "time    total 0.50 s",
        "fix     reinstall",
        "result  FAIL  XOR with TensorFlow (failed: run)",
    ]
