"""check-cuda's output: the verdict first, then the facts, then each finding with its fix.

Renderers take the typed `CudaReport` (envcheck.checks.cuda) and return strings; the CLI writes them.
"""

from __future__ import annotations

from envcheck.diagnose.cuda import describe_gpus
from envcheck.i18n import N_, _
from envcheck.i18n import gettext as translate
from envcheck.render import finding_lines, finding_markup, ljust, mark, style, width


def text(report, ascii: bool = False) -> str:
    """The report as plain lines: the verdict, the facts, then each finding with its fix (`ascii`: ASCII marks)."""
    lines = [f"{mark('ok' if report.ready else 'error', ascii)} {report.summary}", ""]
    lines += [f"  {label} {value}" for label, value in padded_rows(report)]
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
    parts += [f"  [bold]{escape(label)}[/] {escape(value)}" for label, value in padded_rows(report)]
    if report.findings:
        parts.append("")
        parts += [finding_markup(finding, ascii=ascii) for finding in report.findings]
    return "\n".join(parts)


def padded_rows(report) -> list[tuple[str, str]]:
    """fact_rows() with the labels padded to one column (at least 10 wide; Hangul counts two per character)."""
    rows = fact_rows(report)
    column = max([10] + [width(label) for label, _value in rows])
    return [(ljust(label, column), value) for label, value in rows]


# The fact rows' labels, shown in the reader's language.
LABELS = {"gpu": N_("GPU"), "health": N_("Health"), "driver": N_("Driver"), "toolkit": N_("Toolkit"),
          "libraries": N_("Libraries"), "tensorflow": N_("TensorFlow"), "env": N_("Env"), "os": N_("OS")}


def fact_rows(report) -> list[tuple[str, str]]:
    rows = [("gpu", _gpu_text(report))]
    health = _health_text(report)
    if health:
        rows.append(("health", health))
    rows.append(("driver", _driver_text(report)))
    toolkits = report.toolkits
    if toolkits:
        first = next((t for t in toolkits if t.version), toolkits[0])
        where = first.source if first.source == first.path else f"{first.source} {first.path}"
        rows.append(("toolkit", _("CUDA {version} ({where}), not needed by pip TensorFlow").format(
            version=first.version or "?", where=where)))
    else:
        rows.append(("toolkit", _("none (not needed by pip TensorFlow)")))
    rows.append(("libraries", _libraries_text(report.libraries)))
    rows.append(("tensorflow", _tf_text(report.tf)))
    if report.environment.get("CUDA_VISIBLE_DEVICES") is not None:
        rows.append(("env", f"CUDA_VISIBLE_DEVICES={report.environment['CUDA_VISIBLE_DEVICES']!r}"))
    if report.os.get("wsl"):
        rows.append(("os", _("{name} on WSL2").format(name=report.os.get("name") or "Linux")))
    return [(translate(LABELS[key]), value) for key, value in rows]


def _gpu_text(report) -> str:
    gpus = report.gpu.gpus
    if gpus:
        hidden = sum(1 for shown in report.visible if not shown)
        hidden_text = _(" ({count} hidden by CUDA_VISIBLE_DEVICES)").format(count=hidden) if hidden else ""
        return _("{gpus}{hidden} [from {source}]").format(gpus=describe_gpus(gpus), hidden=hidden_text,
                                                         source=report.gpu.source)
    if report.gpu.pci_devices:
        return _("{count} NVIDIA device(s) on the PCI bus, not usable without a working driver").format(
            count=len(report.gpu.pci_devices))
    return _("none found (no NVIDIA device on the PCI bus)")


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
            notes.append(_("lost (cannot be reached)"))
        if health.mig_mode == "enabled":
            count = "?" if health.mig_instances is None else health.mig_instances
            notes.append(_("MIG on, {count} MIG device(s)").format(count=count))
        if health.mig_pending and health.mig_pending != health.mig_mode:
            notes.append(_("MIG {mode} after the next reset").format(mode=health.mig_pending))
        if health.compute_mode and health.compute_mode != "default":
            notes.append(_("compute mode {mode}").format(mode=health.compute_mode.upper()))
        if health.processes:
            used = sum(process.used_memory_mib or 0 for process in health.processes)
            notes.append(_("{count} process(es) holding {used} MiB").format(count=len(health.processes), used=used))
        if health.ecc_uncorrectable_volatile:
            notes.append(_("{count} uncorrectable ECC error(s)").format(count=health.ecc_uncorrectable_volatile))
        if health.remapped_rows_pending or health.retired_pages_pending:
            notes.append(_("memory repair pending a reset"))
        if health.throttle_reasons:
            notes.append(_("slowed: {reasons}").format(reasons=", ".join(health.throttle_reasons)))
        if notes:
            parts.append(_("GPU {index}: {notes}").format(index=gpu.index, notes=", ".join(notes)))
    return "; ".join(parts) or None


def _driver_text(report) -> str:
    gpu = report.gpu
    driver = gpu.driver
    if gpu.working_driver:
        cuda_text = _(" (supports up to CUDA {version})").format(version=driver.cuda_version) if driver.cuda_version \
            else ""
        return f"{driver.version}{cuda_text}"
    failures = "; ".join(f"{f.source}: {f.message}" for f in gpu.failures if f.status != "not-found")
    if driver.kernel_module:
        return _("kernel module {module}, but {what}").format(module=driver.kernel_module,
                                                              what=failures or _("no user-space answer"))
    return failures or _("not installed")


def _libraries_text(libraries) -> str:
    if not libraries:
        return _("no CUDA libraries found (pip nvidia-* wheels, LD_LIBRARY_PATH, ldconfig)")
    by_origin: dict[str, list[str]] = {}
    for library in libraries:
        label = library.soname + (f" ({library.distribution} {library.version})" if library.distribution else "")
        names = by_origin.setdefault(library.origin, [])
        if label not in names:
            names.append(label)
    return "; ".join(f"{origin}: {', '.join(names)}" for origin, names in by_origin.items())


def _tf_text(tf) -> str:
    if tf is None:
        return _("not checked (--no-tf)")
    if tf.status != "ok":
        return f"{tf.status}: {tf.problem}"
    info = tf.build_info or {}
    if info.get("is_cuda_build") is False:
        built = _("a CPU-only build")
    else:
        built = _("built for CUDA {cuda} / cuDNN {cudnn}").format(cuda=info.get("cuda_version", "?"),
                                                                  cudnn=info.get("cudnn_version", "?"))
    sees = ", ".join(g.get("device_name") or g["name"] for g in tf.gpus) if tf.gpus else _("CPU only")
    return _("{version}, {built}, sees: {sees}").format(version=tf.version, built=built, sees=sees)
