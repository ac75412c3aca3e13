"""smoke-train's results in words: the task names people read, each check's detail in the reader's
language, and the one-line summary doctor shows. Pure.
"""

from __future__ import annotations

from envcheck.i18n import N_, _
from envcheck.i18n import gettext as translate
from envcheck.model import SmokeReport

# The choices smoke_net.py accepts, in one home (the child is standalone and keeps its own copy;
# tests/probes/test_smoke_net.py keeps the two equal). The CLI, the checks and the profiles use these.
BACKENDS = ("tensorflow", "numpy")
TASKS = ("xor", "circles")
ACTIVATIONS = ("relu", "sigmoid", "tanh", "step")
DEVICES = ("auto", "cpu", "gpu")
DEFAULT_STEPS = 300
DEFAULT_LR = 0.05
TASK_NAMES = {"xor": N_("XOR"), "circles": N_("two circles")}  # in words, for people

# The child's check details (smoke_net.TEMPLATES), as messages to translate: the child writes them in
# English with the numbers already formatted, and says which it used (its `parts`), so the detail can
# be said again here in the reader's language. tests/probes/test_smoke_net.py keeps the two equal.
TEMPLATES = {
    "numpy_missing": N_("NumPy is not installed for {executable} ({error})"),
    "tensorflow_missing": N_("TensorFlow is not installed for {executable}"),
    "tensorflow_import_failed": N_("TensorFlow failed to import: {error}"),
    "gpu_not_seen": N_("--device gpu: TensorFlow {version} sees no GPU (tf.config.list_physical_devices('GPU') is "
                       "empty), so nothing was trained rather than silently training on the CPU; run check-cuda "
                       "to see why"),
    "numpy_backend_no_gpu": N_("--device gpu: the numpy backend runs on the CPU only; use --backend tensorflow"),
    "trained_on_gpus_visible": N_("trained on {device} ({visible} GPU(s) visible)"),
    "trained_on_no_gpu_visible": N_("trained on {device} (no GPU visible)"),
    "device_not_the_one_asked": N_("--device {requested} was asked for, but TensorFlow trained on {device} "
                                   "({visible} GPU(s) visible)"),
    "device_not_the_one_asked_no_gpu": N_("--device {requested} was asked for, but TensorFlow trained on {device} "
                                          "(no GPU visible)"),
    "trained_on_cpu_numpy": N_("trained on the CPU with NumPy"),
    "forward_ok": N_("outputs finite, shape {shape}"),
    "forward_bad": N_("outputs shape {shape}, finite: {finite}"),
    "forward_tf_ok": N_("outputs finite, shape {shape}, TensorFlow vs NumPy max rel. error {error}"),
    "forward_tf_bad": N_("TensorFlow outputs shape {shape}, finite: {finite}, vs NumPy max rel. error {error}"),
    "tf_gradients_not_finite": N_("TensorFlow's gradients are not finite (NaN or inf): the stack computes nonsense"),
    "tf_gradients_differ": N_("TensorFlow's gradients differ from the NumPy reference: max rel. error {error} > "
                              "{tolerance}"),
    "backprop_differs": N_("backprop differs from finite differences: max rel. error {error} > {tolerance}"),
    "gradients_tf_ok": N_("TF vs NumPy max rel. error {tf_error}; NumPy vs finite differences {fd_error}"),
    "gradients_numpy_ok": N_("NumPy backprop vs finite differences max rel. error {fd_error}"),
    "diverged": N_("the loss became {loss} at step {step}: training diverged"),
    "learning_one_step": N_("accuracy {accuracy} after {steps} step (loss {initial} → {final}; "
                            "target: loss < {target_loss}, accuracy ≥ {target_accuracy})"),
    "learning": N_("accuracy {accuracy} after {steps} steps (loss {initial} → {final}; "
                   "target: loss < {target_loss}, accuracy ≥ {target_accuracy})"),
    "step_only_output_learned": N_("only the output layer learned: the hidden layers kept their random weights"),
    "layer_norm": N_("layer {layer} ‖g‖ {norm}"),
    "norms_not_finite": N_("gradient norms are not finite: {norms}"),
    "no_gradient_reaches_layer_1": N_("no gradient reaches layer 1 ({activation}'s derivative is 0)"),
    "vanishing_gradient": N_("vanishing gradient: layer 1 gets {ratio} of the last layer's gradient"),
    "sigmoid_derivative": N_("sigmoid's derivative is at most 0.25, so each layer multiplies it down - relu avoids "
                             "this"),
    "step_not_trainable": N_("the step function's derivative is 0 everywhere (and undefined at 0), so "
                             "backpropagation passes no error back through it: the hidden layers' weights never "
                             "change. Use sigmoid, tanh or relu to train"),
}


def task_name(task: str | None) -> str:
    """'xor' -> 'XOR' in the reader's language; an unknown task as it is."""
    return translate(TASK_NAMES[task]) if task in TASK_NAMES else str(task)


def detail(parts, english: str) -> str:
    """A check's detail in the reader's language, from the child's parts; `english` (the child's own
    detail) when the parts are missing or name a reason this side does not know."""
    try:
        return "; ".join(_part_text(reason, facts) for reason, facts in parts) if parts else english
    except (KeyError, ValueError, TypeError, IndexError):  # an older or newer child: its English is still right
        return english


def _part_text(reason: str, facts: dict) -> str:
    if reason == "norms":
        layer_norm = translate(TEMPLATES["layer_norm"])
        return ", ".join(layer_norm.format(layer=layer, norm=norm) for layer, norm in facts["norms"])
    return translate(TEMPLATES[reason]).format(**facts)


def summary(report: SmokeReport) -> str:
    """One line for a summary such as doctor's: 'XOR learned in 0.22 s on CPU:0' or what failed."""
    task = task_name(report.task)
    if report.passed:
        train = report.timings.get("train_s")
        device = report.device or _("an unknown device")
        if train is None:
            return _("{task} learned on {device}").format(task=task, device=device)
        return _("{task} learned in {seconds} s on {device}").format(task=task, seconds=f"{train:.2f}", device=device)
    return report.failure or _("{task} not learned").format(task=task)


def failed_names(report: SmokeReport) -> list[str]:
    return report.failed_names
