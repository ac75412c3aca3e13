"""The record convention (CONTRIBUTING.md): NamedTuples with to_dict(), the off-fast-path ones loaded lazily."""

from __future__ import annotations

import subprocess
import sys

from envcheck import model, model_doctor


def _records(module) -> list[type]:
    return [value for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, tuple) and hasattr(value, "_fields")
            and value.__module__ == module.__name__]


def test_every_record_is_a_named_tuple_with_to_dict():
    records = _records(model) + _records(model_doctor)
    assert len(records) >= 10
    missing = [record.__name__ for record in records if not callable(getattr(record, "to_dict", None))]
    assert not missing, f"records without to_dict(): {missing}"


def test_the_off_fast_path_records_are_reached_through_the_model():
    assert {record.__name__ for record in _records(model_doctor)} == set(model._ELSEWHERE)
    for name in model._ELSEWHERE:
        assert getattr(model, name) is getattr(model_doctor, name)


def test_check_cuda_no_tf_does_not_build_them():
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "envcheck", "check-cuda", "--no-tf", "-q"],
                          capture_output=True, text=True, timeout=120)
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "envcheck.model" in imported and "envcheck.model_doctor" not in imported
