"""envcheck check-code on small course trees, against the real TensorFlow 2.21 / Keras 3 / NumPy 2 of this venv."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap

import pytest

from helpers import assert_one_line_error, run_cli


def _write(root, files: dict) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, dict):
            path.write_text(json.dumps(text))
        else:
            path.write_text(textwrap.dedent(text))


def _notebook(*sources) -> dict:
    return {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": s}
                      for s in sources], "metadata": {}, "nbformat": 4, "nbformat_minor": 4}


def _json(result) -> dict:
    assert "Traceback" not in result.stderr, result.stderr
    data = json.loads(result.stdout)
    assert data["schema"] == "envcheck.check-code/1"
    return data


def test_valid_tensorflow2_course_code_gives_no_finding_at_all(tmp_path):
    """No false finding: aliases, compat.v1, Keras 3 names, the course's own package, notebooks with magics."""
    _write(tmp_path, {
        "common/__init__.py": "from .plots import show\n",
        "common/plots.py": "def show(x):\n    return x\n",
        "week1/helpers.py": "def f():\n    return 1\n",
        "week1/compat.py": """
            import tensorflow.compat.v1 as tf
            tf.disable_v2_behavior()
            x = tf.placeholder(tf.float32, [None, 3])
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
        """,
        "week1/keras3.py": """
            from __future__ import annotations
            import os, sys, json
            import numpy as np
            import tensorflow as tf
            from tensorflow import keras
            from tensorflow.keras import layers
            from tensorflow.keras.models import Sequential, load_model
            from tensorflow.keras.preprocessing.sequence import pad_sequences
            import helpers
            from common import show
            from common.plots import show as show2

            K = tf.keras.backend
            model = Sequential([layers.Dense(3, activation="relu"), layers.Dense(1)])
            model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse")
            model.fit(np.zeros((4, 3), dtype=np.float32), np.zeros(4), epochs=1, verbose=0)
            model.summary()
            restored = load_model("m.keras")
            restored.predict(np.ones((1, 3)))
            pad_sequences([[1, 2]], maxlen=4)
            K.clear_session()
            tf.random.set_seed(0)
            print(np.argmax(model.predict(np.ones((1, 3))), axis=-1), os.path.join("a", "b"), sys.argv, json.dumps({}))
            class Net(tf.keras.Model):
                def call(self, x):
                    return tf.nn.relu(x)
        """,
        "week2/lab.ipynb": _notebook(["%matplotlib inline\n", "!nvidia-smi\n", "import numpy as np\n",
                                      "x = np.float64(1)"],
                                     ["%%writefile out.txt\n", "this is not python at all\n"],
                                     ["%%writefile mylib.py\n", "def f():\n", "    return 1\n"],
                                     ["%%time\n", "y = np.mean([1, 2])\n", "files = !ls\n", "np?\n", "import mylib"]),
        "week3/extend.py": """
            import sys
            sys.path.append("../shared")
            import shared_helpers
        """,
        "shared/shared_helpers.py": "VALUE = 1\n",
    })
    result = run_cli("check-code", str(tmp_path), "--format", "json")
    data = _json(result)
    assert data["findings"] == [], data["findings"]
    assert result.returncode == 0 and data["ok"] is True and data["files"] == 8
    assert data["versions"]["tensorflow"] and data["versions"]["keras"].startswith("3.")


def test_broken_lines_are_named_with_file_line_and_fix_and_valid_ones_are_not(tmp_path):
    _write(tmp_path, {
        "lab.py": """
            import numpy as np
            import cv2_missing_for_envcheck
            from yaml_missing_envcheck import safe_load
            a = np.float(3)
            b = np.float64(3)
            c = np.NaN
            d = np.nan
        """,
        "old/py2.py": 'import os\nprint "hello"\n',
    })
    result = run_cli("check-code", str(tmp_path), "--format", "json")
    data = _json(result)
    found = [(f["file"], f["line"], f["code"], f["name"]) for f in data["findings"]]
    assert found == [("lab.py", 3, "MODULE_NOT_INSTALLED", "cv2_missing_for_envcheck"),
                     ("lab.py", 4, "MODULE_NOT_INSTALLED", "yaml_missing_envcheck"),
                     ("lab.py", 5, "API_MISSING", "np.float"),
                     ("lab.py", 7, "API_MISSING", "np.NaN"),
                     ("old/py2.py", 2, "SYNTAX_ERROR", None)]
    assert result.returncode == 1 and data["ok"] is False and data["files_with_problems"] == 2
    for finding in data["findings"]:
        assert set(finding) >= {"code", "severity", "file", "line", "name", "message", "fix", "root"}
        assert finding["root"] == str(tmp_path)
        assert finding["fix"]
    assert data["findings"][0]["distribution"] is None  # unknown name: not guessed
    assert "np.float64" in data["findings"][2]["fix"]


def test_text_groups_findings_by_file_and_ends_with_one_install_command(tmp_path):
    _write(tmp_path, {"a.py": "import cv2\n", "b/c.py": "import sklearn.svm\nimport PIL.Image\n"})
    expect_missing = [m for m in ("cv2", "sklearn", "PIL") if importlib.util.find_spec(m) is None]
    result = run_cli("check-code", str(tmp_path))
    lines = result.stdout.splitlines()
    if not expect_missing:
        assert result.returncode == 0
        return
    assert result.returncode == 1 and lines[0].startswith("✗ ") and "Python " in lines[1]
    assert "a.py" in lines and "b/c.py" in lines
    wanted = {"cv2": "opencv-python", "sklearn": "scikit-learn", "PIL": "Pillow"}
    install = sorted((wanted[m] for m in expect_missing), key=str.lower)
    assert lines[-1] == f"Missing packages, one command: {sys.executable} -m pip install {' '.join(install)}"


def test_a_path_that_does_not_exist_is_exit_2(tmp_path):
    result = run_cli("check-code", str(tmp_path / "no-such-course"))
    assert_one_line_error(result)
    assert "no-such-course" in result.stderr
    assert_one_line_error(run_cli("check-code"))  # no path at all
    assert_one_line_error(run_cli("check-code", str(tmp_path), "--timeout", "0"))


def test_a_hanging_import_is_a_finding_naming_the_module_not_a_hang(tmp_path):
    _write(tmp_path, {"lab.py": "import slow_lib_envcheck\n",
                      "site/slow_lib_envcheck.py": "import time\ntime.sleep(60)\n"})
    result = run_cli("check-code", str(tmp_path / "lab.py"), "--timeout", "2", "--format", "json",
                     env={"PYTHONPATH": str(tmp_path / "site")})
    data = _json(result)
    assert result.returncode == 1
    [finding] = data["findings"]
    assert finding["code"] == "RESOLVE_FAILED" and "slow_lib_envcheck" in finding["message"]


def test_a_package_that_needs_java_is_a_warning_when_java_is_not_on_path(tmp_path):
    _write(tmp_path, {"nlp.py": "import konlpy\n"})
    result = run_cli("check-code", str(tmp_path), "--format", "json", env={"PATH": str(tmp_path), "JAVA_HOME": ""})
    codes = {f["code"]: f for f in _json(result)["findings"]}
    assert codes["SYSTEM_COMPONENT"]["severity"] == "warning" and "Java" in codes["SYSTEM_COMPONENT"]["message"]
    assert ("MODULE_NOT_INSTALLED" in codes) == (importlib.util.find_spec("konlpy") is None)


@pytest.mark.parametrize("flag", ["--python"])
def test_python_option_takes_a_venv_directory(tmp_path, flag):
    import os

    venv = os.path.dirname(os.path.dirname(sys.executable))
    _write(tmp_path, {"ok.py": "import json\njson.dumps({})\n"})
    result = run_cli("check-code", str(tmp_path), flag, venv)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("✓ ")


def test_doctor_checks_code_only_when_asked(tmp_path):
    _write(tmp_path, {"lab.py": "import numpy as np\nx = np.float(1)\n"})
    assert_one_line_error(run_cli("doctor", "--code", str(tmp_path / "missing")))
    data = json.loads(run_cli("doctor", "--code", str(tmp_path), "--format", "json").stdout)
    code = next(area for area in data["areas"] if area["key"] == "code")
    assert code["status"] == "error" and code["findings"][0]["message"].startswith("lab.py:2: np.float does not exist")


def test_a_verify_profile_may_name_the_course_code(tmp_path):
    _write(tmp_path, {"course/lab.py": "import numpy as np\nx = np.float(1)\n",
                      "course.toml": '[packages]\nnumpy = ""\n[code]\npaths = ["course"]\n',
                      "bad.toml": '[code]\npaths = ["no-such-folder"]\n'})
    result = run_cli("verify", "--profile", str(tmp_path / "course.toml"), cwd=str(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    failed = next(line for line in result.stdout.splitlines() if line.startswith("FAIL"))
    assert "course code in course" in failed and "lab.py:2: np.float does not exist" in failed
    bad = run_cli("verify", "--profile", str(tmp_path / "bad.toml"))
    assert_one_line_error(bad)
    assert "bad.toml:2: [code] paths: no-such-folder does not exist" in bad.stderr
