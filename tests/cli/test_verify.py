"""envcheck verify: profile errors are exit 2 with file and line; requirements pass or fail with a fix."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET

import pytest

from envcheck import profile as profiles

from helpers import assert_one_line_error, run_cli

PY = f"{sys.version_info[0]}.{sys.version_info[1]}"


@pytest.mark.parametrize(
    "text, line, what",
    [
        ('[python]\nversion = >=3.10"\n', 2, "bad TOML"),
        ('[python]\nversion = ">=3.10"\nminimum = "3.10"\n', 3, "unknown key 'minimum' in [python]"),
        ('[profile]\nname = "x"\n\n[pyhton]\nversion = ">=3.10"\n', 4, "unknown table [pyhton]"),
        ('[packages]\nnumpy = ">=1.26"\ntensorflow = "=>2.16"\n', 3, "tensorflow = '=>2.16'"),
        ('[gpu]\nrequired = "yes"\n', 2, "[gpu] required must be true or false"),
        ('[smoke]\nrequired = true\ndevice = "tpu"\n', 3, "[smoke] device must be one of auto, cpu, gpu"),
        ('[system]\nmin_ram_gib = -4\n', 2, "must not be negative"),
        ('[python]\nversion = "3.10+"\n', 2, "not a PEP 440 specifier"),
    ],
)
def test_profile_errors_name_file_line_and_what_is_wrong(tmp_path, text, line, what):
    path = tmp_path / "course.toml"
    path.write_text(text)
    with pytest.raises(profiles.ProfileError) as error:
        profiles.load(str(path))
    message = str(error.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert what in message


def test_a_bad_profile_on_the_command_line_is_exit_2_in_one_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[packages]\ntensorflow = "~=2"\n')  # ~= needs two release segments
    done = run_cli("verify", "--profile", str(path))
    assert_one_line_error(done, 2)
    assert f"{path}:2:" in done.stderr


def test_missing_profile_lists_the_shipped_ones():
    done = run_cli("verify", "--profile", "no-such-course")
    assert_one_line_error(done, 2)
    assert "cpu-course, gpu-course" in done.stderr


def test_shipped_profiles_parse():
    cpu = profiles.load("cpu-course")
    gpu = profiles.load("gpu-course")
    assert cpu.smoke == {"required": True, "device": "cpu"} and not cpu.gpu
    assert gpu.gpu["required"] is True and gpu.smoke["device"] == "gpu"


def test_unmet_requirements_fail_with_a_fix_and_junit_has_one_case_each(tmp_path):
    path = tmp_path / "ci.toml"
    path.write_text(
        f'[profile]\nname = "ci"\n[python]\nversion = ">={PY}"\n'
        '[packages]\ntensorflow = ">=99"\nnumpy = ""\nnot-installed-anywhere = ">=1"\n'
        "[system]\nmin_ram_gib = 100000\nmin_free_disk_gib = 0\n"
    )
    junit = tmp_path / "junit.xml"
    done = run_cli("verify", "--profile", str(path), "--junit-xml", str(junit))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"PASS  python >={PY}")
    assert any(line.startswith("FAIL  package tensorflow>=99") and "2.21.0 is installed, not >=99" in line
               for line in lines)
    assert any("-m pip install 'tensorflow>=99'" in line for line in lines)
    assert any(line.startswith("FAIL  package not-installed-anywhere>=1") for line in lines)
    assert any(line.startswith("FAIL  system RAM ≥ 100000 GiB") for line in lines)
    assert lines[-1] == "2 of 5 requirements met (ci)."
    suite = ET.parse(junit).getroot().find("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [
        f"python >={PY}", "package tensorflow>=99", "package numpy",
        "package not-installed-anywhere>=1", "system RAM ≥ 100000 GiB, free disk ≥ 0 GiB",
    ]
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert len(failed) == 3 and suite.get("failures") == "3"
    assert "Fix:" in cases[1].find("failure").text


def test_all_met_is_exit_0_and_json(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text(f'[python]\nversion = ">={PY}"\n[packages]\ntensorflow = ">=2.16"\n')
    done = run_cli("verify", "--profile", str(path), "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["schema"] == "envcheck.verify/1" and data["passed"] is True
    assert [r["requirement"] for r in data["requirements"]] == [f"python >={PY}", "package tensorflow>=2.16"]
    assert [r["status"] for r in data["requirements"]] == ["pass", "pass"]


def test_tensorflow_and_cuda_fails_without_the_cuda_wheels(tmp_path):
    """Issue 15: `tensorflow[and-cuda]>=2.16` passed in a venv with TensorFlow 2.21 and none of the nvidia-*-cu12
    wheels its and-cuda extra requires. The test venv is exactly that: real TF 2.21 metadata, no CUDA wheels."""
    from importlib.metadata import distribution

    requires = distribution("tensorflow").requires or []
    cuda = sorted(r.split("<")[0].split(">")[0] for r in requires if 'extra == "and-cuda"' in r)
    assert len(cuda) == 12 and all(name.startswith("nvidia-") for name in cuda)
    if any(_installed(name) for name in cuda):
        pytest.fail("the test venv has nvidia-*-cu12 wheels; this test needs TensorFlow without them")
    path = tmp_path / "gpu.toml"
    path.write_text('[packages]\n"tensorflow[and-cuda]" = ">=2.16"\n')
    done = run_cli("verify", "--profile", str(path), "--format", "json")
    assert done.returncode == 1, done.stderr
    (requirement,) = json.loads(done.stdout)["requirements"]
    assert requirement["status"] == "fail" and requirement["requirement"] == "package tensorflow[and-cuda]>=2.16"
    assert requirement["detail"].startswith(
        "tensorflow 2.21.0 is installed, but not all it needs: missing 12 for tensorflow[and-cuda]: ")
    for name in cuda:
        assert name in requirement["detail"]
    assert requirement["fix"] == f"{sys.executable} -m pip install 'tensorflow[and-cuda]>=2.16'"


def _installed(name: str) -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        version(name)
    except PackageNotFoundError:
        return False
    return True


def test_neither_profile_nor_requirements_is_one_line_exit_2():
    done = run_cli("verify")
    assert_one_line_error(done, 2)
    assert "--profile" in done.stderr and "--requirements" in done.stderr


def test_required_gpu_on_a_machine_without_one_fails_with_check_cudas_fix(tmp_path):
    path = tmp_path / "gpu.toml"
    path.write_text('[gpu]\nrequired = true\nmin_memory_gib = 8\n')
    done = run_cli("verify", "--profile", str(path), "--format", "json", timeout=300)
    data = json.loads(done.stdout)
    if data["passed"]:
        pytest.skip("this machine has a GPU TensorFlow can use")
    assert done.returncode == 1
    (requirement,) = data["requirements"]
    assert requirement["requirement"] == "gpu required, ≥ 8 GiB"
    assert requirement["fix"]
