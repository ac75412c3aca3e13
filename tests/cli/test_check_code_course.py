"""A course written the way 2018–2021 TensorFlow courses were (tests/fixtures/course): every broken line
is named with its fix, and nothing else is — checked against the real TensorFlow 2.21 / Keras 3 / NumPy 2."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from helpers import ROOT, run_cli

COURSE = ROOT / "tests" / "fixtures" / "course"

# (file, cell, line, code, name, words the message or fix must hold)
BROKEN = [
    ("week01_basics/01_graph.py", None, 5, "API_MISSING", "tf.set_random_seed", "tf.compat.v1"),
    ("week01_basics/01_graph.py", None, 6, "API_MISSING", "tf.placeholder", "tf.compat.v1"),
    ("week01_basics/01_graph.py", None, 7, "API_MISSING", "tf.random_normal", "tf.compat.v1"),
    ("week01_basics/01_graph.py", None, 11, "API_MISSING", "tf.train.GradientDescentOptimizer", "tf.compat.v1"),
    ("week01_basics/01_graph.py", None, 13, "API_MISSING", "tf.Session", "tf.compat.v1"),
    ("week01_basics/01_graph.py", None, 14, "API_MISSING", "tf.global_variables_initializer", "tf.compat.v1"),
    ("week02_mnist/mnist_mlp.py", None, 16, "DATASET_DOWNLOAD", "mnist.load_data", "network"),
    ("week02_mnist/mnist_mlp.py", None, 30, "API_MISSING", "model.predict_classes",
     "np.argmax(model.predict(x), axis=-1)"),
    ("week02_mnist/mnist_mlp.py", None, 34, "API_MISSING", "restored.predict_proba", "model.predict(x)"),
    ("week02_mnist/mnist_tf1.py", None, 2, "API_MISSING", "tensorflow.examples", "tf.keras.datasets.mnist.load_data()"),
    ("week02_mnist/mnist_tf1.py", None, 6, "API_MISSING", "tf.logging", "tf.compat.v1"),
    ("week03_cnn/cnn_augmentation.ipynb", 2, 6, "API_MISSING", "keras.preprocessing.image.ImageDataGenerator",
     "image_dataset_from_directory"),
    ("week03_cnn/cnn_augmentation.ipynb", 3, 2, "DATASET_DOWNLOAD", "tf.keras.datasets.cifar10.load_data", "network"),
    ("week03_cnn/cnn_augmentation.ipynb", 4, 9, "API_MISSING", "model.fit_generator", "model.fit(generator"),
    ("week05_numpy/arrays.py", None, 4, "API_MISSING", "np.float", "np.float64"),
    ("week05_numpy/arrays.py", None, 5, "API_MISSING", "np.int", "np.int64"),
    ("week05_numpy/arrays.py", None, 8, "API_MISSING", "np.product", "np.prod"),
    ("week06_legacy/py2_utils.py", None, 6, "SYNTAX_ERROR", None, "Python 2"),
    ("week07_colab/colab_setup.ipynb", 1, 1, "MODULE_NOT_INSTALLED", "google.colab", "Google Colab"),
    ("week07_colab/colab_setup.ipynb", 2, 4, "NOTEBOOK_PIP_PIN", "tensorflow==2.3.0", "would replace it"),
]
# Modules this venv does not install: named only where they really are missing here.
MISSING = [
    ("week03_cnn/cnn_augmentation.ipynb", 2, 3, "MODULE_NOT_INSTALLED", "cv2", "opencv-python"),
    ("week04_nlp/sentiment.py", None, 5, "MODULE_NOT_INSTALLED", "konlpy", "konlpy"),
]


@pytest.fixture(scope="module")
def course():
    result = run_cli("check-code", str(COURSE), "--format", "json")
    assert "Traceback" not in result.stderr, result.stderr
    return result, json.loads(result.stdout)


def _expected():
    return BROKEN + [row for row in MISSING if importlib.util.find_spec(row[4].split(".")[0]) is None]


def test_every_broken_line_is_named_and_nothing_else(course):
    result, data = course
    found = [(f["file"], f.get("cell"), f["line"], f["code"], f["name"]) for f in data["findings"]]
    expected = [row[:5] for row in _expected()]
    assert sorted(found, key=str) == sorted(expected, key=str)
    assert result.returncode == 1 and data["files"] == 13


def test_each_finding_says_why_and_what_to_do(course):
    _, data = course
    by_place = {(f["file"], f.get("cell"), f["line"], f["code"]): f for f in data["findings"]}
    for file, cell, line, code, _name, words in _expected():
        finding = by_place[(file, cell, line, code)]
        assert finding["fix"], finding
        assert words in finding["message"] + " " + finding["fix"], (words, finding)


def test_the_notebook_that_pip_installs_opencv_makes_it_a_warning_and_the_install_command_names_the_rest(course):
    _, data = course
    cv2 = [f for f in data["findings"] if f["name"] == "cv2"]
    if cv2:
        assert cv2[0]["severity"] == "warning" and "cell 2" in cv2[0]["message"]
    wanted = sorted({f["distribution"] for f in data["findings"] if f.get("distribution")}, key=str.lower)
    assert data["install"] == (f"{sys.executable} -m pip install {' '.join(wanted)}" if wanted else None)


def test_text_output_groups_by_file_with_cells_for_notebooks_and_one_week_alone_still_finds_the_course_modules():
    result = run_cli("check-code", str(COURSE / "week03_cnn"), str(COURSE / "week06_legacy" / "py2_utils.py"),
                     str(COURSE / "week02_mnist" / "mnist_mlp.py"))
    lines = result.stdout.splitlines()
    assert not any(word in result.stdout for word in ("utils is not installed", "common is not installed"))
    assert result.returncode == 1 and lines[0].startswith("✗ ")
    assert any(line.endswith("week03_cnn/cnn_augmentation.ipynb") for line in lines)
    cell_line = next(line for line in lines if "fit_generator" in line)
    assert cell_line.lstrip().startswith("cell 4:9")
    assert any(line.endswith("py2_utils.py") for line in lines)
