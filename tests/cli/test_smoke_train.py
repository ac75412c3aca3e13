"""smoke-train end to end: real TensorFlow children, stand-in TensorFlows that crash, hang or lie."""

from __future__ import annotations

import json
import textwrap

import pytest

from envcheck.model import SmokeReport

from helpers import NAN_GRADIENTS_TENSORFLOW, assert_one_line_error, run_cli


def _json(*args, env=None):
    result = run_cli("smoke-train", "--format", "json", *args, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result, json.loads(result.stdout)


# Real TensorFlow runs are ~3 s of CPU each: every test below shares these few.
@pytest.fixture(scope="module")
def tf_default():
    return _json()


@pytest.fixture(scope="module")
def numpy_default():
    return _json("--backend", "numpy")


@pytest.fixture(scope="module")
def tf_sigmoid_deep():
    return _json("--activation", "sigmoid", "--depth", "8")


def _check(data, name):
    return next(c for c in data["checks"] if c["name"] == name)


def test_tensorflow_trains_xor_and_every_check_passes(tf_default):
    from envcheck.checks import smoke

    result, data = tf_default
    report = SmokeReport.from_dict(data)
    assert smoke.summary(report).startswith("XOR learned in ") and smoke.summary(report).endswith(" on CPU:0")
    assert result.returncode == 0, data
    assert data["schema"] == "envcheck.smoke-train/1"
    assert data["passed"] is True and data["failure"] is None
    assert data["device"] == "CPU:0" and data["versions"]["tensorflow"]
    assert [c["name"] for c in data["checks"]] == ["forward", "gradients", "learning", "device", "gradient flow"]
    assert data["accuracy"] == 1.0 and data["final_loss"] < data["targets"]["loss_below"]
    assert data["gradient_check"]["tensorflow_vs_numpy"] < 1e-3
    assert data["gradient_check"]["numpy_vs_finite_differences"] < 1e-4
    assert data["timings"]["import_s"] > 0 and data["timings"]["train_s"] > 0
    assert data["loss_curve"][0][0] == 0 and data["loss_curve"][-1][0] == data["steps"]


def test_tensorflow_and_numpy_backends_agree(tf_default, numpy_default):
    (_, tf_data), (result, np_data) = tf_default, numpy_default
    assert result.returncode == 0 and np_data["passed"]
    assert np_data["network"] == tf_data["network"]
    assert tf_data["initial_loss"] == pytest.approx(np_data["initial_loss"], rel=1e-6)
    assert tf_data["accuracy"] == np_data["accuracy"] == 1.0
    tf_norms = [layer["norm"] for layer in tf_data["gradient_norms"]]
    np_norms = [layer["norm"] for layer in np_data["gradient_norms"]]
    assert tf_norms == pytest.approx(np_norms, rel=1e-4)
    # same starting weights, same Adam: the float32 and float64 loss curves stay together
    assert [step for step, _ in tf_data["loss_curve"]] == [step for step, _ in np_data["loss_curve"]]
    assert tf_data["loss_curve"][8][1] == pytest.approx(np_data["loss_curve"][8][1], rel=1e-2)


def test_sigmoid_depth_8_shows_the_vanishing_gradient_and_relu_does_not(tf_sigmoid_deep, tf_default):
    result, data = tf_sigmoid_deep
    norms = [layer["norm"] for layer in data["gradient_norms"]]
    assert len(norms) == 9
    assert norms[0] < 1e-3 * norms[-1]
    flow = _check(data, "gradient flow")
    assert not flow["passed"] and "vanishing gradient" in flow["detail"]
    assert result.returncode == 1
    relu_norms = [layer["norm"] for layer in tf_default[1]["gradient_norms"]]
    assert relu_norms[0] > 0.1 * relu_norms[-1]
    assert _check(tf_default[1], "gradient flow")["passed"]


def test_step_activation_cannot_be_trained_and_says_why():
    result = run_cli("smoke-train", "--activation", "step")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    activation = next(line for line in lines if line.startswith("activation"))
    assert "FAIL" in activation and "derivative is 0" in activation and "backpropagation" in activation
    assert lines[-1].startswith("result") and "FAIL" in lines[-1] and "activation" in lines[-1]
    assert lines[-2].startswith("fix") and "--activation relu" in lines[-2]
    # the step function is the cause (gradient flow fails because of it): its fix, not the one for deep networks
    assert "differentiable activation" in lines[-2] and "deep networks" not in lines[-2], lines[-2]


def test_device_gpu_on_a_cpu_machine_fails_instead_of_training_on_the_cpu():
    result, data = _json("--device", "gpu")
    assert result.returncode == 1
    device = _check(data, "device")
    assert not device["passed"] and "sees no GPU" in device["detail"]
    assert "device" in data["failure"] and "loss_curve" not in data
    assert "check-cuda" in data["fix"]
    from envcheck.checks import smoke

    assert smoke.summary(SmokeReport.from_dict(data)) == data["failure"]


def test_numpy_backend_piped_prints_plain_stable_lines():
    result = run_cli("smoke-train", "--backend", "numpy", "--task", "circles")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "\x1b[" not in result.stdout and "━" not in result.stdout
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == ["forward", "gradients", "learning", "device", "gradient", "loss", "time", "result"]


@pytest.mark.parametrize("argv", [
    ["--hidden", "0"], ["--hidden", "x"], ["--depth", "-1"], ["--steps", "0"], ["--lr", "0"],
    ["--lr", "nan"], ["--timeout", "0"], ["--backend", "torch"], ["--activation", "swish"],
    ["--task", "mnist"], ["--device", "tpu"], ["--seed", "-1"], ["--format", "yaml"],
])
def test_bad_usage_is_one_line_and_exit_2(argv):
    assert_one_line_error(run_cli("smoke-train", *argv), 2)


# ---------------------------------------------------------------- stand-in TensorFlows


def _stand_in(tmp_path, source: str) -> dict:
    package = tmp_path / "tensorflow"
    package.mkdir()
    (package / "__init__.py").write_text(textwrap.dedent(source))
    return {"PYTHONPATH": str(tmp_path)}


@pytest.fixture(scope="module")
def bare_venv(tmp_path_factory):
    """A real virtual environment with nothing installed, and a directory holding only NumPy."""
    import os
    import subprocess
    import sys

    import numpy

    root = tmp_path_factory.mktemp("bare")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    only_numpy = root / "only-numpy"
    only_numpy.mkdir()
    os.symlink(os.path.dirname(numpy.__file__), only_numpy / "numpy")
    return root / "venv", only_numpy


def test_tensorflow_missing_names_the_install_command(bare_venv):
    venv, only_numpy = bare_venv
    result, data = _json("--python", str(venv), env={"PYTHONPATH": str(only_numpy)})
    assert result.returncode == 1
    assert data["failure"].startswith("TensorFlow is not installed for ") and str(venv) in data["failure"]
    assert f"{venv}/bin/python -m pip install tensorflow" in data["fix"]
    assert "-m pip install tensorflow" in result.stderr  # the hint, next to the JSON
    [only] = data["checks"]
    assert only["name"] == "import" and not only["passed"]
    piped = run_cli("smoke-train", "--python", str(venv), env={"PYTHONPATH": str(only_numpy)})
    assert piped.returncode == 1 and "Traceback" not in piped.stderr
    assert any(line.startswith("fix") and "-m pip install tensorflow" in line for line in piped.stdout.splitlines())


def test_numpy_backend_without_numpy_names_the_install_command(bare_venv):
    venv, _ = bare_venv
    result, data = _json("--python", str(venv), "--backend", "numpy")
    assert result.returncode == 1
    assert data["failure"].startswith("NumPy is not installed for ")
    assert data["fix"].endswith("-m pip install numpy")


def test_neither_numpy_nor_tensorflow_installed_gets_one_fix_that_brings_both(bare_venv):
    """Installing only NumPy would fail the next run on TensorFlow: the fix installs what the backend needs."""
    venv, _ = bare_venv
    result, data = _json("--python", str(venv))
    assert result.returncode == 1
    assert data["failure"].startswith("NumPy is not installed for ")
    assert data["fix"].endswith("-m pip install numpy tensorflow"), data["fix"]


def test_tensorflow_that_fails_to_import_names_the_error(tmp_path):
    env = _stand_in(tmp_path, """
        raise ImportError("libcudart.so.12: cannot open shared object file: No such file or directory")
    """)
    result = run_cli("smoke-train", env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "failed to import" in result.stdout and "libcudart.so.12" in result.stdout


def test_tensorflow_that_segfaults_on_import_is_a_named_crash(tmp_path):
    env = _stand_in(tmp_path, """
        import os, signal
        os.kill(os.getpid(), signal.SIGSEGV)
    """)
    result, data = _json(env=env)
    assert result.returncode == 1
    assert data["failure"] == "the training child crashed (SIGSEGV: segmentation fault) while importing TensorFlow"
    assert data["checks"][0]["name"] == "run" and not data["passed"]


def test_tensorflow_that_hangs_is_stopped_at_the_timeout(tmp_path):
    env = _stand_in(tmp_path, """
        import time
        time.sleep(600)
    """)
    result, data = _json("--timeout", "2", env=env)
    assert result.returncode == 1
    assert "did not finish within 2 s while importing TensorFlow" in data["failure"]
    assert data["timings"]["wall_s"] < 30


def test_tensorflow_returning_nan_gradients_fails_the_gradient_check(tmp_path):
    # The real TensorFlow underneath, with GradientTape.gradient poisoned: imports fine, computes nonsense.
    env = _stand_in(tmp_path, NAN_GRADIENTS_TENSORFLOW)
    result, data = _json(env=env)
    assert result.returncode == 1
    gradients = _check(data, "gradients")
    assert not gradients["passed"] and "not finite" in gradients["detail"]
    assert not _check(data, "learning")["passed"]
    assert data["failure"].startswith("gradients: TensorFlow's gradients are not finite")


def test_help_explains_the_ideas_and_imports_nothing_heavy():
    result = run_cli("smoke-train", "--help")
    assert result.returncode == 0
    for idea in ("--activation", "step", "vanishing gradient", "--device", "--backend"):
        assert idea in result.stdout
    timed = run_cli("smoke-train", "--help", env={"PYTHONPROFILEIMPORTTIME": "1"})
    imported = {line.rsplit("|", 1)[-1].strip() for line in timed.stderr.splitlines() if "|" in line}
    assert imported and not imported & {"rich", "numpy", "tensorflow", "psutil", "pynvml"}


def test_check_keeps_the_signature_doctor_calls():
    import inspect

    from envcheck.checks import smoke

    signature = inspect.signature(smoke.check)
    assert str(signature) == (
        "(python: 'TargetPython', *, backend: 'str' = 'tensorflow', task: 'str' = 'xor', "
        "activation: 'str' = 'relu', hidden: 'int' = 8, depth: 'int' = 1, steps: 'int | None' = None, "
        "lr: 'float | None' = None, seed: 'int' = 0, device: 'str' = 'auto', timeout: 'float' = 120.0) -> 'dict'"
    )


def test_on_a_terminal_it_draws_the_table_and_the_loss_sparkline():
    import os
    import sys

    from helpers import run_on_terminal

    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(COLUMNS="120", TERM="xterm")
    argv = [sys.executable, "-m", "envcheck", "smoke-train", "--backend", "numpy"]
    code, out, err = run_on_terminal(argv, env=env, timeout=60)
    assert code == 0
    screen = (out + err).decode("utf-8", "replace")
    assert "Traceback" not in screen
    assert "Learned: a 2-8-1 relu network on XOR with NumPy" in screen
    assert "loss" in screen and "█" in screen and "▁" in screen
    assert "gradient flow" in screen and "✓" in screen

