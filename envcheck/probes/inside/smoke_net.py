"""smoke_net.py: train a tiny neural network and prove, with numbers, that the stack learns.

Standalone target-side script (standard library + numpy, + tensorflow for that backend), run by
envcheck with the interpreter under test. It prints one JSON object on the last line of stdout.

The network is the one the course notes draw: every neuron takes a weighted sum of its inputs
plus a bias (the bias is a weight on an input that is always 1), passes it through an activation
function, and hands the result to the next layer (forward propagation). The output neuron uses a
sigmoid, read as the probability of class 1; the loss is the binary cross-entropy between that
probability and the answer. Backpropagation carries the error back layer by layer (the chain
rule) and the optimizer (Adam) moves every weight and bias a little in the direction that lowers
the loss.

Two backends share this one NumPy reference: `numpy` trains with it alone; `tensorflow` trains with
tf.Variable + tf.GradientTape + a tf.function step and checks TensorFlow's gradients against it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

T_START = time.perf_counter()

try:  # the reference needs NumPy; its absence is an answer, not a crash
    import numpy as np
except ImportError as _numpy_error:  # pragma: no cover - exercised through the child
    np = None
    NUMPY_ERROR: ImportError | None = _numpy_error
else:
    NUMPY_ERROR = None
NUMPY_IMPORT_S = time.perf_counter() - T_START

ACTIVATIONS = ("relu", "sigmoid", "tanh", "step")
TASKS = ("xor", "circles")
BACKENDS = ("tensorflow", "numpy")
DEVICES = ("auto", "cpu", "gpu")

# Defaults per task: enough Adam steps to learn on every seed we test, and no more.
DEFAULT_STEPS = {"xor": 300, "circles": 300}
DEFAULT_LR = {"xor": 0.05, "circles": 0.05}
# What "learned" means: the loss below a threshold and the accuracy at its target.
TARGETS = {"xor": {"loss": 0.05, "accuracy": 1.0}, "circles": {"loss": 0.2, "accuracy": 0.95}}
# TensorFlow trains in float32 (what a GPU runs); the reference computes in float64.
TF_TOLERANCE = 1e-3  # max relative error, TensorFlow vs NumPy gradients
FD_TOLERANCE = 1e-4  # max relative error, NumPy vs central finite differences
FD_EPSILON = 1e-6
FD_MAX_COORDINATES = 240  # per check: the finite-difference cost grows with every weight
FD_MAX_POINTS = 32
VANISHING_RATIO = 1e-2  # first layer's gradient norm below this fraction of the last layer's
CURVE_POINTS = 50  # the loss curve in the answer is downsampled to about this many points
ADAM = {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7}


# ---------------------------------------------------------------- the task (data)


def make_task(task: str, seed: int):
    """Inputs x (n, 2) and answers y (n, 1) as float64: XOR's four points, or two noisy circles."""
    if task == "xor":
        x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
        y = np.array([[0], [1], [1], [0]], dtype=np.float64)
        return x, y
    rng = np.random.default_rng(seed + 1_000_003)
    n = 256
    labels = np.arange(n) % 2  # half inside (class 1), half on the outer ring (class 0)
    radius = np.where(labels == 1, 0.5, 1.0) + rng.normal(0.0, 0.1, n)
    angle = rng.uniform(0.0, 2 * math.pi, n)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return x, labels.reshape(-1, 1).astype(np.float64)


# ---------------------------------------------------------------- the network, by hand


def layer_sizes(n_inputs: int, hidden: int, depth: int) -> list[int]:
    """Input, `depth` hidden layers of `hidden` neurons, one output neuron."""
    return [n_inputs] + [hidden] * depth + [1]


def init_params(sizes: list[int], activation: str, seed: int) -> list[tuple]:
    """Weights (He for relu, Glorot otherwise) and zero biases, float64 holding float32 values.

    Rounding through float32 lets TensorFlow (float32) and the reference start from the same numbers.
    """
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        if activation == "relu":
            scale = math.sqrt(2.0 / fan_in)
        else:
            scale = math.sqrt(2.0 / (fan_in + fan_out))
        w = rng.normal(0.0, scale, (fan_in, fan_out)).astype(np.float32).astype(np.float64)
        params.append((w, np.zeros(fan_out)))
    return params


def activate(name: str, z):
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "sigmoid":
        return sigmoid(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "step":
        return (z > 0).astype(z.dtype)
    raise ValueError(f"unknown activation {name!r}")


def activation_derivative(name: str, z, a):
    """d activation / dz at z (a = activation(z)). The step function's is 0 (undefined at 0)."""
    if name == "relu":
        return (z > 0).astype(z.dtype)
    if name == "sigmoid":
        return a * (1.0 - a)  # at most 0.25: stacked layers multiply it down (vanishing gradient)
    if name == "tanh":
        return 1.0 - a * a
    if name == "step":
        return np.zeros_like(z)
    raise ValueError(f"unknown activation {name!r}")


def sigmoid(z):
    # exp of a large negative number overflows: split by sign for a stable result
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    e = np.exp(z[~positive])
    out[~positive] = e / (1.0 + e)
    return out


def forward(params, x, activation: str):
    """Forward propagation: weighted sum plus bias, then the activation, layer after layer.

    Returns the output layer's weighted sums (logits) and what backward() needs.
    """
    cache = []
    a = x
    last = len(params) - 1
    for i, (w, b) in enumerate(params):
        z = a @ w + b
        cache.append((a, z))
        if i < last:
            a = activate(activation, z)
    return z, cache


def loss_from_logits(logits, y) -> float:
    """Mean binary cross-entropy of sigmoid(logits) against y, computed without overflow."""
    return float(np.mean(np.maximum(logits, 0.0) - logits * y + np.log1p(np.exp(-np.abs(logits)))))


def backward(params, cache, logits, y, activation: str):
    """Backpropagation: the loss's gradient for every weight and bias, from the output back.

    For sigmoid + cross-entropy the output error is simply (probability - answer) / n.
    """
    n = y.shape[0]
    dz = (sigmoid(logits) - y) / n
    grads = [None] * len(params)
    for i in range(len(params) - 1, -1, -1):
        a_prev, _ = cache[i]
        grads[i] = (a_prev.T @ dz, dz.sum(axis=0))
        if i > 0:
            z_prev = cache[i - 1][1]
            da = dz @ params[i][0].T
            dz = da * activation_derivative(activation, z_prev, activate(activation, z_prev))
    return grads


def loss_and_grads(params, x, y, activation: str):
    logits, cache = forward(params, x, activation)
    return loss_from_logits(logits, y), backward(params, cache, logits, y, activation), logits


def relative_error(a, b) -> float:
    """max |a - b| over the larger of max |a|, max |b|: 0 when both are exactly zero."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return 0.0
    diff = np.max(np.abs(a - b))
    if not np.isfinite(diff):
        return float("nan")
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)))
    return float(diff / scale) if scale > 0 else float(diff)


def max_relative_error(grads_a, grads_b) -> float:
    """The worst per-tensor relative error over every weight matrix and bias vector."""
    errors = [relative_error(ga, gb) for pa, pb in zip(grads_a, grads_b) for ga, gb in zip(pa, pb)]
    return float("nan") if any(math.isnan(e) for e in errors) else max(errors)


def finite_difference_grads(params, x, y, activation: str, seed: int = 0, eps: float = FD_EPSILON,
                            max_coordinates: int = FD_MAX_COORDINATES):
    """Central differences (L(w+eps) - L(w-eps)) / 2 eps for up to `max_coordinates` weights.

    Returns (numeric, analytic) as two flat arrays over the same sampled coordinates.
    """
    analytic_grads = loss_and_grads(params, x, y, activation)[1]
    coordinates = [(i, j, k) for i, layer in enumerate(params) for j, tensor in enumerate(layer)
                   for k in range(tensor.size)]
    if len(coordinates) > max_coordinates:
        rng = np.random.default_rng(seed + 7)
        picked = rng.choice(len(coordinates), size=max_coordinates, replace=False)
        coordinates = [coordinates[p] for p in sorted(picked)]
    numeric, analytic = [], []
    for i, j, k in coordinates:
        tensor = params[i][j].reshape(-1)  # a view: nudging it nudges the network
        kept = tensor[k]
        tensor[k] = kept + eps
        plus = loss_from_logits(forward(params, x, activation)[0], y)
        tensor[k] = kept - eps
        minus = loss_from_logits(forward(params, x, activation)[0], y)
        tensor[k] = kept
        numeric.append((plus - minus) / (2 * eps))
        analytic.append(analytic_grads[i][j].reshape(-1)[k])
    return np.array(numeric), np.array(analytic)


def kink_free(params, seed: int):
    """A copy of the weights with small random biases, for the finite-difference check.

    With zero biases XOR's (0, 0) point puts every weighted sum exactly at 0, where relu and the step
    function have a kink: a central difference there averages both sides and cannot agree with any
    derivative. Random biases move the sums off the kinks.
    """
    rng = np.random.default_rng(seed + 11)
    return [(w.copy(), b + rng.normal(0.0, 0.1, b.shape)) for w, b in params]


def layer_norms(grads) -> list[float]:
    """The gradient norm of each layer's weights (layer 1 = the first hidden layer)."""
    return [float(np.linalg.norm(w)) for w, _ in grads]


class Adam:
    """Adam, written out: the same update rule the TensorFlow step applies."""

    def __init__(self, params, lr: float):
        self.lr, self.t = lr, 0
        self.m = [tuple(np.zeros_like(p) for p in layer) for layer in params]
        self.v = [tuple(np.zeros_like(p) for p in layer) for layer in params]

    def step(self, params, grads):
        b1, b2, eps = ADAM["beta1"], ADAM["beta2"], ADAM["epsilon"]
        self.t += 1
        lr_t = self.lr * math.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        for i, layer in enumerate(params):
            for j, p in enumerate(layer):
                g = grads[i][j]
                m, v = self.m[i][j], self.v[i][j]
                m *= b1
                m += (1 - b1) * g
                v *= b2
                v += (1 - b2) * g * g
                p -= lr_t * m / (np.sqrt(v) + eps)


def train_numpy(params, x, y, activation: str, steps: int, lr: float, progress=None,
                final_logits: list | None = None) -> list[float]:
    """Train in place with the hand-written passes; returns the loss before each step.

    `final_logits`, when given, receives the outputs after the last step.
    """
    optimizer = Adam(params, lr)
    losses = []
    for step in range(steps):
        loss, grads, _ = loss_and_grads(params, x, y, activation)
        losses.append(loss)
        optimizer.step(params, grads)
        if progress:
            progress(step + 1, loss)
    if final_logits is not None:
        final_logits.append(forward(params, x, activation)[0])
    return losses


def accuracy(logits, y) -> float:
    return float(np.mean((logits > 0) == (y > 0.5)))


# ---------------------------------------------------------------- TensorFlow


class TensorFlowNet:
    """The same network with tf.Variable, tf.GradientTape and one traced tf.function step."""

    def __init__(self, tf, params, x, y, activation: str, lr: float, placement: str = "/CPU:0"):
        self.tf = tf
        self.placement = placement  # every op runs under it: variables alone do not pin the compute
        f32 = tf.float32
        self.x = tf.constant(x, dtype=f32)
        self.y = tf.constant(y, dtype=f32)
        self.activation = activation
        self.variables = [tf.Variable(p, dtype=f32) for layer in params for p in layer]
        # Adam's moments start at zero: NumPy zeros, so no eager TensorFlow op is paid for them
        self.m = [tf.Variable(np.zeros(p.shape, np.float32)) for layer in params for p in layer]
        self.v = [tf.Variable(np.zeros(p.shape, np.float32)) for layer in params for p in layer]
        self.t = tf.Variable(0.0, dtype=f32)
        self.lr = tf.constant(lr, dtype=f32)
        self.adam = tuple(tf.constant(ADAM[k], dtype=f32) for k in ("beta1", "beta2", "epsilon"))
        # One traced function runs a whole chunk of steps in a tf.while_loop: one Python call per chunk
        # instead of per step, one trace (the chunk length is a tensor, so it never retraces), and
        # autograph=False because the loop is written with tf.while_loop already.
        self.train_chunk = tf.function(
            self._train_chunk, autograph=False,
            input_signature=[tf.TensorSpec([], tf.int32)])

    def _act(self, z):
        tf = self.tf
        if self.activation == "relu":
            return tf.nn.relu(z)
        if self.activation == "sigmoid":
            return tf.sigmoid(z)
        if self.activation == "tanh":
            return tf.tanh(z)
        # The step function: TensorFlow has no gradient for a comparison, exactly the point.
        return tf.cast(z > 0, z.dtype)

    def logits(self):
        a = self.x
        pairs = list(zip(self.variables[0::2], self.variables[1::2]))
        for i, (w, b) in enumerate(pairs):
            z = self.tf.matmul(a, w) + b
            if i < len(pairs) - 1:
                a = self._act(z)
        return z

    def loss_and_grads(self):
        tf = self.tf
        with tf.GradientTape() as tape:
            logits = self.logits()
            loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=self.y, logits=logits))
        # ZERO: a layer no gradient reaches (the step function) gets zeros rather than None
        grads = tape.gradient(loss, self.variables, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return loss, grads, logits

    def _train_step(self):
        """One step: forward, loss, backprop (GradientTape), Adam. Returns the loss, grads and logits.

        The update is TensorFlow's own fused Adam kernel (ResourceApplyAdam, what its optimizers run):
        the same rule as the NumPy Adam, one op per variable instead of a dozen, so a smaller trace.
        """
        tf = self.tf
        loss, grads, logits = self.loss_and_grads()
        b1, b2, eps = self.adam
        t = self.t.assign_add(1.0)
        b1_power, b2_power = tf.pow(b1, t), tf.pow(b2, t)
        for var, g, m, v in zip(self.variables, grads, self.m, self.v):
            tf.raw_ops.ResourceApplyAdam(var=var.handle, m=m.handle, v=v.handle, beta1_power=b1_power,
                                         beta2_power=b2_power, lr=self.lr, beta1=b1, beta2=b2, epsilon=eps,
                                         grad=g)
        return loss, grads, logits

    def _train_chunk(self, n):
        """n steps; also the gradients and outputs of the first, taken at the chunk's starting weights.

        Returning those saves a separate eager pass for the TensorFlow-vs-NumPy check: eager ops pay
        a first-call cost that is larger than this whole trace.
        """
        tf = self.tf
        loss0, grads0, logits0 = self._train_step()
        losses = tf.TensorArray(tf.float32, size=n).write(0, loss0)

        def body(i, losses):
            return i + 1, losses.write(i, self._train_step()[0])

        _, losses = tf.while_loop(lambda i, _: i < n, body, (tf.constant(1), losses))
        return losses.stack(), grads0, logits0

    def train(self, steps: int, progress=None, chunk: int = 50) -> list[float]:
        """Train `steps` steps; `self.first` keeps the first step's (loss, grads, logits) as NumPy."""
        losses: list[float] = []
        while len(losses) < steps:
            n = min(chunk, steps - len(losses))
            with self.tf.device(self.placement):
                chunk_losses, grads, logits = self.train_chunk(self.tf.constant(n))
            if not losses:
                self.first = (float(chunk_losses[0]), self._pairs(grads), logits.numpy().astype(np.float64))
                self.ran_on = grads[0].device  # where the gradient was computed, not just where weights live
            losses.extend(float(v) for v in chunk_losses.numpy())
            if progress:
                progress(len(losses), losses[-1])
        return losses

    @staticmethod
    def _pairs(grads):
        return [(grads[i].numpy().astype(np.float64), grads[i + 1].numpy().astype(np.float64))
                for i in range(0, len(grads), 2)]


def short_device(name: str) -> str:
    """'/job:localhost/replica:0/task:0/device:GPU:0' -> 'GPU:0'."""
    return name.rsplit("device:", 1)[-1] if name else "unknown"


# ---------------------------------------------------------------- the run


def downsample(losses: list[float], points: int = CURVE_POINTS) -> list[list]:
    """[[step, loss], ...]: about `points` evenly spaced samples, always the first and the last."""
    if not losses:
        return []
    n = len(losses)
    stride = max(1, math.ceil(n / points))
    picked = list(range(0, n, stride))
    if picked[-1] != n - 1:
        picked.append(n - 1)
    return [[i, round(losses[i], 6)] for i in picked]


class Progress:
    """Progress lines for envcheck's bar, appended to a file it watches (stdout stays one JSON line)."""

    def __init__(self, path: str | None, total: int):
        self.stream = open(path, "a", encoding="utf-8") if path else None
        self.total = total
        self.every = max(1, total // 100)  # at most about 100 lines, however many steps
        self.reported = 0

    def say(self, line: str) -> None:
        if self.stream:
            self.stream.write(line + "\n")
            self.stream.flush()

    def __call__(self, step: int, loss: float) -> None:
        if self.stream and (step - self.reported >= self.every or step == self.total):
            self.reported = step
            self.say(f"step {step} {self.total} {loss:.6g}")


def check(name: str, passed: bool, detail: str) -> dict:
    return {"name": name, "passed": bool(passed), "detail": detail}


def fmt(value: float) -> str:
    return "nan" if value != value else f"{value:.1e}"


def run(options) -> dict:
    """Everything the command reports, as one JSON-ready dict."""
    answer: dict = {
        "backend": options.backend,
        "task": options.task,
        "device_requested": options.device,
        "device": None,
        "versions": {"python": ".".join(map(str, sys.version_info[:3]))},
        "checks": [],
        "timings": {},
    }
    checks = answer["checks"]
    if np is None:
        answer["missing"] = "numpy"
        checks.append(check("import", False, f"NumPy is not installed for {sys.executable} ({NUMPY_ERROR})"))
        return answer
    answer["versions"]["numpy"] = np.__version__
    answer["timings"]["import_numpy_s"] = round(NUMPY_IMPORT_S, 4)
    steps = options.steps if options.steps is not None else DEFAULT_STEPS[options.task]
    lr = options.lr if options.lr is not None else DEFAULT_LR[options.task]
    x, y = make_task(options.task, options.seed)
    sizes = layer_sizes(x.shape[1], options.hidden, options.depth)
    targets = TARGETS[options.task]
    answer.update(
        network={"layers": sizes, "activation": options.activation, "output": "sigmoid",
                 "loss": "binary cross-entropy", "optimizer": "adam"},
        steps=steps, lr=lr, seed=options.seed, points=int(x.shape[0]),
        targets={"loss_below": targets["loss"], "accuracy": targets["accuracy"]},
    )
    progress = Progress(options.progress, steps)
    params = init_params(sizes, options.activation, options.seed)

    tf = net = None
    if options.backend == "tensorflow":
        progress.say("import tensorflow")
        started = time.perf_counter()
        try:
            import tensorflow as tf  # inside try: only the tensorflow backend needs it; a failure is the answer
        except ImportError as error:
            answer["timings"]["import_tensorflow_s"] = round(time.perf_counter() - started, 4)
            missing = getattr(error, "name", None) == "tensorflow" and isinstance(error, ModuleNotFoundError)
            answer["missing"] = "tensorflow" if missing else None
            what = (f"TensorFlow is not installed for {sys.executable}" if missing
                    else f"TensorFlow failed to import: {error}")
            checks.append(check("import", False, what))
            return answer
        answer["timings"]["import_tensorflow_s"] = round(time.perf_counter() - started, 4)
        answer["versions"]["tensorflow"] = getattr(tf, "__version__", "unknown")
        gpus = tf.config.list_physical_devices("GPU")
        answer["gpus_visible"] = len(gpus)
        if options.device == "gpu" and not gpus:
            checks.append(check(
                "device", False,
                f"--device gpu: TensorFlow {answer['versions']['tensorflow']} sees no GPU "
                "(tf.config.list_physical_devices('GPU') is empty), so nothing was trained "
                "rather than silently training on the CPU; run check-cuda to see why"))
            return answer
        placement = "/GPU:0" if gpus and options.device != "cpu" else "/CPU:0"
        with tf.device(placement):
            net = TensorFlowNet(tf, params, x, y, options.activation, lr, placement)
        answer["device"] = short_device(net.variables[0].device)
    else:
        if options.device == "gpu":
            checks.append(check("device", False,
                                "--device gpu: the numpy backend runs on the CPU only; use --backend tensorflow"))
            return answer
        answer["device"] = "CPU"

    # The NumPy reference at the starting weights: what TensorFlow's first step must reproduce.
    started = time.perf_counter()
    loss0, grads, logits = loss_and_grads(params, x, y, options.activation)
    numeric, analytic = finite_difference_grads(kink_free(params, options.seed), x[:FD_MAX_POINTS],
                                                y[:FD_MAX_POINTS], options.activation, options.seed)
    answer["timings"]["checks_s"] = round(time.perf_counter() - started, 4)

    # Training (the TensorFlow step also hands back its first gradients, at the same starting weights)
    progress.say(f"train {steps}")
    started = time.perf_counter()
    if net is not None:
        losses = net.train(steps, progress)
        with tf.device(net.placement):
            final_logits = net.logits().numpy().astype(np.float64)
    else:
        kept: list = []
        losses = train_numpy([(w.copy(), b.copy()) for w, b in params], x, y, options.activation, steps, lr,
                             progress, kept)
        final_logits = kept[0]
    answer["timings"]["train_s"] = round(time.perf_counter() - started, 4)
    final_loss = loss_from_logits(final_logits, y)
    losses.append(final_loss)

    first = net.first if net is not None else None
    checks.append(forward_check(logits, first[2] if first else None))
    grad_check = gradient_errors(grads, first[1] if first else None, numeric, analytic)
    answer["gradient_check"] = grad_check
    checks.append(gradients_check(grad_check, tensorflow=net is not None))
    acc = accuracy(final_logits, y) if np.all(np.isfinite(final_logits)) else 0.0
    answer.update(loss_curve=downsample(losses), initial_loss=loss0, final_loss=final_loss, accuracy=acc)
    checks.append(learning_check(losses, loss0, acc, steps, targets, options.activation))
    if net is not None:
        ran = answer["device"] = short_device(net.ran_on)
        visible = answer["gpus_visible"]
        wanted = {"gpu": "GPU", "cpu": "CPU"}.get(options.device)  # auto takes what TensorFlow chose
        where = f"trained on {ran} ({visible} GPU(s) visible)" if visible else f"trained on {ran} (no GPU visible)"
        if wanted is None or ran.startswith(wanted):
            checks.append(check("device", True, where))
        else:
            checks.append(check("device", False, f"--device {options.device} was asked for, but TensorFlow {where}"))
    else:
        checks.append(check("device", True, "trained on the CPU with NumPy"))
    # Gradient flow, measured at the start, where it decides whether the early layers can learn at all
    norms = layer_norms(first[1] if first else grads)
    answer["gradient_norms"] = [{"layer": i + 1, "norm": norm} for i, norm in enumerate(norms)]
    checks.append(gradient_flow_check(norms, options.activation))
    if options.activation == "step":
        checks.append(check(
            "activation", False,
            "the step function's derivative is 0 everywhere (and undefined at 0), so backpropagation "
            "passes no error back through it: the hidden layers' weights never change. "
            "Use sigmoid, tanh or relu to train"))
    return answer


def all_finite(array) -> bool:
    return bool(np.all(np.isfinite(array)))


def forward_check(logits, tf_logits=None) -> dict:
    """Outputs finite, one per point; TensorFlow's equal the reference's on the same weights."""
    ok = logits.ndim == 2 and logits.shape[1] == 1 and all_finite(logits)
    if tf_logits is None:
        return check("forward", ok, f"outputs finite, shape {logits.shape}" if ok
                     else f"outputs shape {logits.shape}, finite: {all_finite(logits)}")
    error = relative_error(tf_logits, logits)
    ok = ok and tf_logits.shape == logits.shape and all_finite(tf_logits) and error < TF_TOLERANCE
    return check("forward", ok,
                 f"outputs finite, shape {tf_logits.shape}, TensorFlow vs NumPy max rel. error {fmt(error)}" if ok
                 else f"TensorFlow outputs shape {tf_logits.shape}, finite: {all_finite(tf_logits)}, "
                      f"vs NumPy max rel. error {fmt(error)}")


def gradient_errors(grads, tf_grads, numeric, analytic) -> dict:
    found: dict = {"tolerances": {"tensorflow_vs_numpy": TF_TOLERANCE, "numpy_vs_finite_differences": FD_TOLERANCE},
                   "finite_difference_epsilon": FD_EPSILON,
                   "finite_difference_coordinates": int(numeric.size),
                   "numpy_vs_finite_differences": relative_error(numeric, analytic)}
    if tf_grads is not None:
        found["tensorflow_vs_numpy"] = max_relative_error(tf_grads, grads)
        found["tensorflow_finite"] = all(all_finite(g) for layer in tf_grads for g in layer)
    return found


def gradients_check(found: dict, tensorflow: bool) -> dict:
    fd_err = found["numpy_vs_finite_differences"]
    problems = []
    if tensorflow:
        tf_err = found["tensorflow_vs_numpy"]
        if not found["tensorflow_finite"]:
            problems.append("TensorFlow's gradients are not finite (NaN or inf): the stack computes nonsense")
        elif not tf_err < TF_TOLERANCE:
            problems.append(f"TensorFlow's gradients differ from the NumPy reference: max rel. error "
                            f"{fmt(tf_err)} > {TF_TOLERANCE:g}")
        text = f"TF vs NumPy max rel. error {fmt(tf_err)}; NumPy vs finite differences {fmt(fd_err)}"
    else:
        text = f"NumPy backprop vs finite differences max rel. error {fmt(fd_err)}"
    if not fd_err < FD_TOLERANCE:
        problems.append(f"backprop differs from finite differences: max rel. error {fmt(fd_err)} > {FD_TOLERANCE:g}")
    return check("gradients", not problems, "; ".join(problems) if problems else text)


def learning_check(losses, loss0, acc, steps, targets, activation) -> dict:
    final_loss = losses[-1]
    learned = final_loss < targets["loss"] and acc >= targets["accuracy"]
    if not math.isfinite(final_loss):
        first_bad = next(i for i, v in enumerate(losses) if not math.isfinite(v))
        return check("learning", False, f"the loss became {final_loss} at step {first_bad}: training diverged")
    detail = (f"accuracy {acc:.0%} after {steps} step{'s' if steps != 1 else ''} (loss {loss0:.3f} → {final_loss:.3g}; "
              f"target: loss < {targets['loss']:g}, accuracy ≥ {targets['accuracy']:.0%})")
    if activation == "step":
        detail += "; only the output layer learned: the hidden layers kept their random weights"
    return check("learning", learned, detail)


def gradient_flow_check(norms: list[float], activation: str) -> dict:
    shown = ", ".join(f"layer {i + 1} ‖g‖ {n:.2g}" for i, n in enumerate(norms))
    first, last = norms[0], norms[-1]
    if not all(math.isfinite(n) for n in norms):
        return check("gradient flow", False, f"gradient norms are not finite: {shown}")
    if len(norms) == 1:
        return check("gradient flow", True, shown)
    ratio = first / last if last > 0 else 0.0
    if ratio >= VANISHING_RATIO:
        return check("gradient flow", True, shown)
    if first == 0.0:
        why = f"no gradient reaches layer 1 ({activation}'s derivative is 0)"
    else:
        why = (f"vanishing gradient: layer 1 gets {ratio:.1e} of the last layer's gradient"
               + ("; sigmoid's derivative is at most 0.25, so each layer multiplies it down - relu avoids this"
                  if activation == "sigmoid" else ""))
    return check("gradient flow", False, f"{why}; {shown}")


def finite_or_none(value):
    """JSON has no NaN: a value that is not a finite number becomes null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_or_none(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_none(v) for v in value]
    if np is not None and isinstance(value, np.generic):
        return finite_or_none(value.item())
    return value


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="smoke_net.py")
    parser.add_argument("--backend", choices=BACKENDS, default="tensorflow")
    parser.add_argument("--task", choices=TASKS, default="xor")
    parser.add_argument("--activation", choices=ACTIVATIONS, default="relu")
    parser.add_argument("--hidden", type=int, default=8)
    parser.add_argument("--depth", type=int, default=1)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=DEVICES, default="auto")
    parser.add_argument("--progress", metavar="FILE", help="append progress lines to FILE")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    answer = train(parse_args(sys.argv[1:] if argv is None else argv))
    sys.stdout.write(json.dumps(answer, allow_nan=False, default=str) + "\n")
    sys.stdout.flush()
    return 0 if answer["passed"] else 1


def train(options) -> dict:
    """run(options), its verdict and timings, as the JSON-ready answer (NaN and inf become null)."""
    try:
        answer = run(options)
    except Exception as error:  # noqa: BLE001 - a failure inside TensorFlow becomes the answer, in words
        answer = {"backend": options.backend, "task": options.task, "checks": [],
                  "error": f"{type(error).__name__}: {error}"}
    answer["passed"] = bool(answer["checks"]) and all(c["passed"] for c in answer["checks"]) \
        and "error" not in answer
    timings = answer.setdefault("timings", {})
    # import vs train: everything imported (NumPy, TensorFlow) against the work done with it
    timings["import_s"] = round(timings.get("import_numpy_s", 0.0) + timings.get("import_tensorflow_s", 0.0), 4)
    timings["total_s"] = round(time.perf_counter() - T_START, 4)
    return finite_or_none(answer)


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    # The answer is written and flushed: skip interpreter teardown, which with TensorFlow loaded
    # (thread pools, atexit hooks) takes longer than the whole training run.
    os._exit(code)
