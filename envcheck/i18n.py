"""Which language envcheck speaks, and its translations (gettext catalogues under envcheck/locale/).

The language is chosen once per process:
1. ENVCHECK_LANG, when set, wins (`ko`, `en`, or a locale such as `ko_KR.UTF-8`);
2. else the POSIX locale for messages: the first of LC_ALL, LC_MESSAGES, LANG that is set and not
   empty (so `LC_ALL=C LANG=ko_KR.UTF-8` is English, as every POSIX program reads it);
3. else, on Windows, where consoles carry no LANG, the user's UI language.
A language with no catalogue is English. Codes, JSON keys, command names and options never change.

Nothing is loaded until the first text is translated, and for English nothing is loaded at all:
the fast paths pay for a catalogue only when they print human text in Korean.

Mark a message with `_()` where it is used, and with `N_()` where it is defined at module level
(a table of texts) and translated later with `_()`; use `str.format` placeholders, never f-strings,
so the extracted message is the one looked up. `pybabel extract` reads both marks (see babel.cfg).
"""

from __future__ import annotations

import os
import sys

DOMAIN = "envcheck"
LOCALE_DIR = os.path.join(os.path.dirname(__file__), "locale")
SUPPORTED = ("en", "ko")
ENGLISH = "en"

_WINDOWS_KOREAN_PRIMARY_LANGID = 0x12  # LANG_KOREAN in winnt.h; the low 10 bits of a LANGID

_catalogue = None  # the loaded translations (gettext or English), once asked for


def language(environ=None, platform: str | None = None, windows_ui_language=None) -> str:
    """The language to speak: `ko` or `en`. Pure given its arguments (the tests pass each one)."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    chosen = environ.get("ENVCHECK_LANG", "").strip()
    if not chosen:
        chosen = next((environ[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(name)), "")
    if not chosen and platform == "win32":
        langid = (windows_ui_language or _windows_ui_language)()
        if langid is not None and langid & 0x3FF == _WINDOWS_KOREAN_PRIMARY_LANGID:
            return "ko"
    code = chosen.split(".")[0].split("@")[0].split("_")[0].split("-")[0].lower()
    return code if code in SUPPORTED else ENGLISH


def _windows_ui_language():
    """The Windows user's UI LANGID (GetUserDefaultUILanguage), or None where it cannot be read."""
    try:
        import ctypes  # Windows only, and only when no locale variable chose a language

        return int(ctypes.windll.kernel32.GetUserDefaultUILanguage())
    except (ImportError, AttributeError, OSError):
        return None


class _English:
    """English needs no catalogue: the source texts are English."""

    @staticmethod
    def gettext(message: str) -> str:
        return message

    @staticmethod
    def ngettext(singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural


def _load():
    global _catalogue
    lang = language()
    if lang == ENGLISH:
        _catalogue = _English
    else:
        import gettext  # only a non-English run loads a catalogue

        _catalogue = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
    return _catalogue


def gettext(message: str) -> str:
    """`message` in the chosen language (itself when English, or when the catalogue lacks it)."""
    return (_catalogue or _load()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the chosen language."""
    return (_catalogue or _load()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext name for a deferred mark
    """Mark a module-level text for extraction; translate it later, where it is shown, with `_()`."""
    return message


def data_text(text):
    """A text from a data table (envcheck/data/*.toml: a reason, a fix, a note) in the chosen language;
    None stays None. `extract_toml` below gives pybabel these texts to extract."""
    return gettext(text) if text else text


def extract_toml(fileobj, keywords, comment_tags, options):
    """A pybabel extraction method (babel.cfg): every string under one of the `keys` (comma-separated)
    anywhere in a TOML file, as (line, funcname, message, comments). Line numbers are not tracked: 0."""
    from envcheck.data import toml  # pybabel only: the one TOML parser envcheck uses

    keys = {key.strip() for key in options.get("keys", "").split(",") if key.strip()}

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in keys and isinstance(item, str) and item:
                    yield 0, None, item, []
                else:
                    yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    yield from walk(toml().loads(fileobj.read().decode("utf-8")))


def help_body(doc: str | None) -> str:
    """A command module's docstring after its title line: the body its --help shows (and translates)."""
    return (doc or "").strip().partition("\n")[2].strip()


def extract_command(fileobj, keywords, comment_tags, options):
    """A pybabel extraction method (babel.cfg) for envcheck/cli/*.py: the messages Babel's Python method
    finds, and the module's --help body (its docstring after the title line, as help_body gives it)."""
    import ast  # pybabel only
    import io

    from babel.messages.extract import extract_python

    source = fileobj.read()
    yield from extract_python(io.BytesIO(source), keywords, comment_tags, options)
    tree = ast.parse(source.decode("utf-8"))
    is_command = any(isinstance(node, ast.FunctionDef) and node.name == "build_parser" for node in tree.body)
    body = help_body(ast.get_docstring(tree, clean=False)) if is_command else ""
    if body:
        yield 1, None, body, []


def current() -> str:
    """The language in use for this process (`ko` or `en`)."""
    return language()


def reset() -> None:
    """Forget the loaded catalogue (tests change the environment within one process)."""
    global _catalogue
    _catalogue = None
