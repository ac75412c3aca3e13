"""check-cuda's output: the verdict first, then the facts, then each finding with its fix.

Renderers take the typed `CudaReport` (envcheck.checks.cuda) and return strings; the CLI writes them.
"""

from __future__ import annotations

from envcheck.diagnose.cuda import describe_gpus
from envcheck.render import finding_lines, finding_markup, mark, style


def text(report, ascii: bool = False) -> str:
    """The report as plain lines: the verdict, the facts, then each finding with its fix (`ascii`: ASCII marks)."""
    lines = [f"{mark('ok' if report.ready else 'error', ascii)} {report.summary}", ""]
    lines += [f"  {label:<10} {value}" for label, value in fact_rows(report)]
    if report.findings:
        lines.append("")
        for finding in report.findings:
            lines += finding_lines(finding, ascii=ascii)
    return "\n".join(lines) + "\n"


def rich_text(report, ascii: bool = False) -> str:
    """The same, as rich markup (terminal only)."""
    from rich.markup import escape  # terminal only

    status = "ok" if report.ready else "error"
    parts = [f"[bold {style(status)}]{escape(mark(status, ascii))} {escape(report.summary)}[/]", ""]
    parts += [f"  [bold]{label:<10}[/] {escape(value)}" for label, value in fact_rows(report)]
    if report.findings:
        parts.append("")
        parts += [finding_markup(finding, ascii=ascii) for finding in report.findings]
    return "\n".join(parts)


def fact_rows(report) -> list[tuple[str, str]]:
    rows = [("GPU", _gpu_text(report))]
    health = _health_text(report)
    if health:
        rows.append(("Health", health))
    rows.append(("Driver", _driver_text(report)))
    toolkits = report.toolkits
    if toolkits:
        first = next((t for t in toolkits if t.version), toolkits[0])
        where = first.source if first.source == first.path else f"{first.source} {first.path}"
        rows.append(("Toolkit", f"CUDA {first.version or '?'} ({where}), not needed by pip TensorFlow"))
    else:
        rows.append(("Toolkit", "none (not needed by pip TensorFlow)"))
    rows.append(("Libraries", _libraries_text(report.libraries)))
    rows.append(("TensorFlow", _tf_text(report.tf)))
    if report.environment.get("CUDA_VISIBLE_DEVICES") is not None:
        rows.append(("Env", f"CUDA_VISIBLE_DEVICES={report.environment['CUDA_VISIBLE_DEVICES']!r}"))
    if report.os.get("wsl"):
        rows.append(("OS", f"{report.os.get('name') or 'Linux'} on WSL2"))
    return rows


def _gpu_text(report) -> str:
    gpus = report.gpu.gpus
    if gpus:
        hidden = sum(1 for shown in report.visible if not shown)
        hidden_text = f" ({hidden} hidden by CUDA_VISIBLE_DEVICES)" if hidden else ""
        return f"{describe_gpus(gpus)}{hidden_text} [from {report.gpu.source}]"
    if report.gpu.pci_devices:
        return f"{len(report.gpu.pci_devices)} NVIDIA device(s) on the PCI bus, not usable without a working driver"
    return "none found (no NVIDIA device on the PCI bus)"


def _health_text(report) -> str | None:
    """Per GPU, only what matters for using or sharing it (a lost GPU, MIG, a non-default compute
    mode, processes, ECC errors, a pending reset, throttling); None when nothing does."""
    parts = []
    for gpu in report.gpu.gpus:
        health = gpu.health
        if health is None:
            continue
        notes = []
        if health.lost:
            notes.append("lost (cannot be reached)")
        if health.mig_mode == "enabled":
            count = "?" if health.mig_instances is None else health.mig_instances
            notes.append(f"MIG on, {count} MIG device(s)")
        if health.mig_pending and health.mig_pending != health.mig_mode:
            notes.append(f"MIG {health.mig_pending} after the next reset")
        if health.compute_mode and health.compute_mode != "default":
            notes.append(f"compute mode {health.compute_mode.upper()}")
        if health.processes:
            used = sum(process.used_memory_mib or 0 for process in health.processes)
            notes.append(f"{len(health.processes)} process(es) holding {used} MiB")
        if health.ecc_uncorrectable_volatile:
            notes.append(f"{health.ecc_uncorrectable_volatile} uncorrectable ECC error(s)")
        if health.remapped_rows_pending or health.retired_pages_pending:
            notes.append("memory repair pending a reset")
        if health.throttle_reasons:
            notes.append("slowed: " + ", ".join(health.throttle_reasons))
        if notes:
            parts.append(f"GPU {gpu.index}: " + ", ".join(notes))
    return "; ".join(parts) or None


def _driver_text(report) -> str:
    gpu = report.gpu
    driver = gpu.driver
    if gpu.working_driver:
        cuda_text = f" (supports up to CUDA {driver.cuda_version})" if driver.cuda_version else ""
        return f"{driver.version}{cuda_text}"
    failures = "; ".join(f"{f.source}: {f.message}" for f in gpu.failures if f.status != "not-found")
    if driver.kernel_module:
        return f"kernel module {driver.kernel_module}, but " + (failures or "no user-space answer")
    return failures or "not installed"


def _libraries_text(libraries) -> str:
    if not libraries:
        return "no CUDA libraries found (pip nvidia-* wheels, LD_LIBRARY_PATH, ldconfig)"
    by_origin: dict[str, list[str]] = {}
    for library in libraries:
        label = library.soname + (f" ({library.distribution} {library.version})" if library.distribution else "")
        names = by_origin.setdefault(library.origin, [])
        if label not in names:
            names.append(label)
    return "; ".join(f"{origin}: {', '.join(names)}" for origin, names in by_origin.items())


def _tf_text(tf) -> str:
    if tf is None:
        return "not checked (--no-tf)"
    if tf.status != "ok":
        return f"{tf.status}: {tf.problem}"
    info = tf.build_info or {}
    if info.get("is_cuda_build") is False:
        built = "a CPU-only build"
    else:
        built = f"built for CUDA {info.get('cuda_version', '?')} / cuDNN {info.get('cudnn_version', '?')}"
    sees = ", ".join(g.get("device_name") or g["name"] for g in tf.gpus) if tf.gpus else "CPU only"
    return f"{tf.version}, {built}, sees: {sees}"
