"""envcheck verify --requirements against real venvs built with pip, each verdict compared with pip's own.

One venv, built once for the module: small wheels whose metadata declare extras, installed offline and
without their dependencies, so an extra is partly installed (a dependency missing, another at the wrong
version), a base dependency is missing, and a version can be pinned with == and ~=. The oracle is
`pip install --dry-run --no-index --find-links <empty dir>` run by the venv's own pip: with nothing to
download, it succeeds and would install nothing exactly when the environment already satisfies the line.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from helpers import assert_one_line_error, run_cli
from wheels import build_wheel, make_venv, pip_would_change_nothing

WHEELS = [
    # alpha[gpu] needs beta[fast] (whose extra needs epsilon>=1.0) and gamma; alpha[cpu] zeta; delta only on Windows
    (
        "alpha",
        "1.0",
        (
            'beta[fast]>=2; extra == "gpu"',
            'gamma>=1; extra == "gpu"',
            'zeta>=1.4; extra == "cpu"',
            'delta; extra == "gpu" and sys_platform == "win32"',
        ),
        ("gpu", "cpu"),
    ),
    ("beta", "2.1", ('epsilon>=1.0; extra == "fast"',), ("fast",)),
    ("gamma", "1.5", (), ()),
    ("epsilon", "0.9", (), ()),
    ("zeta", "1.4.2", (), ()),
    ("theta", "3.0", ("iota>=1",), ()),
]
INSTALLED = ("alpha", "beta", "epsilon==0.9", "zeta", "theta")  # not gamma, delta, iota

# line -> envcheck's verdict in that venv (pip's must agree where it can answer)
LINES = {
    "alpha": "pass",
    "alpha[cpu]": "pass",  # the extra is complete: zeta 1.4.2 >= 1.4
    "alpha[gpu]>=1": "fail",  # gamma missing; beta[fast] wants epsilon>=1.0, 0.9 installed
    "beta": "pass",
    "beta[fast]": "fail",
    "alpha[nosuch]": "pass",  # pip warns and ignores an extra the distribution does not declare
    "zeta==1.4.2": "pass",
    "zeta==1.4": "fail",  # == 1.4 is 1.4.0
    "zeta~=1.4.0": "pass",
    "zeta~=1.4": "pass",
    "zeta~=1.5": "fail",
    "theta": "fail",  # its own dependency iota is missing
    "gamma": "fail",
    'pywin32; sys_platform == "win32"': "skip",
    'gamma; python_version < "3"': "skip",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("verify-venv")
    wheelhouse = root / "wheels"
    wheelhouse.mkdir()
    for name, version, requires, extras in WHEELS:
        build_wheel(wheelhouse, name, version, requires, extras)
    empty = root / "empty"
    empty.mkdir()
    python = make_venv(root / "venv", wheelhouse, *INSTALLED)
    return {"root": root, "python": python, "empty": empty}


def verify_json(world, *args):
    done = run_cli("verify", "--python", str(world["python"]), "--format", "json", *args)
    assert done.returncode in (0, 1), done.stderr
    return done, json.loads(done.stdout)


def test_each_line_matches_pip_dry_run(world):
    root = world["root"]
    requirements = root / "all.txt"
    requirements.write_text("".join(f"{line}\n" for line in LINES))
    done, data = verify_json(world, "--requirements", str(requirements))
    assert done.returncode == 1
    got = {r["requirement"]: r["status"] for r in data["requirements"]}
    assert got == LINES
    assert [r["source"] for r in data["requirements"]] == [f"{requirements}:{n}" for n in range(1, len(LINES) + 1)]
    for number, (line, verdict) in enumerate(LINES.items()):
        single = root / f"line{number}.txt"
        single.write_text(line + "\n")
        assert pip_would_change_nothing(world["python"], single, world["empty"]) == (verdict != "fail"), line


def test_a_partly_installed_extra_names_what_is_missing_and_one_fix(world):
    requirements = world["root"] / "gpu.txt"
    requirements.write_text("alpha[gpu]>=1\n")
    _, data = verify_json(world, "--requirements", str(requirements))
    (line,) = data["requirements"]
    assert line["detail"] == (
        "alpha 1.0 is installed, but not all it needs: missing 1 for alpha[gpu]: gamma>=1; "
        "wrong version 1 for beta[fast]: epsilon 0.9, not >=1.0."
    )
    assert line["fix"] == f"{world['python']} -m pip install 'alpha[gpu]>=1'"
    assert "delta" not in line["detail"]  # its marker (sys_platform == "win32") is false for the target


def test_the_fix_fixes_it(world, tmp_path):
    """What envcheck says to run makes pip's oracle and envcheck agree that the line holds (in a copy of the world)."""
    wheelhouse = tmp_path / "wheels"
    wheelhouse.mkdir()
    for name, version, requires, extras in WHEELS + [("epsilon", "1.2", (), ())]:
        build_wheel(wheelhouse, name, version, requires, extras)
    python = make_venv(tmp_path / "venv", wheelhouse, *INSTALLED)
    requirements = tmp_path / "gpu.txt"
    requirements.write_text("alpha[gpu]>=1\n")
    _, data = verify_json({"python": python}, "--requirements", str(requirements))
    fix = data["requirements"][0]["fix"]
    import shlex
    import subprocess

    argv = shlex.split(fix) + ["-q", "--no-index", "--find-links", str(wheelhouse)]
    subprocess.run(argv, check=True, capture_output=True)
    done, data = verify_json({"python": python}, "--requirements", str(requirements))
    assert done.returncode == 0 and data["requirements"][0]["status"] == "pass", data
    assert pip_would_change_nothing(python, requirements, world["empty"])


def test_an_include_chain_two_deep_with_continuations_hashes_and_lines_not_checked(world):
    root = world["root"] / "course"
    (root / "sub").mkdir(parents=True)
    (root / "requirements.txt").write_text(
        "# the course\n"
        "--index-url https://pypi.org/simple\n"
        "-r sub/base.txt\n"
        "zeta~=1.4.0 \\\n"
        "    --hash=sha256:0000000000000000000000000000000000000000000000000000000000000000\n"
        "-e git+https://example.org/course-utils.git#egg=course-utils\n"
        "./tools/helper\n"
        "https://example.org/wheels/extra-1.0-py3-none-any.whl\n"
        "helper2 @ https://example.org/helper2-1.0.tar.gz\n"
    )
    (root / "sub" / "base.txt").write_text("alpha[cpu]  # inline comment\n\n-r ../deep/pins.txt\n")
    (root / "deep").mkdir()
    (root / "deep" / "pins.txt").write_text("zeta==1.4.2\n-c limits.txt\n")
    (root / "deep" / "limits.txt").write_text("epsilon<1\nbeta>=3\ngamma<2\n")
    requirements = root / "requirements.txt"
    done, data = verify_json(world, "--requirements", str(requirements))
    rows = [(r["source"].replace(str(root) + "/", ""), r["requirement"], r["status"]) for r in data["requirements"]]
    assert rows == [
        ("sub/base.txt:1", "alpha[cpu]", "pass"),
        ("deep/pins.txt:1", "zeta==1.4.2", "pass"),
        ("deep/limits.txt:1", "epsilon<1", "skip"),  # a constraint, and no requirement here needs epsilon
        ("deep/limits.txt:2", "beta>=3", "skip"),
        ("deep/limits.txt:3", "gamma<2", "skip"),
        ("requirements.txt:4", "zeta~=1.4.0", "pass"),
        ("requirements.txt:6", "-e git+https://example.org/course-utils.git#egg=course-utils", "not-checked"),
        ("requirements.txt:7", "./tools/helper", "not-checked"),
        ("requirements.txt:8", "https://example.org/wheels/extra-1.0-py3-none-any.whl", "not-checked"),
        ("requirements.txt:9", "helper2 @ https://example.org/helper2-1.0.tar.gz", "not-checked"),
    ]
    assert done.returncode == 0 and data["passed"] is True
    assert all(r["detail"] for r in data["requirements"] if r["status"] == "not-checked")
    # the include chain alone (no lines pip would have to fetch): pip's oracle agrees it is satisfied
    assert pip_would_change_nothing(world["python"], root / "sub" / "base.txt", world["empty"])
    text = run_cli("verify", "--python", str(world["python"]), "--requirements", str(requirements)).stdout.splitlines()
    assert text[-1] == f"3 of 3 requirements met, 3 skipped, 4 not checked ({requirements})."
    assert text[0].startswith("PASS         ") and f"{root}/sub/base.txt:1 alpha[cpu]" in text[0]


def test_constraints_limit_what_the_requirements_need(world):
    root = world["root"] / "constrained"
    root.mkdir()
    (root / "limits.txt").write_text("zeta<1.4\nepsilon==0.9\n")
    requirements = root / "requirements.txt"
    requirements.write_text("-c limits.txt\nalpha[cpu]\n")
    done, data = verify_json(world, "--requirements", str(requirements))
    assert [(r["requirement"], r["status"]) for r in data["requirements"]] == [
        ("zeta<1.4", "fail"),
        ("epsilon==0.9", "skip"),
        ("alpha[cpu]", "pass"),
    ]
    assert done.returncode == 1
    assert not pip_would_change_nothing(world["python"], requirements, world["empty"])
    (root / "limits.txt").write_text("zeta>=1.4\n")
    assert pip_would_change_nothing(world["python"], requirements, world["empty"])
    done, data = verify_json(world, "--requirements", str(requirements))
    assert done.returncode == 0, data


def test_pyproject_dependencies_and_extras(world):
    root = world["root"] / "project"
    root.mkdir()
    pyproject = root / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "course"\nversion = "1"\ndependencies = [\n    "alpha",\n    "zeta~=1.4.0",\n'
        "    'pywin32; sys_platform == \"win32\"',\n]\n\n[project.optional-dependencies]\n"
        'gpu = ["alpha[gpu]"]\nall = ["course[gpu]", "beta"]\n'
    )
    done, data = verify_json(world, "--requirements", str(pyproject))
    assert done.returncode == 0
    assert [(r["source"], r["requirement"], r["status"]) for r in data["requirements"]] == [
        (f"{pyproject}:5", "alpha", "pass"),
        (f"{pyproject}:6", "zeta~=1.4.0", "pass"),
        (f"{pyproject}:7", 'pywin32; sys_platform == "win32"', "skip"),
    ]
    done, data = verify_json(world, "--requirements", str(pyproject), "--extra", "all")
    assert done.returncode == 1
    assert [(r["source"], r["requirement"], r["status"]) for r in data["requirements"]][3:] == [
        (f"{pyproject}:12", "beta", "pass"),
        (f"{pyproject}:11", "alpha[gpu]", "fail"),
    ]
    assert data["extras"] == ["all"]
    done = run_cli("verify", "--python", str(world["python"]), "--requirements", str(pyproject), "--extra", "cuda")
    assert_one_line_error(done, 2)
    assert "--extra cuda: no such group" in done.stderr and "gpu, all" in done.stderr


def test_profile_and_requirements_together_and_junit(world, tmp_path):
    profile = tmp_path / "ci.toml"
    profile.write_text('[profile]\nname = "ci"\n[packages]\n"alpha[gpu]" = ">=1"\n')
    requirements = tmp_path / "requirements.txt"
    requirements.write_text('zeta==1.4.2\npywin32; sys_platform == "win32"\n-e ./local\n')
    junit = tmp_path / "junit.xml"
    done = run_cli(
        "verify",
        "--python",
        str(world["python"]),
        "--profile",
        str(profile),
        "--requirements",
        str(requirements),
        "--junit-xml",
        str(junit),
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[-1] == f"1 of 2 requirements met, 1 skipped, 1 not checked (ci, {requirements})."
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "1", "2")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert cases["package alpha[gpu]>=1"].find("failure") is not None
    assert (
        cases[f'{requirements}:2 pywin32; sys_platform == "win32"']
        .find("skipped")
        .get("message")
        .startswith("skipped: marker false")
    )
    assert (
        cases[f"{requirements}:3 -e ./local"]
        .find("skipped")
        .get("message")
        .startswith("not checked: an editable install")
    )


def test_the_library_call_takes_a_venv_path(world, tmp_path):
    from envcheck.checks import verify

    requirements = tmp_path / "requirements.txt"
    requirements.write_text("alpha[cpu]\nzeta~=1.5\n")
    report = verify.verify(str(world["root"] / "venv"), files=[str(requirements)])
    assert report.python.prefix == str(world["root"] / "venv")
    assert [(o.requirement, o.status) for o in report.outcomes] == [("alpha[cpu]", "pass"), ("zeta~=1.5", "fail")]
    assert report.to_dict()["counts"] == {"pass": 1, "fail": 1, "skip": 0, "not-checked": 0}
