"""envcheck report: what doctor gathered, plus the context a helper needs, made safe to share.

Built as one dict (`envcheck.report/1`), redacted as a whole, then rendered (`envcheck.render.report`)
as JSON, markdown (for a GitHub issue or a course forum: long parts in collapsed <details>) or text.
Redaction happens on the data before any renderer sees it, so no format can leak what another one hides:

- only environment variables on an allow-list appear, and none whose name says it holds a secret;
- credentials inside URLs (pip's index settings, from PIP_INDEX_URL or the configuration files pip
  names in `pip config debug`), and query
  parameters named like a token, key or password, become `***`;
- well-known token shapes (GitHub, OpenAI, Hugging Face, Slack, AWS keys) become `<redacted>`;
- the home directory becomes `~` (HOME, USERPROFILE; either slash, any case), the user name `<user>` and
  the host name `<host>` (any case); any other account's `C:\\Users\\<name>` or macOS `/Users/<name>` too.
"""

from __future__ import annotations

import os
import platform
import re
from typing import NamedTuple

SCHEMA = "envcheck.report/1"

ALLOWED_ENV_PREFIXES = ("CUDA_", "TF_", "NVIDIA_", "XLA_", "CUDNN_", "KERAS_", "NCCL_")
ALLOWED_ENV_NAMES = frozenset({
    "LD_LIBRARY_PATH", "PATH", "VIRTUAL_ENV", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "CONDA_EXE",
    "PYTHONPATH", "PYTHONHOME", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
    "CUDA_HOME", "CUDA_PATH", "LANG", "SHELL", "TERM", "NO_COLOR", "WSL_DISTRO_NAME",
})
_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSW|PASSWD|PWD|KEY|CREDENTIAL|AUTH|COOKIE|SESSION", re.I)
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s@]+@")
_QUERY_SECRETS = re.compile(r"(?i)([?&][a-z_\-]*(?:token|key|password|passwd|secret|auth|sig)[a-z_\-]*=)[^&#\s]+")
_TOKENS = re.compile(
    r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,}|sk-[A-Za-z0-9_\-]{16,}|hf_[A-Za-z0-9]{16,}"
    r"|xox[abprs]-[A-Za-z0-9\-]{10,}|AKIA[0-9A-Z]{16}|glpat-[A-Za-z0-9_\-]{16,})"
)


# Any user's home folder, whoever ran the report: Windows `C:\Users\<name>` (either slash, any case) and
# macOS `/Users/<name>`; the shared folders keep their names.
_WINDOWS_USER_DIR = re.compile(
    r"(?i)\b([a-z]:[\\/]+users[\\/]+)(?!(?:public|default|all users)(?:[\\/\s\"']|$))[^\\/\s\"'<>|:*?]+"
)
_MACOS_USER_DIR = re.compile(r"(?<![\w.~])(/Users/)(?!Shared(?:[/\s\"']|$))[^/\s\"'<>]+")


def _path_pattern(path: str) -> str:
    """A regex for `path` written with either slash (or doubled backslashes, as in a repr), any case."""
    parts = [re.escape(part) for part in re.split(r"[\\/]+", path)]
    return r"[\\/]+".join(parts)


class Redactor(NamedTuple):
    homes: tuple[str, ...]  # $HOME / %USERPROFILE% and the account's home from the password database
    users: tuple[str, ...]  # $USER / $LOGNAME / %USERNAME% and the account's name
    hosts: tuple[str, ...]

    @classmethod
    def for_this_machine(cls, environ=None) -> "Redactor":
        import socket  # only to redact this machine's host name

        environ = os.environ if environ is None else environ
        homes = [environ.get("HOME", ""), environ.get("USERPROFILE", ""),
                 environ.get("HOMEDRIVE", "") + environ.get("HOMEPATH", "") if environ.get("HOMEPATH") else ""]
        users = [environ.get(name, "") for name in ("LOGNAME", "USER", "USERNAME")]
        try:
            import pwd  # POSIX only

            entry = pwd.getpwuid(os.getuid())
            homes.append(entry.pw_dir)
            users.append(entry.pw_name)
        except (ImportError, KeyError, AttributeError):
            pass  # no password database entry (containers, Windows): $HOME and $USER still count
        homes = [h.rstrip("/\\") for h in homes if h.rstrip("/\\")]
        homes = [h for h in homes if not re.fullmatch(r"[A-Za-z]:", h)]  # a bare drive (HOMEDRIVE alone) is no home
        host = socket.gethostname()
        hosts = [host, host.split(".")[0], environ.get("COMPUTERNAME", "")]
        return cls(
            tuple(sorted(set(homes), key=len, reverse=True)),
            tuple(sorted({u for u in users if len(u) >= 2}, key=len, reverse=True)),
            tuple(dict.fromkeys(h for h in hosts if h)),
        )

    def text(self, value: str) -> str:
        value = _URL_CREDENTIALS.sub(r"\1***@", value)
        value = _QUERY_SECRETS.sub(r"\1***", value)
        value = _TOKENS.sub("<redacted>", value)
        for home in self.homes:
            value = re.sub(_path_pattern(home) + r"(?![A-Za-z0-9_.\-])", "~", value, flags=re.I)
        value = _WINDOWS_USER_DIR.sub(r"\1<user>", value)
        value = _MACOS_USER_DIR.sub(r"\1<user>", value)
        for names, placeholder in ((self.users, "<user>"), (self.hosts, "<host>")):
            for name in names:
                value = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", placeholder, value, flags=re.I)
        return value

    def data(self, value):
        """Every string in a JSON-like structure, keys included, redacted."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.data(k) if isinstance(k, str) else k: self.data(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        return value


def allowed_environment(environ) -> dict[str, str]:
    """The allow-listed environment variables, sorted by name; secret-sounding names never pass."""
    return {
        name: environ[name]
        for name in sorted(environ)
        if (name in ALLOWED_ENV_NAMES or name.startswith(ALLOWED_ENV_PREFIXES)) and not _SECRET_NAME.search(name)
    }


def build(result, environ=None, redactor: Redactor | None = None) -> dict:
    """The report as a redacted dict: doctor's result, the installed packages, environment, pip settings."""
    from envcheck import __version__  # the report names the envcheck that wrote it
    from envcheck.probes import packages, pip_config  # what the report adds to doctor's answer

    environ = dict(os.environ if environ is None else environ)
    redactor = redactor or Redactor.for_this_machine(environ)
    installed = result.sources.get("installed")
    if installed is None:  # doctor did not get that far (or an area was injected): read it now
        from envcheck.probes import requirements

        installed = requirements.read_installed(packages.scan(result.python.path))
    rows = sorted(({"name": d.display_name, "version": d.version} for d in installed.values()),
                  key=lambda r: packages.canonicalize(r["name"]))
    import datetime  # only the report carries a timestamp

    report = {
        "schema": SCHEMA,
        "envcheck": __version__,
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform": {"system": platform.system(), "release": platform.release(), "machine": platform.machine()},
        "python": result.python.to_dict(),
        "doctor": result.to_dict(),
        "packages": rows,
        "environment": allowed_environment(environ),
        "pip_index": pip_config.index_settings(result.python.executable, result.python.prefix, environ),
    }
    return redactor.data(report)
