"""The target-side smoke network, imported in-process: its hand-written backprop and its training."""

from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from envcheck import runner
from envcheck.checks import smoke


def _load_script():
    spec = importlib.util.spec_from_file_location("smoke_net", os.path.join(runner.INSIDE_DIR, "smoke_net.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


net = _load_script()
SEEDS = range(5)


def test_envcheck_side_choices_match_what_the_script_accepts():
    assert smoke.BACKENDS == net.BACKENDS
    assert smoke.TASKS == net.TASKS
    assert smoke.ACTIVATIONS == net.ACTIVATIONS
    assert smoke.DEVICES == net.DEVICES
    assert {smoke.DEFAULT_STEPS} == set(net.DEFAULT_STEPS.values())
    assert {smoke.DEFAULT_LR} == set(net.DEFAULT_LR.values())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_inputs=st.integers(1, 4),
    hidden=st.integers(1, 6),
    depth=st.integers(1, 4),
    points=st.integers(1, 8),
    activation=st.sampled_from(["relu", "sigmoid", "tanh", "step"]),
    seed=st.integers(0, 2**16),
)
def test_backprop_matches_central_finite_differences(n_inputs, hidden, depth, points, activation, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, (points, n_inputs))
    y = rng.integers(0, 2, (points, 1)).astype(np.float64)
    params = net.kink_free(net.init_params(net.layer_sizes(n_inputs, hidden, depth), activation, seed), seed)
    # relu and step have no derivative at 0: a central difference straddling it agrees with neither side
    _, cache = net.forward(params, x, activation)
    hidden_sums = [z for _, z in cache[:-1]]
    if activation in ("relu", "step") and hidden_sums:
        assume(min(np.min(np.abs(z)) for z in hidden_sums) > 1e-3)
    numeric, analytic = net.finite_difference_grads(params, x, y, activation, seed, max_coordinates=10_000)
    assert numeric.size == sum(p.size for layer in params for p in layer)
    assert net.relative_error(numeric, analytic) < 1e-6


def test_step_activation_passes_no_gradient_to_the_hidden_layers():
    x, y = net.make_task("xor", 0)
    params = net.init_params([2, 8, 1], "step", 0)
    _, grads, _ = net.loss_and_grads(params, x, y, "step")
    assert net.layer_norms(grads)[0] == 0.0
    assert net.layer_norms(grads)[-1] > 0.0  # the output layer still learns: only it moves


@pytest.mark.parametrize("task", ["xor", "circles"])
def test_numpy_reference_learns_on_every_seed(task):
    for seed in SEEDS:
        x, y = net.make_task(task, seed)
        params = net.init_params([2, 8, 1], "relu", seed)
        net.train_numpy(params, x, y, "relu", net.DEFAULT_STEPS[task], net.DEFAULT_LR[task])
        logits = net.forward(params, x, "relu")[0]
        assert net.loss_from_logits(logits, y) < net.TARGETS[task]["loss"], seed
        assert net.accuracy(logits, y) >= net.TARGETS[task]["accuracy"], seed


@pytest.fixture(scope="module")
def tf():
    import tensorflow  # the real TensorFlow of the test install, once for this module

    return tensorflow


def test_tensorflow_learns_xor_on_every_seed_and_agrees_with_numpy(tf):
    x, y = net.make_task("xor", 0)
    for seed in SEEDS:
        params = net.init_params([2, 8, 1], "relu", seed)
        model = net.TensorFlowNet(tf, params, x, y, "relu", 0.05)
        tf_losses = model.train(300)
        _, tf_grads, _ = model.first  # the first step's gradients, at the starting weights
        _, np_grads, _ = net.loss_and_grads(params, x, y, "relu")
        assert net.max_relative_error(tf_grads, np_grads) < net.TF_TOLERANCE, seed
        np_losses = net.train_numpy(params, x, y, "relu", 300, 0.05)
        logits = model.logits().numpy().astype(np.float64)
        assert net.accuracy(logits, y) == 1.0, seed
        assert net.loss_from_logits(logits, y) < net.TARGETS["xor"]["loss"], seed
        # same start, same Adam: float32 and float64 curves stay together
        assert tf_losses[0] == pytest.approx(np_losses[0], rel=1e-5), seed
        assert tf_losses[50] == pytest.approx(np_losses[50], rel=1e-2), seed


def test_downsampled_curve_keeps_first_and_last():
    curve = net.downsample([float(i) for i in range(301)])
    assert curve[0] == [0, 0.0] and curve[-1] == [300, 300.0]
    assert len(curve) <= net.CURVE_POINTS + 2
