"""doctor's one TensorFlow child: a crash, a hang or a NaN at each stage (import, GPU listing, training)
is named on the right line, every area that already had its answer keeps it, the rest still reports.

Stand-in `tensorflow` packages first on PYTHONPATH, as the smoke-train and check-cuda tests do: one
that fails where FAKE_TF says ("gpu:crash", "train:hang", ...), and the real TensorFlow with NaN
gradients for the training's NaN.
"""

from __future__ import annotations

import json

import pytest

from envcheck import target
from envcheck.checks import doctor
from envcheck.probes import tf_stages

from helpers import NAN_GRADIENTS_TENSORFLOW

STAND_IN = '''
import contextlib, os, signal, time

STAGE, _, HOW = os.environ.get("FAKE_TF", ":").partition(":")


def fail(where):
    if STAGE != where:
        return
    if HOW == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    if HOW == "hang":
        time.sleep(600)
    if HOW == "crash-once" and not os.path.exists(os.environ["FAKE_TF_ONCE"]):
        open(os.environ["FAKE_TF_ONCE"], "w").close()
        os.kill(os.getpid(), signal.SIGSEGV)
    if HOW == "raise":
        raise ImportError("libcudart.so.12: cannot open shared object file: No such file or directory")


fail("import")
__version__ = "2.21.0"


class sysconfig:
    @staticmethod
    def get_build_info():
        # NaN where a number belongs: JSON has none, the answer must still be read
        nan = float("nan") if (STAGE, HOW) == ("import", "nan") else 12.5
        return {"is_cuda_build": False, "cuda_compute_capabilities": nan}


class test:
    @staticmethod
    def is_built_with_cuda():
        return False


class _Device:
    name = "/physical_device:GPU:0"


class config:
    @staticmethod
    def list_physical_devices(kind="GPU"):
        fail("gpu")
        return [_Device()] if (STAGE, HOW) == ("gpu", "nan") else []

    class experimental:
        @staticmethod
        def get_device_details(device):
            return {"device_name": "Stand-in GPU", "compute_capability": (float("nan"), float("nan"))}


def device(name):
    fail("train")
    return contextlib.nullcontext()
'''

AREAS = [spec for spec in doctor.AREAS if spec.key in ("python", "tensorflow", "gpu", "smoke", "system")]


@pytest.fixture
def stand_in(tmp_path, monkeypatch):
    package = tmp_path / "tensorflow"
    package.mkdir()
    (package / "__init__.py").write_text(STAND_IN)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    children = []
    real = tf_stages.SharedChild

    class Counted(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            children.append(self)

    monkeypatch.setattr(tf_stages, "SharedChild", Counted)

    def run(how: str, timeout: float = 60.0):
        monkeypatch.setenv("FAKE_TF", how)
        result = doctor.run(target.current(), AREAS, options={"tf_timeout": timeout, "smoke_timeout": timeout})
        data = result.to_dict()
        json.dumps(data, allow_nan=False)  # the whole report stays valid JSON
        assert len(children) == 1, "one shared child per doctor run"
        by_key = {area["key"]: area for area in data["areas"]}
        assert by_key["python"]["status"] == by_key["system"]["status"] == "ok"  # the rest still reports
        return by_key, children.pop()

    run.children = children  # each SharedChild doctor made, for tests that call doctor.run themselves
    return run


# What a stage's failure reads as; a CPU-only stand-in may still earn other TF_ findings (TF_CPU_BUILD).
FAILURES = {"TF_GPU_LISTING_FAILED", "TF_IMPORT_CRASHED", "TF_IMPORT_TIMED_OUT", "TF_IMPORT_FAILED", "TF_PROBE_FAILED"}


def codes(area: dict) -> list[str]:
    return [finding["code"] for finding in area["findings"]]


def message(area: dict, code: str) -> str:
    return next(finding["message"] for finding in area["findings"] if finding["code"] == code)


def test_the_stand_in_passes_the_stages_it_does_not_fail(stand_in):
    areas, child = stand_in("none:none")
    assert areas["tensorflow"]["status"] == "ok" and areas["tensorflow"]["facts"]["probe"]["version"] == "2.21.0"
    assert not FAILURES & set(codes(areas["gpu"]))
    assert "has no attribute" in areas["smoke"]["findings"][0]["message"]  # a stand-in cannot train
    assert child.children == 1
    # Waited for before doctor returned: nothing outlives it, and its CPU time is counted as doctor's.
    assert [ended.status for ended in child.ended] == ["ok"]


def test_without_doctor_s_smoke_area_the_child_does_not_train(stand_in, monkeypatch):
    monkeypatch.setenv("FAKE_TF", "none:none")
    result = doctor.run(target.current(), [spec for spec in doctor.AREAS if spec.key == "tensorflow"])
    (child,) = stand_in.children
    assert child.stages == ("import", "gpu") and child.result("train").error == "not asked for"
    assert result.areas[0].status == "ok"


# ---------------------------------------------------------------- import


def test_crash_while_importing_is_named_on_the_tensorflow_line_and_in_the_training(stand_in):
    areas, child = stand_in("import:crash")
    assert codes(areas["tensorflow"]) == ["TF_IMPORT_CRASHED"]
    assert "SIGSEGV" in message(areas["tensorflow"], "TF_IMPORT_CRASHED")
    assert "while importing TensorFlow" in message(areas["tensorflow"], "TF_IMPORT_CRASHED")
    assert not FAILURES & set(codes(areas["gpu"]))  # counted once, on its own line
    smoke = message(areas["smoke"], "SMOKE_TRAIN_FAILED")
    assert "crashed (SIGSEGV" in smoke and "while importing TensorFlow" in smoke
    assert child.children == 1  # every later stage needs the import: nothing to retry


def test_hang_while_importing_is_stopped_at_its_deadline(stand_in):
    areas, child = stand_in("import:hang", timeout=3)
    text = message(areas["tensorflow"], "TF_IMPORT_TIMED_OUT")
    assert "did not finish within 3 s" in text and "while importing TensorFlow" in text
    assert "did not finish within 3 s while importing TensorFlow" in message(areas["smoke"], "SMOKE_TRAIN_FAILED")
    assert child.children == 1


def test_an_import_error_is_the_tensorflow_line_s_finding_and_the_training_says_it_too(stand_in):
    areas, child = stand_in("import:raise")
    assert "libcudart.so.12" in message(areas["tensorflow"], "TF_IMPORT_FAILED")
    assert "failed to import" in message(areas["smoke"], "SMOKE_TRAIN_FAILED")
    assert child.children == 1 and [ended.status for ended in child.ended] == ["exited"]


def test_nan_in_the_import_answer_is_read_as_null(stand_in):
    areas, _ = stand_in("import:nan")
    probe = areas["tensorflow"]["facts"]["probe"]
    assert areas["tensorflow"]["status"] == "ok" and probe["build_info"]["cuda_compute_capabilities"] is None


# ---------------------------------------------------------------- GPU listing


def test_crash_while_listing_gpus_keeps_the_import_and_retries_the_training(stand_in):
    areas, child = stand_in("gpu:crash")
    assert areas["tensorflow"]["status"] == "ok"  # the import had answered: it keeps its answer
    assert "imports" in areas["tensorflow"]["summary"]
    text = message(areas["gpu"], "TF_GPU_LISTING_FAILED")
    assert "SIGSEGV" in text and "while listing GPUs" in text and "2.21.0 imports" in text
    assert child.children == 2  # the training ran again in a fresh child, and crashed there on its own
    assert child.result("train").retried
    assert "crashed (SIGSEGV" in message(areas["smoke"], "SMOKE_TRAIN_FAILED")


def test_a_crash_only_the_shared_child_had_leaves_the_training_answered_by_the_fresh_one(stand_in, tmp_path,
                                                                                      monkeypatch):
    monkeypatch.setenv("FAKE_TF_ONCE", str(tmp_path / "crashed-once"))
    areas, child = stand_in("gpu:crash-once")
    assert "SIGSEGV" in message(areas["gpu"], "TF_GPU_LISTING_FAILED")
    train = child.result("train")
    assert child.children == 2 and train.retried and train.ok  # answered: the failure was the first child's
    assert "has no attribute" in message(areas["smoke"], "SMOKE_TRAIN_FAILED")  # the stand-in's own limit


def test_hang_while_listing_gpus_is_stopped_and_named(stand_in):
    areas, child = stand_in("gpu:hang", timeout=3)
    assert areas["tensorflow"]["status"] == "ok"
    text = message(areas["gpu"], "TF_GPU_LISTING_FAILED")
    assert "did not finish within 3 s" in text and "while listing GPUs" in text
    assert child.children == 2 and "did not finish within 3 s" in message(areas["smoke"], "SMOKE_TRAIN_FAILED")


def test_nan_while_listing_gpus_is_that_stage_s_error_and_training_still_runs(stand_in):
    """A compute capability of NaN makes the listing raise: the stage's error, in the same child."""
    areas, child = stand_in("gpu:nan")
    assert areas["tensorflow"]["status"] == "ok"
    text = message(areas["gpu"], "TF_GPU_LISTING_FAILED")
    assert "ValueError" in text and "listing GPUs" in text
    assert child.children == 1 and child.result("train").ok  # the child went on to the training


# ---------------------------------------------------------------- training


def test_crash_while_training_keeps_the_tensorflow_and_gpu_answers(stand_in):
    areas, child = stand_in("train:crash")
    assert areas["tensorflow"]["status"] == "ok"
    assert not FAILURES & set(codes(areas["gpu"]))
    smoke = message(areas["smoke"], "SMOKE_TRAIN_FAILED")
    assert "crashed (SIGSEGV: segmentation fault) while training" in smoke
    assert child.children == 1  # nothing was left to retry


def test_hang_while_training_is_stopped_at_the_training_deadline(stand_in):
    areas, child = stand_in("train:hang", timeout=3)
    assert areas["tensorflow"]["status"] == "ok"
    assert "did not finish within 3 s while training" in message(areas["smoke"], "SMOKE_TRAIN_FAILED")


def test_nan_gradients_in_training_fail_the_smoke_line_only(tmp_path, monkeypatch):
    """The real TensorFlow with GradientTape.gradient poisoned: imports and lists fine, trains on NaN."""
    package = tmp_path / "tensorflow"
    package.mkdir()
    (package / "__init__.py").write_text(NAN_GRADIENTS_TENSORFLOW)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    data = doctor.run(target.current(), AREAS).to_dict()
    areas = {area["key"]: area for area in data["areas"]}
    assert areas["tensorflow"]["status"] == "ok" and areas["gpu"]["status"] in ("ok", "warning")
    assert "gradients are not finite" in message(areas["smoke"], "SMOKE_TRAIN_FAILED")
