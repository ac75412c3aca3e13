"""probes/inside/resolve_names.py, run by the real interpreter against the real TensorFlow 2.21 / Keras 3 / NumPy 2."""

from __future__ import annotations

import sys

import pytest

from envcheck.probes import course_code


@pytest.fixture(scope="module")
def tf_answer():
    request = {
        "top": ["tensorflow", "numpy", "os", "cv2_not_here_envcheck", "google"],
        "modules": ["tensorflow", "numpy", "tensorflow.compat.v1", "tensorflow.contrib.slim", "google.colab", "this"],
        "chains": [["tensorflow", ["placeholder"], "attr"],
                   ["tensorflow", ["keras", "preprocessing", "sequence", "pad_sequences"], "attr"],
                   ["tensorflow.compat.v1", ["placeholder"], "attr"],
                   ["tensorflow", ["contrib", "layers"], "attr"],
                   ["tensorflow.keras.models", ["Sequential", "predict_classes"], "method"],
                   ["tensorflow.keras.models", ["Sequential", "fit"], "method"],
                   ["tensorflow.keras.models", ["load_model", "predict"], "method"],
                   ["numpy", ["float"], "attr"], ["numpy", ["float64"], "attr"],
                   ["os", ["path", "join"], "attr"]],
        "alternatives": {"tensorflow": "tensorflow.compat.v1"},
        "versions": ["tensorflow", "keras", "numpy", "no-such-distribution-envcheck"],
    }
    resolved = course_code.resolve(sys.executable, request, timeout=300)
    assert resolved.problem is None, resolved.problem
    return resolved.data


def test_top_level_modules_are_sorted_into_stdlib_installed_and_missing(tf_answer):
    top = tf_answer["top"]
    assert top["os"]["where"] == "stdlib"
    assert top["tensorflow"]["where"] == "installed" and top["numpy"]["where"] == "installed"
    assert top["cv2_not_here_envcheck"]["where"] == "missing"
    assert top["google"]["namespace"] is True  # protobuf's google/ namespace package


def test_submodule_imports_say_which_part_is_missing(tf_answer):
    modules = tf_answer["modules"]
    assert modules["tensorflow.compat.v1"]["ok"]
    assert modules["tensorflow.contrib.slim"]["not_found"] == "tensorflow.contrib"
    assert modules["google.colab"]["not_found"] == "google.colab"
    assert modules["this"]["ok"]  # known to exist, never imported (it prints a poem)


def test_chains_are_walked_in_the_installed_libraries(tf_answer):
    placeholder, pad, compat, contrib, predict_classes, fit, load_model, npfloat, float64, join = tf_answer["chains"]
    assert placeholder["missing_at"] == 0 and placeholder["owner"] == "module tensorflow"
    assert placeholder["alternative"] == {"base": "tensorflow.compat.v1", "ok": True}
    assert pad["ok"] and compat["ok"] and fit["ok"] and float64["ok"] and join["ok"]
    assert contrib["missing_at"] == 0 and contrib["alternative"]["ok"] is False
    assert predict_classes["missing_at"] == 1 and predict_classes["owner_top"] == "keras"
    assert predict_classes["class_name"] == "keras.src.models.sequential.Sequential"
    assert load_model["ok"] and "not a class" in load_model["unchecked"]
    assert npfloat["missing_at"] == 0 and npfloat["owner_top"] == "numpy"


def test_distributions_and_versions_come_from_metadata(tf_answer):
    import importlib.metadata as metadata

    assert tf_answer["distributions"]["tensorflow"] == [["tensorflow", metadata.version("tensorflow")]]
    assert tf_answer["distributions"]["keras"] == [["keras", metadata.version("keras")]]  # the owner of Sequential
    assert tf_answer["versions"]["numpy"] == metadata.version("numpy")
    assert tf_answer["versions"]["no-such-distribution-envcheck"] is None


def test_compile_uses_the_interpreters_own_grammar():
    sources = {"0": 'print "x"\n', "1": "match x:\n    case 1: pass\n"}
    resolved = course_code.resolve(sys.executable, {"compile": sources})
    assert resolved.data["compile"]["0"]["ok"] is False and resolved.data["compile"]["0"]["line"] == 1
    assert resolved.data["compile"]["1"]["ok"] is True  # match is 3.10+; this interpreter is newer
    assert resolved.data["python"] == list(sys.version_info[:3])


def test_a_hung_import_is_a_problem_naming_the_module(tmp_path, monkeypatch):
    (tmp_path / "slow_envcheck_module.py").write_text("import time\ntime.sleep(60)\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    request = {"top": ["slow_envcheck_module"], "modules": ["slow_envcheck_module"]}
    resolved = course_code.resolve(sys.executable, request, timeout=3)
    assert resolved.data is None
    assert "did not finish within 3 s" in resolved.problem
    assert resolved.last_import == "slow_envcheck_module"


def test_before_python_3_10_the_standard_library_is_told_by_where_a_module_lies():
    import importlib.util
    import os

    from envcheck import runner

    path = os.path.join(runner.INSIDE_DIR, "resolve_names.py")
    spec = importlib.util.spec_from_file_location("resolve_names_script", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    names = ("os", "json", "sys", "numpy", "no_such_mod_x")
    layout = {name: script._classify(name, None)["where"] for name in names}  # None: no sys.stdlib_module_names
    assert layout == {"os": "stdlib", "json": "stdlib", "sys": "stdlib", "numpy": "installed",
                      "no_such_mod_x": "missing"}
