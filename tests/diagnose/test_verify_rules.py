"""verify's pure rules: a requirement, installed metadata and a marker environment in, one Outcome out."""

from __future__ import annotations

from packaging.requirements import Requirement

from envcheck.diagnose import verify as rules
from envcheck.probes.requirements import Installed

LINUX_311 = {
    "python_version": "3.11",
    "python_full_version": "3.11.7",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "implementation_name": "cpython",
    "extra": "",
}
WINDOWS_39 = {
    **LINUX_311,
    "python_version": "3.9",
    "python_full_version": "3.9.13",
    "sys_platform": "win32",
    "platform_system": "Windows",
    "os_name": "nt",
}


def dist(name, version, *requires, extras=()):
    return Installed(name, name, version, tuple(requires), None, tuple(extras))


INSTALLED = {
    d.name: d
    for d in [
        dist(
            "tensorflow",
            "2.21.0",
            "numpy>=1.26.0",
            'nvidia-cublas-cu12<13.0,>=12.5.3.2; extra == "and-cuda"',
            'nvidia-cudnn-cu12<10.0,>=9.3.0.75; extra == "and-cuda"',
            'tensorflow-io-gcs-filesystem>=0.23.1; '
            '(sys_platform == "win32" and python_version < "3.12") and extra == "gcs"',
            extras=("and-cuda", "gcs"),
        ),
        dist("numpy", "2.4.6"),
        dist("nvidia-cudnn-cu12", "9.10.2.21", "nvidia-cublas-cu12"),
        dist("cycle-a", "1", "cycle-b"),
        dist("cycle-b", "1", "cycle-a"),
    ]
}


def check(line, environment=LINUX_311):
    return rules.requirement_rule(Requirement(line), INSTALLED, environment, "/venv/bin/python", line, "r.txt:1")


def test_and_cuda_fails_until_every_cuda_wheel_is_there():
    outcome = check("tensorflow[and-cuda]>=2.16")
    assert outcome.status == "fail"
    # cudnn is there; cublas is missing (for tensorflow[and-cuda], and again for cudnn: named once)
    assert outcome.detail == (
        "tensorflow 2.21.0 is installed, but not all it needs: "
        "missing 1 for tensorflow[and-cuda]: nvidia-cublas-cu12<13.0,>=12.5.3.2."
    )
    assert outcome.fix == "/venv/bin/python -m pip install 'tensorflow[and-cuda]>=2.16'"
    installed = {**INSTALLED, "nvidia-cublas-cu12": dist("nvidia-cublas-cu12", "12.9.1.4")}
    assert (
        rules.requirement_rule(Requirement("tensorflow[and-cuda]>=2.16"), installed, LINUX_311, "py").status == "pass"
    )
    installed["nvidia-cublas-cu12"] = dist("nvidia-cublas-cu12", "13.0.0")
    wrong = rules.requirement_rule(Requirement("tensorflow[and-cuda]>=2.16"), installed, LINUX_311, "py")
    assert (
        wrong.status == "fail"
        and "wrong version 1 for tensorflow[and-cuda]: nvidia-cublas-cu12 13.0.0, not <13.0,>=12.5.3.2" in wrong.detail
    )


def test_markers_are_the_targets():
    assert check("tensorflow[gcs]").status == "pass"  # the gcs wheel is needed on Windows with Python < 3.12 only
    assert check("tensorflow[gcs]", WINDOWS_39).status == "fail"
    skipped = check('pywin32; sys_platform == "win32"')
    assert (
        skipped.status == "skip" and skipped.detail == 'marker false here: sys_platform == "win32" (sys_platform linux)'
    )
    assert check('pywin32; sys_platform == "win32"', WINDOWS_39).status == "fail"


def test_versions_and_cycles():
    assert check("numpy==2.4.6").status == "pass"
    assert check("numpy~=2.4.0").status == "pass"
    assert check("numpy~=2.5").detail == "numpy 2.4.6 is installed, not ~=2.5."
    assert check("numpy==2.4").status == "fail"
    assert check("cycle-a").status == "pass"
    assert check("absent>=1").detail == "absent is not installed."


def test_an_extra_the_distribution_does_not_declare_passes_with_a_note():
    outcome = check("numpy[gpu]")
    assert outcome.status == "pass" and "numpy[gpu]: no such extra (pip ignores it)" in outcome.detail


def test_constraints_apply_only_to_what_the_requirements_need():
    needed = rules.closure(Requirement("tensorflow"), INSTALLED, LINUX_311).names
    assert needed == {"tensorflow", "numpy"}
    assert rules.constraint_rule(Requirement("numpy<2"), INSTALLED, LINUX_311, needed, "py").status == "fail"
    assert rules.constraint_rule(Requirement("numpy<3"), INSTALLED, LINUX_311, needed, "py").status == "pass"
    assert (
        rules.constraint_rule(Requirement("nvidia-cudnn-cu12<9"), INSTALLED, LINUX_311, needed, "py").status == "skip"
    )


def test_a_python_outside_the_profile_gets_a_create_command_with_a_real_version():
    """The fix is a command to type: a version the profile accepts, not a `<version>` placeholder."""
    for spec, version in ((">=3.12", "3.13"), (">=3.10,<3.12", "3.11"), ("==3.9.*", "3.9")):
        outcome = rules.python_rule(spec, "3.8.10")
        assert not outcome.passed and "<" not in outcome.fix.split("`")[1], outcome.fix
        assert f"uv venv --python {version} .venv" in outcome.fix


def _failed_smoke(fix):
    from envcheck.model import SmokeReport

    return SmokeReport(passed=False, failure="NumPy is not installed for /c/venv/bin/python", fix=fix,
                       backend="tensorflow", task="xor", activation="relu", device_requested="cpu", device=None,
                       python={"executable": "/c/venv/bin/python"}, versions={}, checks=(), timings={})


def test_a_failed_smoke_training_gets_smoke_trains_own_fix_for_the_inspected_python():
    """The fix must act on the --python environment, not on the one envcheck runs in."""
    install = "install it with: /c/venv/bin/python -m pip install numpy tensorflow"
    outcome = rules.smoke_rule({"device": "cpu"}, _failed_smoke(install))
    assert not outcome.passed and outcome.fix == install
    outcome = rules.smoke_rule({"device": "cpu"}, _failed_smoke(None))
    assert "smoke-train --device cpu --backend tensorflow --python /c/venv/bin/python" in outcome.fix, outcome.fix
