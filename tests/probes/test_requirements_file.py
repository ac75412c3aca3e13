"""The requirements-file reader: pip's line format, includes, pyproject.toml, and bad lines as FILE:LINE errors."""

from __future__ import annotations

import pytest

from envcheck.probes import requirements_file as rf
from envcheck.probes.requirements_file import NOT_CHECKED, REQUIREMENT, Entry, Include, RequirementsFileError

from helpers import assert_one_line_error, run_cli


def test_pip_format_lines():
    text = (
        "# comment\n"
        "\n"
        "numpy>=1.26  # trailing comment\n"
        'tensorflow[and-cuda] >=2.16 ; sys_platform == "linux" \\\n'
        "    --hash=sha256:abc \\\n"
        "    --hash=sha256:def\n"
        "keras==3.*\n"
        "--extra-index-url https://download.example/simple\n"
        "--prefer-binary\n"
        "-rmore.txt\n"
        "--constraint=pins.txt\n"
        "url-frag @ https://example.org/p.zip#sha256=abc\n"
        "pkg-${SUFFIX}==1\n"
    )
    items = rf.parse(text, "r.txt", environ={"SUFFIX": "core"})
    assert items == [
        Entry("r.txt", 3, "numpy>=1.26", REQUIREMENT),
        Entry("r.txt", 4, 'tensorflow[and-cuda] >=2.16 ; sys_platform == "linux"', REQUIREMENT),
        Entry("r.txt", 7, "keras==3.*", REQUIREMENT),
        Include("r.txt", 10, "more.txt", "requirement"),
        Include("r.txt", 11, "pins.txt", "constraint"),
        Entry(
            "r.txt",
            12,
            "url-frag @ https://example.org/p.zip#sha256=abc",
            NOT_CHECKED,
            "a direct reference (name @ URL): which version the URL holds is only known by downloading it",
        ),
        Entry("r.txt", 13, "pkg-core==1", REQUIREMENT),
    ]


def test_a_comment_line_ends_a_continuation_as_in_pip():
    assert rf.logical_lines("numpy \\\n# not continued\nscipy\n") == [(1, "numpy"), (3, "scipy")]


@pytest.mark.parametrize(
    "line, reason",
    [
        ("git+https://github.com/org/repo.git@v1#egg=repo", "a VCS link"),
        ("https://example.org/pkg-1.0-py3-none-any.whl", "a URL"),
        ("./vendor/pkg", "a local path"),
        ("../pkg-1.0.tar.gz", "a local path"),
        ("pkg-1.0-py3-none-any.whl", "a local path"),
        ("-e .", "an editable install"),
        ("--editable git+https://github.com/org/repo#egg=repo", "an editable install"),
        ("-r https://example.org/requirements.txt", "an include by URL"),
    ],
)
def test_lines_envcheck_cannot_check_offline_say_why(line, reason):
    (entry,) = rf.parse(line + "\n", "r.txt")
    assert entry.kind == NOT_CHECKED and entry.reason.startswith(reason), entry


@pytest.mark.parametrize(
    "text, line, what",
    [
        ("numpy\ntensorflow>=>2\n", 2, "not a valid requirement: 'tensorflow>=>2'"),
        ("numpy\n--index-ur https://x\n", 2, "unknown option --index-ur"),
        ("numpy -r other.txt\n", 1, "option -r cannot follow a requirement"),
        ("\n\n-r\n", 3, "option -r needs a value"),
        ("--hash=sha256:abc\n", 1, "option --hash belongs after a requirement"),
        ("numpy \\\n  ==1 ; python_version <\n", 1, "not a valid requirement"),
    ],
)
def test_bad_lines_name_file_and_line(text, line, what):
    with pytest.raises(RequirementsFileError) as error:
        rf.parse(text, "course/requirements.txt")
    assert str(error.value).startswith(f"course/requirements.txt:{line}: "), str(error.value)
    assert what in str(error.value)


def test_includes_are_relative_to_the_including_file(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "top.txt").write_text("-r ../b/mid.txt\nnumpy\n")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "mid.txt").write_text("-c pins.txt\nscipy\n")
    (tmp_path / "b" / "pins.txt").write_text("scipy<2\n")
    entries = rf.read(str(tmp_path / "a" / "top.txt"))
    assert [(e.source.replace(str(tmp_path) + "/", ""), e.text, e.kind) for e in entries] == [
        ("b/pins.txt:1", "scipy<2", "constraint"),
        ("b/mid.txt:2", "scipy", "requirement"),
        ("a/top.txt:2", "numpy", "requirement"),
    ]


def test_include_cycles_and_missing_includes_are_errors(tmp_path):
    (tmp_path / "a.txt").write_text("numpy\n-r b.txt\n")
    (tmp_path / "b.txt").write_text("-r a.txt\n")
    with pytest.raises(RequirementsFileError, match=r"b\.txt:1: includes a\.txt, which includes this file again"):
        rf.read(str(tmp_path / "a.txt"))
    (tmp_path / "c.txt").write_text("\n-r nowhere.txt\n")
    with pytest.raises(RequirementsFileError, match=r"c\.txt:2: cannot include nowhere\.txt: no such file"):
        rf.read(str(tmp_path / "c.txt"))


def test_pyproject_errors():
    with pytest.raises(RequirementsFileError, match=r"^p\.toml: no \[project\] table"):
        rf.parse_pyproject("[tool.x]\na = 1\n", "p.toml")
    with pytest.raises(RequirementsFileError, match=r"^p\.toml: \[project\] dependencies are dynamic"):
        rf.parse_pyproject('[project]\nname = "x"\ndynamic = ["dependencies"]\n', "p.toml")
    with pytest.raises(
        RequirementsFileError, match=r"^p\.toml:3: \[project\] dependencies: not a valid requirement: 'numpy>>1'"
    ):
        rf.parse_pyproject('[project]\nname = "x"\ndependencies = ["numpy>>1"]\n', "p.toml")
    with pytest.raises(RequirementsFileError, match=r"^p\.toml:2: bad TOML"):
        rf.parse_pyproject("[project]\nname = \n", "p.toml")


def test_cli_bad_requirements_file_is_one_line_exit_2(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("numpy\n\ntensorflow=2.16\n")
    done = run_cli("verify", "--requirements", str(path))
    assert_one_line_error(done, 2)
    assert f"{path}:3: not a valid requirement: 'tensorflow=2.16'" in done.stderr
    done = run_cli("verify", "--requirements", str(tmp_path / "missing.txt"))
    assert_one_line_error(done, 2)
    assert "missing.txt: cannot read" in done.stderr
    done = run_cli("verify", "--requirements", str(path.parent))
    assert_one_line_error(done, 2)
    assert "not a regular file" in done.stderr
    done = run_cli("verify", "--requirements", str(path), "--extra", "gpu")
    assert_one_line_error(done, 2)
    assert "--extra names a [project.optional-dependencies] group" in done.stderr
