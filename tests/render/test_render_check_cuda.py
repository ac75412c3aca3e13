"""check-cuda's renderer on a typed CudaReport built from captured facts (no probe runs)."""

from __future__ import annotations

from envcheck import target
from envcheck.checks.cuda import CudaReport
from envcheck.diagnose import cuda as rules
from envcheck.probes import gpu as gpu_probe
from envcheck.render import check_cuda as renderer

from helpers import FIXTURES, H200

DERIVED = FIXTURES.parent / "derived"


def report_for(xml: str) -> CudaReport:
    driver, rows = gpu_probe.parse_nvidia_smi_csv((H200 / "nvidia-smi-query.txt").read_text())
    _, detailed = gpu_probe.parse_nvidia_smi_xml((DERIVED / xml).read_text())
    gpu = gpu_probe.GpuFacts(
        gpu_probe.SMI_CSV, gpu_probe.with_health(rows, detailed), driver._replace(cuda_version="13.0")
    )
    facts = rules.CudaFacts(gpu=gpu)
    found = rules.diagnose(facts, {}, {})
    ready = rules.ready(facts, found)
    return CudaReport(
        ready,
        rules.headline(facts, found, ready),
        target.current(),
        gpu,
        (True,),
        (),
        (),
        None,
        {},
        {"platform": "linux"},
        {"kind": None, "device_nodes": []},
        tuple(found),
        {},
    )


def test_text_puts_the_cause_first_and_a_health_row_under_the_gpu():
    lines = renderer.text(report_for("h200-q-x-throttled.xml")).splitlines()
    assert lines[0].startswith("✓ GPU ready: 1 × NVIDIA H200")
    assert lines[2].startswith("  GPU        1 × NVIDIA H200")
    assert lines[3] == "  Health     GPU 0: slowed: hw_thermal_slowdown, hw_power_brake_slowdown"
    assert "  ! GPU_THROTTLED  GPU clocks are slowed by heat or power" in "\n".join(lines)


def test_a_healthy_gpu_has_no_health_row():
    text = renderer.text(report_for("../hosts/h200-driver580-cuda13/nvidia-smi-q-x.txt"))
    assert "Health" not in text and text.startswith("✓ GPU ready")


def test_rich_markup_escapes_and_colours_the_verdict():
    markup = renderer.rich_text(report_for("h200-q-x-mig-no-instances.xml"))
    assert markup.startswith("[bold bold red]✗ not ready: no usable GPU: GPU 0 (NVIDIA H200, 00000000:00:06.0)")
    assert "[bold]Health    [/] GPU 0: MIG on, 0 MIG device(s)" in markup
    assert "\\[from nvidia-smi --query-gpu]" in markup  # rich markup escaped


def test_ascii_marks_for_consoles_that_cannot_print_them():
    text = renderer.text(report_for("h200-q-x-exclusive-busy.xml"), ascii=True)
    assert text.startswith("[x] not ready: no usable GPU: GPU 0")
    assert "  [x] GPU_EXCLUSIVE_BUSY  GPU 0 (NVIDIA H200, 00000000:00:06.0) is in EXCLUSIVE_PROCESS" in text
    assert "✗" not in text and "✓" not in renderer.text(report_for("h200-q-x-throttled.xml"), ascii=True)
