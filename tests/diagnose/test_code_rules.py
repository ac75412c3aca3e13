"""diagnose.code: findings from the target's answers; the tables explain, they never detect."""

from __future__ import annotations

from envcheck import data
from envcheck.diagnose.code import CODES, CodeFile, diagnose, install_command
from envcheck.probes.python_source import analyse

PY = "/course/.venv/bin/python"
CHANGES = data.load("api_changes.toml")
NAMES = data.load("import_names.toml")


def _file(source: str, rel: str = "lab.py", **extra) -> CodeFile:
    facts = analyse(source, {"load_model": "Model"})
    kind = extra.pop("kind", "py")
    return CodeFile(root="course", rel=rel, kind=kind, imports=facts.imports, uses=facts.uses, **extra)


def _run(files, answer, asked=(), **options):
    return diagnose(files, answer, python=PY, python_version="3.11.7", changes=CHANGES, import_names=NAMES,
                    asked_chains=asked, **options)


TF = {"top": {"tensorflow": {"where": "installed"}, "numpy": {"where": "installed"}},
      "modules": {"tensorflow": {"ok": True}, "numpy": {"ok": True}},
      "distributions": {"tensorflow": [["tensorflow", "2.21.0"]], "numpy": [["numpy", "2.4.6"]]}}


def test_a_missing_name_the_table_does_not_know_still_is_a_finding_with_a_generic_fix():
    file = _file("import numpy as np\nnp.brand_new_removal(1)\n")
    answer = dict(TF, chains=[{"ok": False, "missing_at": 0, "owner": "module numpy", "owner_top": "numpy"}])
    [finding] = _run([file], answer, asked=[("numpy", ("brand_new_removal",), "attr")])
    assert (finding.code, finding.line, finding.name) == ("API_MISSING", 2, "np.brand_new_removal")
    assert finding.message == "np.brand_new_removal does not exist in numpy 2.4.6"
    assert "numpy's release notes" in finding.fix


def test_a_name_the_table_lists_that_exists_in_the_installed_version_is_no_finding():
    file = _file("import numpy as np\nnp.float(1)\n")
    answer = dict(TF, chains=[{"ok": True, "path": "numpy.float"}])  # an old NumPy, where np.float still exists
    assert _run([file], answer, asked=[("numpy", ("float",), "attr")]) == []


def test_the_tf1_explanation_needs_the_name_under_compat_v1_in_the_target():
    file = _file("import tensorflow as tf\ntf.placeholder\ntf.contrib\n")
    asked = [("tensorflow", ("placeholder",), "attr"), ("tensorflow", ("contrib",), "attr")]
    compat = "tensorflow.compat.v1"
    answer = dict(TF, chains=[
        {"ok": False, "missing_at": 0, "owner_top": "tensorflow", "alternative": {"base": compat, "ok": True}},
        {"ok": False, "missing_at": 0, "owner_top": "tensorflow", "alternative": {"base": compat, "ok": False}}])
    placeholder, contrib = _run([file], answer, asked=asked)
    assert "tf.compat.v1" in placeholder.message and placeholder.fix.startswith("import tensorflow.compat.v1 as tf")
    assert "tf.contrib was removed in TensorFlow 2.0" in contrib.message and "compat.v1" not in contrib.fix


def test_missing_modules_name_their_distribution_and_one_install_command():
    file = _file("import cv2\nfrom sklearn.svm import SVC\nimport brandnewthing\nimport cv2 as again\n")
    missing = {"where": "missing"}
    answer = {"top": {"cv2": missing, "sklearn": missing, "brandnewthing": missing}, "modules": {}, "chains": []}
    found = _run([file], answer)
    assert [(f.line, f.name, f.distribution) for f in found] == [
        (1, "cv2", "opencv-python"), (2, "sklearn", "scikit-learn"), (3, "brandnewthing", None)]
    assert found[0].fix == f"{PY} -m pip install opencv-python"
    assert "does not know which distribution" in found[2].message
    assert install_command(found, PY) == f"{PY} -m pip install opencv-python scikit-learn"


def test_guarded_imports_local_modules_and_relative_imports_are_not_findings():
    file = _file("try:\n    import cPickle\nexcept ImportError:\n    pass\nimport utils\nfrom . import x\n",
                 local=frozenset({"utils"}))
    answer = {"top": {"cPickle": {"where": "missing"}}, "modules": {}, "chains": []}
    assert _run([file], answer) == []


def test_a_notebook_that_pip_installs_the_module_itself_gets_a_warning_with_the_cell():
    source = "pass\nimport cv2\n"
    file = _file(source, rel="lab.ipynb", kind="ipynb", cells=(1, 2), cell_lines=(1, 1),
                 pip_installs=((1, ("opencv-python==4.5.1",)),))
    [finding] = _run([file], {"top": {"cv2": {"where": "missing"}}, "modules": {}, "chains": []})
    assert finding.severity == "warning" and (finding.cell, finding.line) == (2, 1)
    assert "the notebook installs it itself (cell 1" in finding.message
    assert finding.to_dict()["cell"] == 2 and finding.to_dict()["distribution"] == "opencv-python"


def test_a_namespace_package_without_the_submodule_is_a_missing_module():
    file = _file("from google.colab import drive\n")
    answer = {"top": {"google": {"where": "installed", "namespace": True}},
              "modules": {"google.colab": {"ok": False, "not_found": "google.colab"}}, "chains": [{"ok": False}]}
    [finding] = _run([file], answer, asked=[("google.colab", ("drive",), "from")])
    assert (finding.code, finding.name, finding.distribution) == ("MODULE_NOT_INSTALLED", "google.colab", None)
    assert "only inside Google Colab" in finding.fix


def test_a_broken_installed_module_is_an_import_failure_with_the_missing_dependency():
    file = _file("import sklearn\n")
    answer = {"top": {"sklearn": {"where": "installed"}},
              "modules": {"sklearn": {"ok": False, "not_found": "scipy",
                                      "error": "ModuleNotFoundError: No module named 'scipy'"}}}
    [finding] = _run([file], answer)
    assert finding.code == "MODULE_IMPORT_FAILED" and finding.fix == f"{PY} -m pip install scipy"


def test_syntax_errors_unreadable_files_and_a_failed_child():
    python2 = "Missing parentheses in call to 'print'. Did you mean print(...)?"
    files = [CodeFile("course", "py2.py", "py", syntax_error=(3, python2)),
             CodeFile("course", "bad.ipynb", "ipynb", problem="not a Jupyter notebook (not JSON: x)")]
    found = _run(files, None, resolve_problem="crashed (SIGILL: illegal instruction, often a CPU without AVX)",
                 last_import="tensorflow")
    assert [(f.code, f.severity, f.file, f.line) for f in found] == [
        ("RESOLVE_FAILED", "error", None, None), ("SYNTAX_ERROR", "error", "py2.py", 3),
        ("FILE_UNREADABLE", "warning", "bad.ipynb", None)]
    assert "while importing tensorflow" in found[0].message and "Python 2 code" in found[1].fix


def test_system_components_and_downloads():
    file = _file("from konlpy.tag import Okt\nimport keras\nkeras.datasets.mnist.load_data()\n")
    answer = {"top": {"konlpy": {"where": "installed"}, "keras": {"where": "installed"}},
              "modules": {"konlpy.tag": {"ok": True}, "keras": {"ok": True}}, "chains": [{"ok": True}, {"ok": True}]}
    asked = [("konlpy.tag", ("Okt",), "from"), ("keras", ("datasets", "mnist", "load_data"), "attr")]
    found = _run([file], answer, asked=asked, programs={"java": False})
    assert [(f.code, f.severity, f.line) for f in found] == [
        ("SYSTEM_COMPONENT", "warning", 1), ("DATASET_DOWNLOAD", "info", 3)]
    assert _run([file], answer, asked=asked, programs={"java": True})[0].code == "DATASET_DOWNLOAD"


def test_every_code_is_in_the_readme():
    from helpers import ROOT

    readme = (ROOT / "README.md").read_text()
    assert [code for code in CODES if f"`{code}`" not in readme] == []


def test_every_table_row_names_its_public_source():
    for section in ("change", "download", "system"):
        for row in CHANGES[section]:
            assert row.get("source", "").startswith("https://"), row
    assert CHANGES["returns"]["source"].startswith("https://")
    for name, row in NAMES["modules"].items():
        assert row["source"].startswith("https://"), name


def test_a_notebook_that_pins_another_version_than_the_installed_one_is_a_warning():
    file = _file("pass\npass\n", rel="lab.ipynb", kind="ipynb", cells=(1, 1), cell_lines=(1, 2),
                 pip_installs=((1, ("tensorflow==1.15", "numpy>=1.20", "keras[tf]")), (2, ("./local.whl",))))
    answer = {"top": {}, "modules": {}, "chains": [], "versions": {"tensorflow": "2.21.0", "numpy": "2.4.6"}}
    [finding] = _run([file], answer)
    assert (finding.code, finding.severity, finding.cell, finding.line) == ("NOTEBOOK_PIP_PIN", "warning", 1, 1)
    assert "tensorflow 2.21.0" in finding.message and finding.name == "tensorflow==1.15"


def test_a_module_above_the_checked_folder_counts_as_the_courses_own_only_when_the_environment_lacks_it():
    file = _file("import utils\nimport numpy as np\nnp.float\n", local_fallback=frozenset({"utils", "numpy"}))
    answer = dict(TF, top={"utils": {"where": "missing"}, "numpy": {"where": "installed"}},
                  chains=[{"ok": False, "missing_at": 0, "owner_top": "numpy"}])
    [finding] = _run([file], answer, asked=[("numpy", ("float",), "attr")])
    assert (finding.code, finding.name) == ("API_MISSING", "np.float")  # numpy/ above is no excuse: it is installed
