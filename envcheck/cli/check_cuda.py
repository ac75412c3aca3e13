"""check-cuda: can TensorFlow use this machine's NVIDIA GPU, and if not, exactly why and what to do.

Like `nvidia-smi` plus `tf.config.list_physical_devices('GPU')`, with a verdict, the facts that
decide it, and a fix for each problem. Exit 0 exactly when TensorFlow can use at least one GPU
(with --no-tf: when a GPU with a working driver is present), 1 otherwise, 2 for bad usage.
"""

from __future__ import annotations

from envcheck import render, target
from envcheck.checks import cuda
from envcheck.cli._parser import add_format_option, add_python_option
from envcheck.errors import UsageError
from envcheck.model import Finding
from envcheck.probes import gpu as gpu_probe
from envcheck.probes.gpu import Gpu


def build_parser(parser) -> None:
    parser.add_argument("--no-tf", action="store_true", help="skip TensorFlow: a fast answer about the GPU and driver only")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing; only the exit code answers")
    parser.add_argument(
        "--timeout",
        type=float,
        default=gpu_probe.DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds to wait for NVML / nvidia-smi (default {gpu_probe.DEFAULT_TIMEOUT:g}; a busy multi-GPU host can take 10)",
    )
    parser.add_argument("--tf-timeout", type=float, default=90.0, metavar="S", help="seconds to wait for TensorFlow's import (default 90)")
    add_python_option(parser)
    add_format_option(parser, ("text", "json"))


def run(args) -> int:
    for name in ("timeout", "tf_timeout"):
        if not getattr(args, name) > 0:
            raise UsageError(f"--{name.replace('_', '-')} needs a positive number of seconds")
    python = target.resolve(args.python, cache=not args.no_cache)
    report = cuda.check(python, include_tf=not args.no_tf, tf_timeout=args.tf_timeout, gpu_timeout=args.timeout)
    if args.quiet:
        return cuda.exit_code(report)
    fmt = render.output_format(args.format)
    if fmt == "json":
        render.write_json(report)
    elif fmt == render.RICH:
        render.console().print(rich_text(report, render.ascii_marks()), highlight=False)
    else:
        render.write_lines(text_lines(report, render.ascii_marks()))
    return cuda.exit_code(report)


def text_lines(report: dict, ascii: bool = False) -> list[str]:
    """The report as plain lines: the verdict, the facts, then each finding with its fix (`ascii`: ASCII marks)."""
    mark = render.mark("ok" if report["verdict"]["ready"] else "error", ascii)
    lines = [f"{mark} {report['verdict']['summary']}", ""]
    lines += [f"  {label:<10} {value}" for label, value in fact_rows(report)]
    found = report["findings"]
    if found:
        lines.append("")
        for finding in found:
            lines += render.finding_lines(Finding(**finding), ascii=ascii)
    return lines


def rich_text(report: dict, ascii: bool = False) -> str:
    """The same, as rich markup (terminal only)."""
    from rich.markup import escape  # terminal only

    status = "ok" if report["verdict"]["ready"] else "error"
    parts = [f"[bold {render.style(status)}]{escape(render.mark(status, ascii))} {escape(report['verdict']['summary'])}[/]", ""]
    parts += [f"  [bold]{label:<10}[/] {escape(value)}" for label, value in fact_rows(report)]
    if report["findings"]:
        parts.append("")
        parts += [render.finding_markup(Finding(**finding), ascii=ascii) for finding in report["findings"]]
    return "\n".join(parts)


def fact_rows(report: dict) -> list[tuple[str, str]]:
    rows = [("GPU", _gpu_text(report)), ("Driver", _driver_text(report))]
    toolkits = report["toolkit"]
    if toolkits:
        first = next((t for t in toolkits if t["version"]), toolkits[0])
        where = first["source"] if first["source"] == first["path"] else f"{first['source']} {first['path']}"
        rows.append(("Toolkit", f"CUDA {first['version'] or '?'} ({where}), not needed by pip TensorFlow"))
    else:
        rows.append(("Toolkit", "none (not needed by pip TensorFlow)"))
    rows.append(("Libraries", _libraries_text(report["libraries"])))
    rows.append(("TensorFlow", _tf_text(report["tensorflow"])))
    if report.get("environment", {}).get("CUDA_VISIBLE_DEVICES") is not None:
        rows.append(("Env", f"CUDA_VISIBLE_DEVICES={report['environment']['CUDA_VISIBLE_DEVICES']!r}"))
    if report["os"].get("wsl"):
        rows.append(("OS", f"{report['os'].get('name') or 'Linux'} on WSL2"))
    return rows


def _gpu_text(report: dict) -> str:
    gpus = report["gpus"]
    if gpus:
        text = cuda.describe_gpus([Gpu(**{key: value for key, value in g.items() if key != "visible"}) for g in gpus])
        hidden = sum(1 for g in gpus if not g["visible"])
        return text + (f" ({hidden} hidden by CUDA_VISIBLE_DEVICES)" if hidden else "") + f" [from {report['driver']['source']}]"
    if report["pci_devices"]:
        return f"{len(report['pci_devices'])} NVIDIA device(s) on the PCI bus, not usable without a working driver"
    return "none found (no NVIDIA device on the PCI bus)"


def _driver_text(report: dict) -> str:
    driver = report["driver"]
    if driver["working"]:
        cuda_text = f" (supports up to CUDA {driver['cuda_version']})" if driver["cuda_version"] else ""
        return f"{driver['version']}{cuda_text}"
    failures = "; ".join(f"{f['source']}: {f['message']}" for f in report["gpu_query_failures"] if f["status"] != "not-found")
    if driver["kernel_module"]:
        return f"kernel module {driver['kernel_module']}, but " + (failures or "no user-space answer")
    return failures or "not installed"


def _libraries_text(libraries: list[dict]) -> str:
    if not libraries:
        return "no CUDA libraries found (pip nvidia-* wheels, LD_LIBRARY_PATH, ldconfig)"
    by_origin: dict[str, list[str]] = {}
    for library in libraries:
        label = library["soname"] + (f" ({library['distribution']} {library['version']})" if library.get("distribution") else "")
        names = by_origin.setdefault(library["origin"], [])
        if label not in names:
            names.append(label)
    return "; ".join(f"{origin}: {', '.join(names)}" for origin, names in by_origin.items())


def _tf_text(tf: dict) -> str:
    status = tf.get("status")
    if status == "skipped":
        return "not checked (--no-tf)"
    if status != "ok":
        return f"{status}: {tf.get('problem')}"
    info = tf.get("build_info") or {}
    if info.get("is_cuda_build") is False:
        built = "a CPU-only build"
    else:
        built = f"built for CUDA {info.get('cuda_version', '?')} / cuDNN {info.get('cudnn_version', '?')}"
    sees = ", ".join(g.get("device_name") or g["name"] for g in tf["gpus"]) if tf.get("gpus") else "CPU only"
    return f"{tf.get('version')}, {built}, sees: {sees}"
