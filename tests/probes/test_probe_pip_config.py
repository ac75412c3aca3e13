"""pip's index settings: the files pip itself names in `pip config debug`, read for the index keys."""

from __future__ import annotations

import sys

from envcheck.probes import pip_config

# `pip config debug` (pip 26.3) on this project's CPU machine, with PIP_INDEX_URL set.
CAPTURED = """env_var:
  PIP_FIND_LINKS='/opt/wheels'
  PIP_INDEX_URL='https://a:b@x/simple'
env:
global:
  /etc/xdg/pip/pip.conf, exists: True
    global.constraint: /etc/xdg/pip/constraints.txt
  /etc/pip.conf, exists: True
    global.cert: /etc/ssl/certs/ca-certificates.crt
site:
  /work/wt/house/.venv/pip.conf, exists: False
user:
  /root/.pip/pip.conf, exists: False
  /root/.config/pip/pip.conf, exists: True
    global.find-links: /opt/wheels
    global.extra-index-url: file:///opt/pypi/simple file:///opt/pypi-more/simple
"""


def test_config_debug_names_the_files_that_exist_per_variant():
    assert pip_config.parse_config_debug(CAPTURED) == {
        "global": ["/etc/xdg/pip/pip.conf", "/etc/pip.conf"],
        "user": ["/root/.config/pip/pip.conf"],
    }


def test_settings_come_from_the_files_pip_reads_then_the_environment(tmp_path):
    home = tmp_path / "home"
    (home / ".config" / "pip").mkdir(parents=True)
    (home / ".config" / "pip" / "pip.conf").write_text("[global]\nindex-url = https://u:pw@idx.example/simple\n")
    environ = {"HOME": str(home), "PIP_TRUSTED_HOST": "idx.example"}
    settings = pip_config.index_settings(sys.executable, sys.prefix, environ)
    mine = [s for s in settings if str(tmp_path) in s["source"] or s["source"].startswith("$")]
    assert mine == [
        {"source": f"{home}/.config/pip/pip.conf [global]", "key": "index-url",
         "value": "https://u:pw@idx.example/simple"},
        {"source": "$PIP_TRUSTED_HOST", "key": "trusted-host", "value": "idx.example"},
    ]


def test_pip_config_file_replaces_the_users_files_as_pip_does(tmp_path):
    home = tmp_path / "home"
    (home / ".config" / "pip").mkdir(parents=True)
    (home / ".config" / "pip" / "pip.conf").write_text("[global]\nindex-url = https://ignored.example/simple\n")
    extra = tmp_path / "ci-pip.conf"
    extra.write_text("[install]\nextra-index-url =\n    https://a.example/simple\n    https://b.example/simple\n")
    settings = pip_config.index_settings(sys.executable, sys.prefix, {"HOME": str(home), "PIP_CONFIG_FILE": str(extra)})
    mine = [s for s in settings if str(tmp_path) in s["source"]]
    assert mine == [{"source": f"{extra} [install]", "key": "extra-index-url",
                     "value": "https://a.example/simple https://b.example/simple"}]


def test_a_python_without_pip_still_gets_the_users_files_through_envchecks_pip(tmp_path):
    import venv  # only this test makes an environment

    bare = tmp_path / "bare"
    venv.EnvBuilder(with_pip=False).create(bare)
    (bare / "pip.conf").write_text("[global]\nfind-links = /wheels\n")
    home = tmp_path / "home"
    (home / ".pip").mkdir(parents=True)
    (home / ".pip" / "pip.conf").write_text("[global]\nindex-url = https://idx.example/simple\n")
    settings = pip_config.index_settings(str(bare / "bin" / "python"), str(bare), {"HOME": str(home)})
    mine = [(s["source"], s["value"]) for s in settings if str(tmp_path) in s["source"]]
    assert mine == [(f"{home}/.pip/pip.conf [global]", "https://idx.example/simple"),
                    (f"{bare}/pip.conf [global]", "/wheels")]
