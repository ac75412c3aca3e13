"""probes.course_code: finding a course's files, reading notebooks as Python with their line numbers kept."""

from __future__ import annotations

import json
import os

import pytest

from envcheck.errors import UsageError
from envcheck.probes import course_code
from envcheck.probes.python_source import analyse


def _notebook(*cells) -> dict:
    return {"cells": [{"cell_type": kind, "metadata": {}, "source": source} for kind, source in cells],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 4}


def test_magics_shell_escapes_and_help_become_pass_and_the_lines_keep_their_cells():
    text, cells, lines, installs = course_code.notebook_source(_notebook(
        ("markdown", ["# Lab 1\n", "import nothing_here\n"]),
        ("code", ["!pip install -q opencv-python 'scikit-learn>=1.0'\n", "%matplotlib inline\n", "import cv2\n",
                  "for f in []:\n", "    !echo {f}\n", "files = !ls\n", "cv2?\n", "%pip install --upgrade tf-keras"]),
        ("code", "%%bash\nprint 'not python'\nexit 1"),
        ("code", ["%%time\n", "import numpy as np"]),
    ))
    assert analyse(text).syntax_error is None
    assert text.splitlines()[:8] == ["pass", "pass", "import cv2", "for f in []:", "    pass", "files = None",
                                     "pass", "pass"]
    assert cells == (2,) * 8 + (3,) * 3 + (4,) * 2  # markdown cells count too, as Jupyter shows them
    assert lines[2] == 3 and lines[-1] == 2
    assert installs == ((1, ("opencv-python", "scikit-learn>=1.0")), (8, ("tf-keras",)))
    imports = [(i.line, i.module) for i in analyse(text).imports]
    assert imports == [(3, "cv2"), (13, "numpy")]  # the markdown "import" is not code


def test_nbformat3_worksheets_are_read():
    version3 = {"worksheets": [{"cells": [{"cell_type": "code", "input": "import os"}]}]}
    text, cells, _, _ = course_code.notebook_source(version3)
    assert text == "import os\n" and cells == (1,)


def test_not_a_notebook_is_none():
    assert course_code.notebook_source([1, 2]) is None
    assert course_code.notebook_source({"cells": "x"}) is None


@pytest.mark.parametrize("line, expected", [
    ("!pip install numpy==1.19.5 tensorflow==1.15", ("numpy==1.19.5", "tensorflow==1.15")),
    ("!python -m pip install -r requirements.txt konlpy", ("konlpy",)),
    ("%pip install -i https://example.invalid/simple -U tf-keras  # legacy Keras", ("tf-keras",)),
    ("!pip3 install $PKG", ()),
    ("!pip list", ()),
    ("!ls", ()),
])
def test_pip_requirements(line, expected):
    assert course_code.pip_requirements(line) == expected


def test_find_sources_walks_folders_and_skips_checkpoints_caches_and_virtual_environments(tmp_path):
    (tmp_path / "week1").mkdir()
    (tmp_path / "week1" / "lab.py").write_text("import os\n")
    (tmp_path / "week1" / "notes.txt").write_text("not code\n")
    (tmp_path / "week1" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "week1" / ".ipynb_checkpoints" / "lab-checkpoint.ipynb").write_text("{}")
    (tmp_path / "myenv").mkdir()
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "myenv" / "six.py").write_text("import os\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.py").write_text("")
    (tmp_path / "a.ipynb").write_text("{}")
    found = course_code.find_sources([str(tmp_path), str(tmp_path / "week1" / "lab.py")])
    # the file named again is read once
    assert [item.rel for item in found] == ["a.ipynb", os.path.join("week1", "lab.py")]


def test_a_path_that_does_not_exist_is_bad_usage(tmp_path):
    with pytest.raises(UsageError, match="no such file or directory"):
        course_code.find_sources([str(tmp_path / "missing")])


@pytest.mark.parametrize("name", ["fifo", "/dev/zero"])
def test_a_fifo_or_device_named_on_the_command_line_is_bad_usage(tmp_path, name):
    path = name if name.startswith("/") else str(tmp_path / name)
    if not name.startswith("/"):
        os.mkfifo(path)
    with pytest.raises(UsageError, match="not a regular file or folder"):
        course_code.find_sources([path])


def test_unreadable_files_are_problems_not_errors(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n")
    undecodable = tmp_path / "bytes.py"
    undecodable.write_bytes(b"name = '\xe9'\n")
    found = {item.rel: course_code.read_source(item) for item in course_code.find_sources([str(tmp_path)])}
    assert "not JSON" in found["broken.ipynb"].problem
    assert "not a regular file" in found["pipe.py"].problem  # a FIFO is never opened for a blocking read
    assert found["latin.py"].text == "# -*- coding: latin-1 -*-\nname = 'été'\n"  # PEP 263, as Python reads it
    assert found["bytes.py"].syntax_error is not None  # Python itself refuses non-UTF-8 source without a coding line


def test_local_modules_are_python_files_and_folders_with_python(tmp_path):
    (tmp_path / "utils.py").write_text("")
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "plotting.py").write_text("")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "mnist.npz").write_bytes(b"")
    (tmp_path / "fast.cpython-311-x86_64-linux-gnu.so").write_bytes(b"")
    assert course_code.local_modules(str(tmp_path)) == {"utils", "helpers", "fast"}
    assert course_code.local_modules(str(tmp_path / "nowhere")) == frozenset()


def test_notebook_json_with_a_bom_is_read(tmp_path):
    path = tmp_path / "bom.ipynb"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(_notebook(("code", "import os"))).encode())
    source = course_code.read_source(course_code.find_sources([str(path)])[0])
    assert source.text == "import os\n" and source.kind == "ipynb"


def test_modules_a_notebook_writes_itself_are_known():
    notebook = _notebook(("code", ["%%writefile helpers.py\n", "def f():\n", "    return 1\n"]),
                         ("code", "%%writefile notes.txt\nhello"), ("code", "import helpers"))
    assert course_code.written_modules(notebook) == ("helpers",)


def test_hostile_notebooks_and_links_are_read_or_reported_never_a_crash(tmp_path):
    (tmp_path / "weird.ipynb").write_text(json.dumps(
        {"cells": [{"cell_type": "code", "source": 5}, {"cell_type": "code", "source": [1, "\nimport os"]}, "x"]}))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "loop").symlink_to("..")
    (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere")
    found = {item.rel: course_code.read_source(item) for item in course_code.find_sources([str(tmp_path)])}
    assert sorted(found) == ["dangling.py", "weird.ipynb"]  # the loop is not followed
    assert found["weird.ipynb"].text == "5\n1\nimport os\n"
    assert "No such file" in found["dangling.py"].problem
