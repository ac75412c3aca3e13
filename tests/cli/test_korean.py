"""Korean end to end: under LANG=ko_KR.UTF-8 the human text is Korean, and nothing a script reads changes.

Each TensorFlow run costs seconds on a shared machine: one run per command and language, shared through
module-scoped fixtures. English runs (en_US, and de_DE, a locale with no catalogue) are the reference the
Korean ones are compared with: the same codes, the same JSON keys, the same check names and exit codes.
"""

from __future__ import annotations

import json
import re

import pytest

from helpers import run_cli

HANGUL = re.compile("[\uac00-\ud7a3]")


def _env(lang: str) -> dict:
    # LC_ALL and LC_MESSAGES would win over LANG, and conftest sets ENVCHECK_LANG=en: empty means unset
    return {"LANG": lang, "LC_ALL": "", "LC_MESSAGES": "", "ENVCHECK_LANG": ""}


KO, EN, DE = _env("ko_KR.UTF-8"), _env("en_US.UTF-8"), _env("de_DE.UTF-8")


def _run(env, *args):
    result = run_cli(*args, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), (result.returncode, result.stderr)
    return result


def _json(env, *args):
    result = _run(env, *args, "--format", "json")
    return result, json.loads(result.stdout)


def _keys(value, prefix="") -> set:
    """Every key path of a JSON value (list items share their parent's path)."""
    if isinstance(value, dict):
        return {f"{prefix}.{key}" for key in value} | {
            path for key, item in value.items() for path in _keys(item, f"{prefix}.{key}")
        }
    if isinstance(value, list):
        return {path for item in value for path in _keys(item, prefix + "[]")}
    return set()


def _korean(text) -> bool:
    return bool(HANGUL.search(text or ""))


def _findings(areas) -> list:
    return [finding for area in areas for finding in area["findings"]]


# ---------------------------------------------------------------------------- check-cuda --no-tf


@pytest.fixture(scope="module")
def cuda_runs():
    return {name: (_run(env, "check-cuda", "--no-tf", "--format", "text"), _json(env, "check-cuda", "--no-tf"))
            for name, env in (("ko", KO), ("en", EN), ("de", DE))}


def test_check_cuda_speaks_korean_with_the_same_codes_keys_and_exit(cuda_runs):
    (ko_text, (ko_result, ko)), (en_text, (en_result, en)) = cuda_runs["ko"], cuda_runs["en"]
    assert ko_text.returncode == en_text.returncode == ko_result.returncode == en_result.returncode
    assert _keys(ko) == _keys(en) and ko["schema"] == en["schema"]
    assert [f["code"] for f in ko["findings"]] == [f["code"] for f in en["findings"]]
    assert ko["findings"], "this machine has no NVIDIA GPU: check-cuda says so in a finding"
    for finding in ko["findings"]:
        assert _korean(finding["message"]) and _korean(finding["fix"]), finding
    lines = ko_text.stdout.splitlines()
    assert _korean(lines[0]), lines[0]  # the verdict
    for finding in ko["findings"]:  # each finding's line carries Korean
        assert any(finding["code"] in line and _korean(line) for line in lines), finding["code"]
    assert not _korean(en_text.stdout + json.dumps(en, ensure_ascii=False))


def test_an_unsupported_locale_is_english(cuda_runs):
    (de_text, (_, de)), (en_text, (_, en)) = cuda_runs["de"], cuda_runs["en"]
    assert de_text.stdout == en_text.stdout
    assert [f["message"] for f in de["findings"]] == [f["message"] for f in en["findings"]]


# ---------------------------------------------------------------------------- doctor and report


@pytest.fixture(scope="module")
def doctor_ko():
    return _run(KO, "doctor", "--format", "text")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """report --format json (a whole doctor run) in Korean and in English, saved for --from."""
    saved = {}
    for name, env in (("ko", KO), ("en", EN)):
        path = tmp_path_factory.mktemp(name) / "report.json"
        _run(env, "report", "--format", "json", "-o", str(path))
        saved[name] = (path, json.loads(path.read_text(encoding="utf-8")))
    return saved


def test_doctor_speaks_korean(doctor_ko):
    lines = doctor_ko.stdout.splitlines()
    areas = [line for line in lines if line.startswith("[")]
    assert len(areas) == 7, lines
    for line in areas:
        assert _korean(line.split(" — ", 1)[1]) or line.split(" — ", 1)[0].endswith("NumPy"), line
    assert _korean(lines[-1]) and "오류" in lines[-1], lines[-1]  # the tally
    fixes = [line for line in lines if line.lstrip().startswith("해결:")]
    assert fixes and all(re.match(r"\s+[✗!i] [A-Z0-9_]+  ", lines[lines.index(fix) - 1]) for fix in fixes)


def test_doctor_json_in_korean_keeps_its_keys_codes_titles_and_exit(reports):
    (_, ko), (_, en) = reports["ko"], reports["en"]
    assert _keys(ko["doctor"]) == _keys(en["doctor"])
    assert [(a["key"], a["title"], a["status"]) for a in ko["doctor"]["areas"]] == \
        [(a["key"], a["title"], a["status"]) for a in en["doctor"]["areas"]]
    codes = [f["code"] for f in _findings(ko["doctor"]["areas"])]
    assert codes == [f["code"] for f in _findings(en["doctor"]["areas"])]
    for finding in _findings(ko["doctor"]["areas"]):
        assert _korean(finding["message"]) and _korean(finding["fix"]), finding
    for area in ko["doctor"]["areas"]:
        if area["key"] != "numpy":  # NumPy's summary is its version and BLAS
            assert _korean(area["summary"]), area
    assert not any(_korean(area["summary"]) for area in en["doctor"]["areas"])


def test_report_renders_in_the_readers_language(reports):
    path, _ = reports["ko"]
    markdown = _run(KO, "report", "--from", str(path), "--format", "markdown").stdout
    assert "### envcheck 보고서" in markdown and "| | 항목 | 요약 |" in markdown
    text = _run(KO, "report", "--from", str(path), "--format", "text").stdout
    assert "패키지:" in text
    english = _run(DE, "report", "--from", str(reports["en"][0]), "--format", "markdown").stdout
    assert "### envcheck report" in english and not _korean(english)


# ---------------------------------------------------------------------------- smoke-train


@pytest.fixture(scope="module")
def smoke_runs():
    return {
        "xor": _json(KO, "smoke-train"),
        "step": _json(KO, "smoke-train", "--activation", "step"),
        "sigmoid": _json(KO, "smoke-train", "--activation", "sigmoid", "--depth", "8"),
        "step_en": _json(EN, "smoke-train", "--activation", "step"),
        "step_text": _run(KO, "smoke-train", "--activation", "step", "--format", "text"),
    }


def test_smoke_train_xor_learns_and_says_so_in_korean(smoke_runs):
    result, data = smoke_runs["xor"]
    assert result.returncode == 0 and data["passed"]
    assert all(_korean(check["detail"]) for check in data["checks"]), data["checks"]


def test_smoke_train_step_explains_in_the_course_terms(smoke_runs):
    (result, ko), (en_result, en) = smoke_runs["step"], smoke_runs["step_en"]
    assert result.returncode == en_result.returncode == 1
    assert _keys(ko) == _keys(en)
    assert [(c["name"], c["passed"]) for c in ko["checks"]] == [(c["name"], c["passed"]) for c in en["checks"]]
    activation = next(c for c in ko["checks"] if c["name"] == "activation")["detail"]
    for term in ("계단 함수", "미분값", "역전파", "은닉층", "가중치"):
        assert term in activation, (term, activation)
    assert _korean(ko["failure"]) and _korean(ko["fix"])
    assert "--activation relu" in ko["fix"]  # options stay as they are
    text = smoke_runs["step_text"].stdout.splitlines()
    assert any(line.startswith("activation") and "FAIL" in line and "계단 함수" in line for line in text), text
    assert any(line.startswith("결과") for line in text), text


def test_smoke_train_deep_sigmoid_names_the_vanishing_gradient(smoke_runs):
    result, data = smoke_runs["sigmoid"]
    assert result.returncode == 1
    flow = next(c for c in data["checks"] if c["name"] == "gradient flow")
    assert not flow["passed"]
    for term in ("기울기 소실", "시그모이드 함수", "0.25", "렐루 함수"):
        assert term in flow["detail"], (term, flow["detail"])


# ---------------------------------------------------------------------------- verify


@pytest.fixture(scope="module")
def verify_runs(tmp_path_factory):
    profile = tmp_path_factory.mktemp("profile") / "course.toml"
    profile.write_text('[profile]\nname = "course"\n\n[python]\nversion = ">=3.9"\n\n'
                       '[packages]\nnumpy = ">=1.26"\nno-such-package-envcheck = ">=1"\n', encoding="utf-8")
    return {name: (_run(env, "verify", "--profile", str(profile)), _json(env, "verify", "--profile", str(profile)))
            for name, env in (("ko", KO), ("en", EN))}


def test_verify_speaks_korean_and_keeps_its_tokens(verify_runs):
    (ko_text, (ko_result, ko)), (en_text, (_, en)) = verify_runs["ko"], verify_runs["en"]
    assert ko_text.returncode == en_text.returncode == ko_result.returncode == 1
    assert _keys(ko) == _keys(en)
    assert [(r["requirement"], r["status"]) for r in ko["requirements"]] == \
        [(r["requirement"], r["status"]) for r in en["requirements"]]
    failed = next(line for line in ko_text.stdout.splitlines() if line.startswith("FAIL"))
    assert "no-such-package-envcheck" in failed and _korean(failed), failed
    assert _korean(ko_text.stdout.splitlines()[-1])  # the tally
    assert "pip install" in ko_text.stdout  # the fix's command stays a command
    assert not _korean(en_text.stdout)


# ---------------------------------------------------------------------------- check-code


@pytest.fixture(scope="module")
def code_runs(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    (course / "lab1.py").write_text("import numpy as np\nimport no_such_module_envcheck\nx = np.float(3)\n",
                                    encoding="utf-8")
    return {name: (_run(env, "check-code", str(course)), _json(env, "check-code", str(course)))
            for name, env in (("ko", KO), ("en", EN))}


def test_check_code_speaks_korean_down_to_the_data_tables_reasons(code_runs):
    (ko_text, (ko_result, ko)), (en_text, (_, en)) = code_runs["ko"], code_runs["en"]
    assert ko_text.returncode == en_text.returncode == ko_result.returncode == 1
    assert _keys(ko) == _keys(en)
    assert [(f["code"], f["line"]) for f in ko["findings"]] == [(f["code"], f["line"]) for f in en["findings"]]
    api = next(f for f in ko["findings"] if f["code"] == "API_MISSING")
    assert "np.float" in api["message"] and "1.24" in api["message"] and _korean(api["message"].split(";")[1])
    lines = ko_text.stdout.splitlines()
    assert lines[0].startswith("✗ ") and _korean(lines[0])
    assert not _korean(en_text.stdout)


# ---------------------------------------------------------------------------- a Korean Windows console (cp949)


def _cp949(*args):
    """A command under LANG=ko_KR.UTF-8 on a console whose encoding is cp949 (Korean Windows)."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, **KO, PYTHONIOENCODING="cp949")
    done = subprocess.run([sys.executable, "-m", "envcheck", *args], capture_output=True, env=env, timeout=600)
    return done.returncode, done.stdout.decode("cp949"), done.stderr.decode("cp949")  # cp949 or it raises


@pytest.mark.parametrize("args", [("smoke-train", "--backend", "numpy", "--activation", "step"),
                                  ("check-code", "COURSE"), ("count-packages", "--python", "/no/such/python"),
                                  ("check-cuda", "--no-tf")])
def test_a_cp949_console_prints_hangul_with_ascii_marks(args, tmp_path):
    course = tmp_path / "lab.py"
    course.write_text("import no_such_module_envcheck\n", encoding="utf-8")
    code, out, err = _cp949(*(str(course) if arg == "COURSE" else arg for arg in args))
    assert code in (1, 2), (code, out, err)  # an answer or a usage error, never envcheck's own failure (3)
    assert "Traceback" not in err and "\\u" not in out + err  # nothing fell back to escapes
    assert _korean(out + err)
    assert "✓" not in out and "✗" not in out
    if args[0] in ("check-code", "check-cuda"):
        assert out.startswith("[x] ")


# ---------------------------------------------------------------------------- summarize


def test_summarize_speaks_korean_and_keeps_its_json(cuda_runs, tmp_path):
    (tmp_path / "kim.json").write_text(cuda_runs["en"][1][0].stdout, encoding="utf-8")
    (tmp_path / "lee.json").write_text('{"schema": "not-envcheck"}', encoding="utf-8")
    ko_text, en_text = _run(KO, "summarize", str(tmp_path)), _run(EN, "summarize", str(tmp_path))
    (_, ko), (_, en) = _json(KO, "summarize", str(tmp_path)), _json(EN, "summarize", str(tmp_path))
    assert ko_text.returncode == en_text.returncode == 1
    assert _keys(ko) == _keys(en) and list(ko["findings"]) == list(en["findings"])
    assert _korean(ko_text.stdout.splitlines()[0]) and not _korean(en_text.stdout)
