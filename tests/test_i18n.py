"""Korean for Korean students: which language is chosen, and a catalogue that covers every message.

The catalogue tests read the source the way `pybabel extract` does (babel.cfg), so a message added
without a translation, or translated with other placeholders, fails here rather than in class.
"""

from __future__ import annotations

import ast
import gettext as stdlib_gettext
import string
from pathlib import Path

import pytest

from envcheck import i18n

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "envcheck" / "locale" / "ko" / "LC_MESSAGES" / "envcheck.po"
MO = PO.with_suffix(".mo")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LANG": "ko_KR.eucKR"}, "ko"),
        ({"LC_MESSAGES": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
        ({"LC_ALL": "C", "LANG": "ko_KR.UTF-8"}, "en"),  # LC_ALL overrides every other variable
        ({"LC_ALL": "ko_KR.UTF-8", "LANG": "C"}, "ko"),
        ({"LC_ALL": "", "LANG": "ko_KR.UTF-8"}, "ko"),  # an empty variable is not set
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),  # no catalogue: English
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
        ({"ENVCHECK_LANG": "ko", "LANG": "en_US.UTF-8"}, "ko"),  # ENVCHECK_LANG wins over the locale
        ({"ENVCHECK_LANG": "en", "LC_ALL": "ko_KR.UTF-8"}, "en"),
        ({"ENVCHECK_LANG": "ko-KR"}, "ko"),
        ({"ENVCHECK_LANG": "ko_KR.UTF-8@euro"}, "ko"),
    ],
)
def test_the_locale_chooses_the_language_as_posix_reads_it(environ, expected):
    assert i18n.language(environ, platform="linux") == expected


def test_windows_without_a_locale_variable_follows_the_users_ui_language():
    korean_ui, english_ui = 0x0412, 0x0409  # LANGIDs: ko-KR, en-US
    assert i18n.language({}, platform="win32", windows_ui_language=lambda: korean_ui) == "ko"
    assert i18n.language({}, platform="win32", windows_ui_language=lambda: english_ui) == "en"
    assert i18n.language({}, platform="win32", windows_ui_language=lambda: None) == "en"
    # ENVCHECK_LANG still wins there, and the UI language is not asked for on other platforms
    assert i18n.language({"ENVCHECK_LANG": "en"}, platform="win32", windows_ui_language=lambda: korean_ui) == "en"
    assert i18n.language({}, platform="darwin", windows_ui_language=lambda: korean_ui) == "en"


def _source_messages() -> dict[str, list[str]]:
    """msgid -> where it is used, extracted with Babel exactly as `pybabel extract -F babel.cfg` does."""
    from babel.messages.extract import extract_from_dir  # the test extra brings Babel
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    assert any(pattern.endswith(".toml") for pattern, _method in method_map), "babel.cfg reads the data tables too"
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(str(ROOT), method_map, options_map):
        msgid = message[0] if isinstance(message, tuple) else message  # a plural is keyed by its singular
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def _catalogue():
    from babel.messages.pofile import read_po  # the test extra brings Babel

    with PO.open("rb") as handle:
        return read_po(handle, locale="ko")


def _placeholders(text: str) -> set:
    fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    return fields | {part for part in ("%s", "%d", "%r") if part in text}


def test_every_message_in_the_code_has_a_korean_translation():
    catalogue = _catalogue()
    missing = []
    for msgid, places in sorted(_source_messages().items()):
        entry = catalogue.get(msgid)
        translations = entry.string if entry is not None else None
        if isinstance(translations, tuple):
            translations = translations[0] if all(translations) else ""
        if not translations or (entry is not None and entry.fuzzy):
            missing.append(f"{places[0]}: {msgid!r}")
    assert not missing, "messages without a Korean translation:\n" + "\n".join(missing)


def test_translations_keep_the_sources_placeholders():
    wrong = []
    for entry in _catalogue():
        if not entry.id:
            continue
        sources = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        targets = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        allowed = [_placeholders(source) for source in sources]  # a plural may drop the count of its singular
        for target in filter(None, targets):
            if _placeholders(target) not in allowed:
                wrong.append(f"{sources[0]!r} -> {target!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_the_shipped_mo_is_the_compiled_po():
    """The .mo in the package is what `pybabel compile` makes of the .po: nothing stale ships."""
    with MO.open("rb") as handle:
        shipped = stdlib_gettext.GNUTranslations(handle)._catalog  # the parsed messages, keyed as gettext does
    expected = {}
    for entry in _catalogue():
        if entry.fuzzy and entry.id:
            continue
        if isinstance(entry.id, tuple):
            for index, text in enumerate(entry.string):
                expected[(entry.id[0], index)] = text
        elif entry.id and entry.string:
            expected[entry.id] = entry.string
    shipped = {key: value for key, value in shipped.items() if key != ""}
    assert shipped == expected, "run: pybabel compile -d envcheck/locale -D envcheck"


def _marked_calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_", "ngettext"):
            yield node


def test_marked_messages_are_literal_strings():
    """`_(f"...")` or `_(variable)` cannot be extracted, so it would never be translated."""
    bad = []
    for path in sorted((ROOT / "envcheck").rglob("*.py")):
        if "inside" in path.parts:
            continue
        for call in _marked_calls(ast.parse(path.read_text(encoding="utf-8"))):
            literal_args = call.args[:2] if call.func.id == "ngettext" else call.args[:1]
            literal = all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in literal_args)
            if not literal_args or not literal:
                bad.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not bad, "mark only literal strings (use .format() after _()):\n" + "\n".join(bad)


def test_english_loads_no_catalogue_and_korean_loads_it(monkeypatch):
    monkeypatch.setenv("ENVCHECK_LANG", "en")
    i18n.reset()
    assert i18n.gettext("anything") == "anything"
    assert i18n._catalogue is i18n._English
    monkeypatch.setenv("ENVCHECK_LANG", "ko")
    i18n.reset()
    i18n.gettext("anything")
    assert isinstance(i18n._catalogue, stdlib_gettext.GNUTranslations)
    i18n.reset()


def _bound_in_scope(function) -> set:
    """Names the function itself binds (arguments, assignments, loop targets), not its comprehensions'
    or nested functions' own."""
    bound = {arg.arg for arg in ast.walk(function.args) if isinstance(arg, ast.arg)}
    todo = list(ast.iter_child_nodes(function))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp,
                             ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue  # a scope of its own
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        todo.extend(ast.iter_child_nodes(node))
    return bound


def test_no_function_that_translates_rebinds_the_underscore():
    """`a, _ = pair` in a function that also calls `_()` makes `_` a local: the call then fails at run time."""
    bad = []
    for path in sorted((ROOT / "envcheck").rglob("*.py")):
        for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if "_" in _bound_in_scope(function) and any(call.func.id == "_" for call in _marked_calls(function)):
                bad.append(f"{path.relative_to(ROOT)}:{function.lineno}")
    assert not bad, "rename the throwaway `_` in:\n" + "\n".join(bad)


def test_no_message_is_marked_inside_an_f_string():
    """pybabel does not look inside f-strings on every Python: `f"{_('Fix:')} ..."` would never be extracted."""
    bad = []
    for path in sorted((ROOT / "envcheck").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr) and any(True for _call in _marked_calls(node)):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bad, "translate before the f-string (label = _('Fix:')):\n" + "\n".join(bad)
