"""What a Python source uses from other modules, read with `ast` without running it (pure: text in, facts out).

`analyse(source)` returns the modules the code imports (with line numbers) and the attribute chains it
uses on them: `tf.placeholder` after `import tensorflow as tf`, `from tensorflow.keras.layers import Dense`,
`K.clear_session()` after `K = tf.keras.backend`, and `model.predict_classes(x)` after `model =
Sequential()` (a method looked up on the class the call returns). Names are followed through Python's
scopes: a name bound more than once with different meanings (`model = Sequential()` and later `model =
SVC()`), a function parameter, a loop variable, is not followed, so nothing is claimed about it.

Imports and uses inside `try:` blocks that catch ImportError, AttributeError or Exception (and in their
`except` fallbacks), and inside
`if` blocks that test a version (`__version__`, `sys.version_info`), a platform or `hasattr` are marked
`guarded`: the code expects them to fail, or not to run, somewhere. So are imports in `elif` / `else`
branches (another backend's, another platform's module); attribute uses there are still checked.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import NamedTuple  # records without dataclasses' import cost


class Import(NamedTuple):
    line: int
    module: str  # absolute dotted name ("tensorflow.keras.layers"); for a relative import the part after the dots
    level: int  # 0 for an absolute import; the number of leading dots otherwise
    guarded: bool


class Use(NamedTuple):
    """An attribute chain resolved from a module: `module` then getattr along `attrs`.

    kind "attr": `tf.keras.layers.Dense`; "from": `from module import attrs[0]`; "method": attrs[:-1]
    names a class (what a call returned), attrs[-1] a method called on its instance.
    """

    line: int
    module: str
    attrs: tuple[str, ...]
    kind: str
    text: str  # as the code wrote it: "tf.placeholder", "model.predict_classes", "from keras.layers import Dense"
    guarded: bool

    @property
    def dotted(self) -> str:
        return ".".join((self.module,) + self.attrs)


class SourceFacts(NamedTuple):
    imports: tuple[Import, ...] = ()
    uses: tuple[Use, ...] = ()
    syntax_error: tuple[int | None, str] | None = None  # (line, message) when the source does not parse
    changes_path: bool = False  # sys.path.append / insert / extend: imports may come from anywhere in the course


class _Ref(NamedTuple):  # a name that is a module or an attribute chain of one
    module: str
    attrs: tuple[str, ...]


class _Inst(NamedTuple):  # a name bound to what a call of a _Ref returned
    ref: _Ref


_GUARD_EXCEPTIONS = {"ImportError", "ModuleNotFoundError", "AttributeError", "Exception", "BaseException"}
_GUARD_WORDS = ("__version__", "version_info", "hasattr", "VERSION", "version", "platform", "system")


def syntax_error(error: SyntaxError) -> tuple[int | None, str]:
    return (error.lineno, error.msg or "invalid syntax")


def analyse(source: str, returns: Mapping[str, str] | None = None, filename: str = "<course>") -> SourceFacts:
    """The imports and attribute uses of `source`, or its syntax error (parsed with this interpreter's grammar).

    `returns` maps a factory function's name to the class it returns, in the same module
    (`{"load_model": "Model"}`: `model = load_model(p)` makes `model` an instance of the `Model` that sits
    beside that `load_model`).
    """
    try:
        tree = ast.parse(source, filename)
    except SyntaxError as error:
        return SourceFacts(syntax_error=syntax_error(error))
    except (ValueError, RecursionError, MemoryError) as error:  # null bytes; absurdly deep nesting
        return SourceFacts(syntax_error=(None, f"{type(error).__name__}: {error}"))
    collector = _Collector()
    collector.visit(tree)
    return _Resolver(collector, dict(returns or {})).facts()


class _Scope:
    __slots__ = ("parent", "is_class", "bindings", "globals", "nonlocals")

    def __init__(self, parent: _Scope | None, is_class: bool = False) -> None:
        self.parent = parent
        self.is_class = is_class
        self.bindings: dict[str, list] = {}
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()

    def bind(self, name: str, meaning) -> None:
        scope = self
        if name in self.globals:
            while scope.parent is not None:
                scope = scope.parent
        elif name in self.nonlocals:
            scope = self.parent or self
            while scope.parent is not None and (scope.is_class or name not in scope.bindings):
                scope = scope.parent
        scope.bindings.setdefault(name, []).append(meaning)

    def lookup(self, name: str) -> _Scope | None:
        if name in self.bindings:
            return self
        scope = self.parent
        while scope is not None:
            if not scope.is_class and name in scope.bindings:
                return scope
            scope = scope.parent
        return None


_OTHER = ("other",)


class _Collector(ast.NodeVisitor):
    """Pass 1: every binding of every scope, and the places where a chain or a method call is used."""

    def __init__(self) -> None:
        self.module = _Scope(None)
        self.scope = self.module
        self.guard = 0
        self.alternative = 0  # inside elif / else: imports there are guarded (another backend, platform)
        self.imports: list[Import] = []
        self.from_uses: list[Use] = []
        self.sites: list[tuple[_Scope, ast.AST, bool]] = []
        self.changes_path = False

    # scopes -------------------------------------------------------------------------------------------
    def _in_scope(self, node, scope: _Scope, body) -> None:
        outer, self.scope = self.scope, scope
        for child in body:
            self.visit(child)
        self.scope = outer

    def visit_FunctionDef(self, node) -> None:
        for expr in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
            if expr is not None:
                self.visit(expr)
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            if arg.annotation is not None:
                self.visit(arg.annotation)
        if node.returns is not None:
            self.visit(node.returns)
        self.scope.bind(node.name, _OTHER)
        scope = _Scope(self.scope)
        for arg in _arguments(node.args):
            scope.bindings.setdefault(arg, []).append(_OTHER)
        self._in_scope(node, scope, node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node) -> None:
        for expr in [*node.args.defaults, *node.args.kw_defaults]:
            if expr is not None:
                self.visit(expr)
        scope = _Scope(self.scope)
        for arg in _arguments(node.args):
            scope.bindings.setdefault(arg, []).append(_OTHER)
        self._in_scope(node, scope, [node.body])

    def visit_ClassDef(self, node) -> None:
        for expr in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self.visit(expr)
        self.scope.bind(node.name, _OTHER)
        self._in_scope(node, _Scope(self.scope, is_class=True), node.body)

    def _comprehension(self, node) -> None:
        scope = _Scope(self.scope)
        self.visit(node.generators[0].iter)  # evaluated in the enclosing scope
        outer, self.scope = self.scope, scope
        for index, generator in enumerate(node.generators):
            self.visit(generator.target)
            if index:
                self.visit(generator.iter)
            for condition in generator.ifs:
                self.visit(condition)
        for part in ("elt", "key", "value"):
            if hasattr(node, part):
                self.visit(getattr(node, part))
        self.scope = outer

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    def visit_Global(self, node) -> None:
        self.scope.globals.update(node.names)

    def visit_Nonlocal(self, node) -> None:
        self.scope.nonlocals.update(node.names)

    # guards -------------------------------------------------------------------------------------------
    def visit_Try(self, node) -> None:
        guarded = any(_catches_import_or_attribute(handler.type) for handler in node.handlers)
        self.guard += guarded
        for child in node.body:
            self.visit(child)
        self.guard -= guarded
        for handler in node.handlers:  # the fallback runs only where the first import failed: guarded too
            fallback = _catches_import_or_attribute(handler.type)
            self.guard += fallback
            self.visit(handler)
            self.guard -= fallback
        for child in [*node.orelse, *node.finalbody]:
            self.visit(child)

    visit_TryStar = visit_Try

    def visit_If(self, node) -> None:
        self.visit(node.test)
        guarded = any((getattr(n, "id", None) or getattr(n, "attr", None)) in _GUARD_WORDS
                      for n in ast.walk(node.test) if isinstance(n, (ast.Name, ast.Attribute)))
        self.guard += guarded
        for child in node.body:
            self.visit(child)
        self.alternative += 1  # elif / else: an alternative import (another backend or platform) may never run
        for child in node.orelse:
            self.visit(child)
        self.alternative -= 1
        self.guard -= guarded

    def visit_ExceptHandler(self, node) -> None:
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.scope.bind(node.name, _OTHER)
        for child in node.body:
            self.visit(child)

    # bindings -----------------------------------------------------------------------------------------
    @property
    def _import_guarded(self) -> bool:
        return self.guard > 0 or self.alternative > 0

    def visit_Import(self, node) -> None:
        for alias in node.names:
            self.imports.append(Import(node.lineno, alias.name, 0, self._import_guarded))
            if alias.asname:
                self.scope.bind(alias.asname, ("ref", _Ref(alias.name, ())))
            else:
                top = alias.name.partition(".")[0]
                self.scope.bind(top, ("ref", _Ref(top, ())))

    def visit_ImportFrom(self, node) -> None:
        module = node.module or ""
        self.imports.append(Import(node.lineno, module, node.level or 0, self._import_guarded))
        for alias in node.names:
            if alias.name == "*":
                continue
            bound = alias.asname or alias.name
            if node.level or module == "__future__":
                self.scope.bind(bound, _OTHER)  # the course's own package, or a compiler directive
                continue
            self.scope.bind(bound, ("ref", _Ref(module, (alias.name,))))
            line = getattr(alias, "lineno", node.lineno)  # alias positions exist from Python 3.10
            self.from_uses.append(Use(line, module, (alias.name,), "from", f"from {module} import {alias.name}",
                                      self._import_guarded))

    def visit_Assign(self, node) -> None:
        self.visit(node.value)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            self.scope.bind(node.targets[0].id, self._meaning(node.value))
            return
        for target in node.targets:
            self.visit(target)

    def visit_AnnAssign(self, node) -> None:
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.annotation)
        if isinstance(node.target, ast.Name):
            self.scope.bind(node.target.id, self._meaning(node.value) if node.value is not None else _OTHER)
        else:
            self.visit(node.target)

    def _meaning(self, value):
        if _chain(value) is not None:
            return ("alias", value, self.scope)
        if isinstance(value, ast.Call) and _chain(value.func) is not None:
            return ("call", value.func, self.scope)
        return _OTHER

    def visit_Name(self, node) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.scope.bind(node.id, _OTHER)

    def visit_arg(self, node) -> None:
        pass  # parameters are bound with their function's scope

    def generic_visit(self, node) -> None:
        name = getattr(node, "name", None)  # match patterns: MatchAs, MatchStar capture a name
        if isinstance(name, str) and type(node).__name__ in ("MatchAs", "MatchStar"):
            self.scope.bind(name, _OTHER)
        rest = getattr(node, "rest", None)
        if isinstance(rest, str) and type(node).__name__ == "MatchMapping":
            self.scope.bind(rest, _OTHER)
        super().generic_visit(node)

    # uses ---------------------------------------------------------------------------------------------
    def visit_Attribute(self, node) -> None:
        chain = _chain(node)
        if chain is None:  # something other than a name at the bottom: tf.constant(1).shape
            self.generic_visit(node)
            return
        self.sites.append((self.scope, node, self.guard > 0))

    def visit_Call(self, node) -> None:
        func = node.func
        if _chain(func) in (("sys", ("path", "append")), ("sys", ("path", "insert")), ("sys", ("path", "extend"))):
            self.changes_path = True
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            self.sites.append((self.scope, node, self.guard > 0))  # maybe a method of an instance
        self.generic_visit(node)


def _arguments(args: ast.arguments) -> list[str]:
    names = [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]
    names += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
    return names


def _catches_import_or_attribute(handler_type) -> bool:
    if handler_type is None:
        return True  # a bare except
    names = handler_type.elts if isinstance(handler_type, ast.Tuple) else [handler_type]
    return any((getattr(n, "id", None) or getattr(n, "attr", None)) in _GUARD_EXCEPTIONS for n in names)


def _chain(node) -> tuple[str, tuple[str, ...]] | None:
    """`a.b.c` as ("a", ("b", "c")); a bare name as ("a", ()); None for anything else."""
    attrs = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return node.id, tuple(reversed(attrs))


def _text(name: str, attrs: tuple[str, ...]) -> str:
    return ".".join((name,) + attrs)


class _Resolver:
    """Pass 2: what each name means where it is used, and the uses that follow from it."""

    def __init__(self, collector: _Collector, returns: dict[str, str]) -> None:
        self.collector = collector
        self.returns = returns
        self.memo: dict[tuple[int, str], object] = {}

    def meaning(self, name: str, scope: _Scope, seen: frozenset = frozenset()):
        home = scope.lookup(name)
        if home is None:
            return None
        key = (id(home), name)
        if key in self.memo:
            return self.memo[key]
        if key in seen:
            return None
        found = {self._binding(binding, seen | {key}) for binding in home.bindings[name]}
        result = found.pop() if len(found) == 1 else None
        self.memo[key] = result
        return result

    def _binding(self, binding, seen):
        kind = binding[0]
        if kind == "ref":
            return binding[1]
        if kind in ("alias", "call"):
            name, attrs = _chain(binding[1])
            base = self.meaning(name, binding[2], seen)
            if not isinstance(base, _Ref):
                return None
            ref = _Ref(base.module, base.attrs + attrs)
            if kind == "alias":
                return ref
            if ref.attrs and ref.attrs[-1] in self.returns:
                ref = _Ref(ref.module, ref.attrs[:-1] + (self.returns[ref.attrs[-1]],))
            return _Inst(ref)
        return None

    def facts(self) -> SourceFacts:
        uses = dict.fromkeys(self.collector.from_uses)
        for scope, node, guarded in self.collector.sites:
            if isinstance(node, ast.Call):
                name, attrs = node.func.value.id, (node.func.attr,)
                meaning = self.meaning(name, scope)
                if isinstance(meaning, _Inst) and meaning.ref.attrs:
                    ref = meaning.ref
                    uses[Use(node.lineno, ref.module, ref.attrs + attrs, "method", _text(name, attrs), guarded)] = None
                continue
            name, attrs = _chain(node)
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                attrs = attrs[:-1]  # `tf.logging.verbosity = 1` needs tf.logging, not the attribute it sets
            meaning = self.meaning(name, scope)
            if isinstance(meaning, _Ref) and attrs:
                use = Use(node.lineno, meaning.module, meaning.attrs + attrs, "attr", _text(name, attrs), guarded)
                uses[use] = None
        ordered = sorted(uses, key=lambda use: (use.line, use.dotted, use.kind))
        return SourceFacts(tuple(self.collector.imports), tuple(ordered), None, self.collector.changes_path)
