"""count-packages and list-tf-packages agree with pip, the oracle, on real virtual environments.

Each environment is made with `python -m venv` in the test; pip (this interpreter's, run against
the target with `pip --python`) lists it, and envcheck must print the same rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import run_cli

PY = f"python{sys.version_info[0]}.{sys.version_info[1]}"


def make_venv(root: Path, with_pip: bool = False) -> tuple[Path, Path]:
    """A real venv; returns (its python, its site-packages)."""
    args = [sys.executable, "-m", "venv", str(root)]
    if not with_pip:
        args.insert(3, "--without-pip")
    subprocess.run(args, check=True, capture_output=True)
    return root / "bin" / "python", root / "lib" / PY / "site-packages"


def add_dist(site: Path, dirname: str, metadata: bytes | str | None, **files: str) -> Path:
    info = site / dirname
    info.mkdir(parents=True)
    if metadata is not None:
        (info / "METADATA").write_bytes(metadata.encode() if isinstance(metadata, str) else metadata)
    for name, text in files.items():
        (info / name).write_text(text)
    return info


def meta(name: str, version: str | None) -> str:
    return f"Metadata-Version: 2.1\nName: {name}\n" + (f"Version: {version}\n" if version else "")


def pip_list(python: Path, env: dict | None = None) -> list[dict]:
    """The oracle: `pip --python X list --format=json -v`, pip from this test environment."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "list", "--format=json", "-v"],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, check=True,
    )
    return json.loads(result.stdout)


def envcheck_rows(python: Path, *prefixes: str, env: dict | None = None) -> tuple[list[dict], str]:
    args = ["list-tf-packages", "--python", str(python), "--format", "json"]
    for prefix in prefixes:
        args += ["--prefix", prefix]
    result = run_cli(*args, env=env)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout), result.stderr


def envcheck_count(python: Path, env: dict | None = None) -> int:
    result = run_cli("count-packages", "--python", str(python), env=env)
    assert result.returncode == 0, result.stderr
    return int(result.stdout)


ALL = tuple("abcdefghijklmnopqrstuvwxyz0123456789")  # every prefix a name can start with


def assert_same_as_pip(python: Path, env: dict | None = None) -> list[dict]:
    oracle = pip_list(python, env)
    rows, _ = envcheck_rows(python, *ALL, env=env)
    keys = ("name", "version", "location", "installer")
    assert [{k: row[k] for k in keys} for row in rows] == [{k: row[k] for k in keys} for row in oracle]
    assert [row.get("editable_project_location") for row in rows] == [
        row.get("editable_project_location") for row in oracle
    ]
    assert envcheck_count(python, env) == len(oracle)
    return oracle


@pytest.fixture
def venv(tmp_path):
    return make_venv(tmp_path / "venv")


def test_metadata_corner_cases_match_pip(venv):
    """egg-info dirs and files, names differing by case and separators, broken METADATA, odd versions."""
    python, site = venv
    add_dist(site, "Good-1.0.dist-info", meta("Good", "1.0"), INSTALLER="pip\n")
    add_dist(site, "missingmeta-2.0.dist-info", None)
    add_dist(site, "emptymeta-3.0.dist-info", "")
    add_dist(site, "truncated-1.0.dist-info", "Metadata-Version: 2.1\nNa")
    add_dist(site, "notpep440-1.0.foo.dist-info", meta("notpep440", "1.0.foo"))
    add_dist(site, "leadingzero-01.0.dist-info", meta("leadingzero", "01.0"))
    add_dist(site, "NoDash.dist-info", meta("NoDash", "5"))  # name only in METADATA
    add_dist(site, "nameless.dist-info", "")  # no name anywhere: pip skips it
    add_dist(site, "Case_Name-1.0.dist-info", meta("Case.Name", "1.0"))
    add_dist(site, "case.name-2.0.dist-info", meta("case-name", "2.0"))  # same project: one row
    add_dist(site, "~leftover-1.0.dist-info", meta("~leftover", "1.0"))  # an interrupted uninstall
    add_dist(site, "wsgiref-0.1.dist-info", meta("wsgiref", "0.1"))  # pip hides stdlib names
    egg = site / "eggdir-1.0-py3.11.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: eggdir\nVersion: 1.0\n")
    (site / "eggfile-0.3-py3.11.egg-info").write_text("Metadata-Version: 1.1\nName: eggfile\nVersion: 0.3\n")
    no_version = site / "noversion.egg-info"
    no_version.mkdir()
    (no_version / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: noversion\n")

    oracle = assert_same_as_pip(python)
    names = [row["name"] for row in oracle]
    assert "nameless" not in names and "wsgiref" not in names and "~leftover" not in names
    assert [row["version"] for row in oracle if row["name"] == "leadingzero"] == ["1.0"]


def test_non_utf8_metadata_is_reported_and_still_counted(venv):
    """pip 26 crashes on a METADATA that is not UTF-8; envcheck warns on stderr and still answers."""
    python, site = venv
    add_dist(site, "fine-1.0.dist-info", meta("fine", "1.0"))
    before = len(pip_list(python))
    add_dist(site, "latin-1.0.dist-info", b"Metadata-Version: 2.1\nName: Lat\xe9n\nVersion: 1.0\n")
    rows, stderr = envcheck_rows(python, "lat")
    assert [(row["name"], row["version"]) for row in rows] == [("Lat\u00e9n", "1.0")]
    assert "not UTF-8" in stderr
    assert envcheck_count(python) == before + 1


def test_same_distribution_in_two_path_entries_first_wins(venv, tmp_path):
    """A PYTHONPATH directory comes before site-packages; a .pth directory after it. pip keeps the first."""
    python, site = venv
    early, late = tmp_path / "early", tmp_path / "late"
    add_dist(site, "shared-2.0.dist-info", meta("shared", "2.0"))
    add_dist(site, "other-1.0.dist-info", meta("other", "1.0"))
    add_dist(early, "Shared-1.0.dist-info", meta("Shared", "1.0"))
    add_dist(late, "other-9.0.dist-info", meta("other", "9.0"))
    add_dist(late, "onlylate-1.0.dist-info", meta("onlylate", "1.0"))
    (site / "late.pth").write_text(f"{late}\n")
    env = {"PYTHONPATH": str(early)}
    oracle = assert_same_as_pip(python, env)
    versions = {row["name"]: row["version"] for row in oracle}
    assert versions == {"Shared": "1.0", "other": "1.0", "onlylate": "1.0"}
    count = run_cli("count-packages", "--python", str(python), "-v", "--format", "json", env=env)
    locations = json.loads(count.stdout)["locations"]
    assert locations == {str(early): 1, str(site): 1, str(late): 1}


def test_legacy_egg_link_develop_install(venv, tmp_path):
    """`setup.py develop` leaves an .egg-link naming the project directory with its .egg-info."""
    python, site = venv
    project = tmp_path / "project"
    (project / "devpkg.egg-info").mkdir(parents=True)
    (project / "devpkg.egg-info" / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: devpkg\nVersion: 0.1.dev0\n")
    (site / "devpkg.egg-link").write_text(f"{project}\n.\n")
    oracle = assert_same_as_pip(python)
    assert oracle[0]["editable_project_location"] == str(project)


def test_user_site_packages_are_listed(tmp_path):
    """Outside a venv, the user site (PYTHONUSERBASE) is on sys.path and pip lists what is there."""
    base_python = Path(getattr(sys, "_base_executable", sys.executable))
    user_base = tmp_path / "userbase"
    user_site = user_base / "lib" / PY / "site-packages"
    add_dist(user_site, "usersitepkg-1.0.dist-info", meta("usersitepkg", "1.0"))
    if os.environ.get("PYTHONNOUSERSITE"):
        pytest.skip("PYTHONNOUSERSITE is set: this run disables user site-packages")
    env_clean = {"PYTHONUSERBASE": str(user_base)}
    rows, _ = envcheck_rows(base_python, "usersite", env=env_clean)
    oracle = [row for row in pip_list(base_python, env_clean) if row["name"].startswith("usersite")]
    assert [(r["name"], r["version"], r["location"]) for r in rows] == [
        (r["name"], r["version"], r["location"]) for r in oracle
    ]
    assert rows and rows[0]["location"] == str(user_site)


def test_unreadable_sys_path_entry_is_reported_not_fatal(venv, tmp_path):
    """A sys.path entry that cannot be listed: pip silently skips it; envcheck says so and answers."""
    python, site = venv
    add_dist(site, "visible-1.0.dist-info", meta("visible", "1.0"))
    loop = tmp_path / "loop"
    loop.symlink_to(loop)  # listing it fails even for root: "Too many levels of symbolic links"
    env = {"PYTHONPATH": str(loop)}
    result = run_cli("count-packages", "--python", str(python), env=env)
    assert result.returncode == 0
    assert int(result.stdout) == len(pip_list(python, env)) == 1
    assert f"cannot read {loop}" in result.stderr
    if os.geteuid() != 0:  # a directory without permissions, where the test is not root
        locked = tmp_path / "locked"
        add_dist(locked, "hidden-1.0.dist-info", meta("hidden", "1.0"))
        locked.chmod(0)
        try:
            result = run_cli("count-packages", "--python", str(python), env={"PYTHONPATH": str(locked)})
            assert int(result.stdout) == 1 and "cannot read" in result.stderr
        finally:
            locked.chmod(0o755)


@pytest.fixture(scope="module")
def venv_with_pip(tmp_path_factory):
    """A venv with pip and setuptools, holding a real PEP 660 editable install."""
    root = tmp_path_factory.mktemp("pipvenv")
    python, site = make_venv(root / "venv", with_pip=True)
    project = root / "editable_project"
    (project / "edpkg").mkdir(parents=True)
    (project / "edpkg" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "Ed_Pkg"\nversion = "0.3"\n'
    )
    # pip builds the editable wheel in an isolated environment (setuptools from the package index).
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", str(project)], check=True, capture_output=True)
    return python, site, project


def test_matches_the_targets_own_pip_list(venv_with_pip):
    """`X -m pip list --format=json` in the target itself: the exact command users run."""
    python, _, _ = venv_with_pip
    own = subprocess.run([str(python), "-m", "pip", "list", "--format=json"], capture_output=True, text=True,
                         check=True)
    oracle = json.loads(own.stdout)
    rows, _ = envcheck_rows(python, *ALL)
    assert [(r["name"], r["version"]) for r in rows] == [(r["name"], r["version"]) for r in oracle]
    assert envcheck_count(python) == len(oracle)


def test_pep660_editable_install(venv_with_pip):
    python, _, project = venv_with_pip
    assert_same_as_pip(python)
    rows, _ = envcheck_rows(python, "ed-pkg")
    assert rows[0]["editable"] is True and rows[0]["editable_project_location"] == str(project)


def test_tensorflow_rows_equal_pips_in_the_test_environment():
    """The real TensorFlow of the test install: list-tf-packages is pip list filtered by 'tensor'."""
    oracle = [row for row in pip_list(Path(sys.executable)) if row["name"].lower().startswith("tensor")]
    assert any(row["name"] == "tensorflow" for row in oracle), "the test install must include TensorFlow"
    rows, _ = envcheck_rows(Path(sys.executable))
    assert [(r["name"], r["version"]) for r in rows] == [(r["name"], r["version"]) for r in oracle]
    text = run_cli("list-tf-packages")
    assert text.stdout.splitlines() == [f"{r['name']} {r['version']}" for r in oracle]
    freeze = run_cli("list-tf-packages", "--format", "freeze")
    assert freeze.stdout.splitlines() == [f"{r['name']}=={r['version']}" for r in oracle]


def test_count_equals_pip_in_the_test_environment():
    assert envcheck_count(Path(sys.executable)) == len(pip_list(Path(sys.executable)))


def test_no_match_exits_1_with_install_hint(venv):
    python, site = venv
    add_dist(site, "numpy-2.0.0.dist-info", meta("numpy", "2.0.0"))
    result = run_cli("list-tf-packages", "--python", str(python))
    assert result.returncode == 1 and result.stdout == ""
    assert "pip install tensorflow" in result.stderr
    as_json = run_cli("list-tf-packages", "--python", str(python), "--format", "json")
    assert as_json.returncode == 1 and json.loads(as_json.stdout) == []


def test_prefix_is_matched_on_canonical_names(venv):
    python, site = venv
    add_dist(site, "tf_keras-2.16.0.dist-info", meta("tf_keras", "2.16.0"))
    add_dist(site, "tensorflow_io_gcs_filesystem-0.37.1.dist-info", meta("tensorflow-io-gcs-filesystem", "0.37.1"))
    add_dist(site, "keras-3.0.0.dist-info", meta("keras", "3.0.0"))
    rows, _ = envcheck_rows(python, "tf_", "KERAS")
    assert [row["name"] for row in rows] == ["keras", "tf_keras"]
    rows, _ = envcheck_rows(python)
    assert [row["name"] for row in rows] == ["tensorflow-io-gcs-filesystem"]
