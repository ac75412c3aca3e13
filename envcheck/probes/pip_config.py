"""pip's index settings (index-url, extra-index-url, find-links, trusted-host): from the configuration
files pip itself reads and from PIP_* environment variables.

Which files pip reads depends on the platform (macOS's ~/Library/Application Support/pip, XDG
directories, PIP_CONFIG_FILE, the environment's own pip.conf), so envcheck asks pip: `python -m pip
config debug` lists every file of every variant and whether it exists. The target interpreter's pip
answers; when it has none, envcheck's own pip names the machine's and the user's files, and the
target's site file is its prefix's pip.conf, where pip looks for it. Values are returned raw: the
report's Redactor removes credentials from them with everything else.
"""

from __future__ import annotations

import configparser
import os
import sys

from envcheck import runner

INDEX_KEYS = ("index-url", "extra-index-url", "find-links", "trusted-host")
VARIANTS = ("global", "user", "site", "env")  # the order the report lists them in
PIP_TIMEOUT = 30.0


def parse_config_debug(text: str) -> dict[str, list[str]]:
    """`pip config debug` output -> variant -> the files that exist, in pip's order."""
    files: dict[str, list[str]] = {}
    variant = None
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            variant = line[:-1]
        elif variant and line.startswith("  ") and not line.startswith("   "):
            path, sep, exists = line[2:].rpartition(", exists: ")
            if sep and exists.strip() == "True":
                files.setdefault(variant, []).append(path)
    return files


def config_files(python: str, prefix: str, environ) -> list[str]:
    """The configuration files pip reads for `python` (whose sys.prefix is `prefix`), that exist."""
    argv = ("-m", "pip", "config", "debug")
    answer = runner.run([python, *argv], timeout=PIP_TIMEOUT, env=environ)
    own_site = None
    if answer.status != runner.OK and python != sys.executable:
        answer = runner.run([sys.executable, *argv], timeout=PIP_TIMEOUT, env=environ)
        own_site = os.path.join(prefix, "pip.ini" if sys.platform == "win32" else "pip.conf")  # pip's name there
    if answer.status != runner.OK:
        return []
    found = parse_config_debug(answer.stdout)
    if own_site is not None:
        found["site"] = [own_site] if os.path.isfile(own_site) else []
    return [path for variant in VARIANTS for path in found.get(variant, ())]


def index_settings(python: str, prefix: str, environ) -> list[dict]:
    """pip's index settings from its configuration files and PIP_* variables, in the order pip reads them:
    [{"source": "<file> [<section>]" or "$PIP_…", "key": …, "value": …}]."""
    settings = []
    for path in config_files(python, prefix, environ):
        parser = configparser.ConfigParser(interpolation=None)
        try:
            if not parser.read(path, encoding="utf-8"):
                continue
        except (configparser.Error, UnicodeDecodeError) as error:
            settings.append({"source": path, "key": "-", "value": f"unreadable: {type(error).__name__}"})
            continue
        for section in parser.sections():
            for key in INDEX_KEYS:
                if parser.has_option(section, key):
                    value = " ".join(parser.get(section, key).split())
                    settings.append({"source": f"{path} [{section}]", "key": key, "value": value})
    for key in INDEX_KEYS:
        name = "PIP_" + key.upper().replace("-", "_")
        if environ.get(name):
            settings.append({"source": f"${name}", "key": key, "value": environ[name]})
    return settings
