"""Run by the *target* interpreter: which modules and attribute chains a course's code uses exist here.

Standard library only (plus whatever the questions name). Usage: `python resolve_names.py REQUEST.json`.
The request is one JSON object written by envcheck (envcheck/probes/course_code.py):

  {"top": ["numpy", "cv2", ...],                    top-level modules: stdlib, installed or missing?
   "modules": ["tensorflow.keras.layers", ...],      dotted modules the code imports, imported here in order
   "chains": [[module, [attr, ...], kind], ...],     kind "attr": getattr along the chain (a missing attribute
                                                     that is a submodule is imported, as `import a.b` would);
                                                     "from": `from module import attr` (getattr, then a submodule);
                                                     "method": resolve module.attrs[:-1] to a class and look
                                                     the last name up on the class
   "alternatives": {"tensorflow": "tensorflow.compat.v1"},   where a missing chain is also looked up
   "compile": {"id": "source", ...}}                 sources to compile with this interpreter's grammar

It imports the named modules (library code, never the course's own files: envcheck never sends those) and
walks each chain with getattr. It never calls anything it finds. Before each import it writes
`import NAME` to stderr, so a caller whose child crashed or hung knows which import did it. The answer is
one JSON object on the last line of stdout; an import that fails is an answer, not a crash.
"""

import importlib
import importlib.util
import json
import os
import sys
import sysconfig

_MISSING = object()


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or ".") == here:
        del sys.path[0]  # envcheck's own scripts are no module of the course's environment
    with open(argv[1], encoding="utf-8") as stream:
        request = json.load(stream)
    stdlib = getattr(sys, "stdlib_module_names", None)  # Python 3.10+
    out = {"python": list(sys.version_info[:3]), "stdlib_source": "sys.stdlib_module_names" if stdlib else "layout",
           "top": {}, "modules": {}, "chains": [], "distributions": {}, "compile": {}}
    for name in request.get("top", []):
        out["top"][name] = _classify(name, stdlib)
    for name in request.get("modules", []):
        if out["top"].get(name.partition(".")[0], {}).get("where") == "missing":
            continue
        out["modules"][name] = _import(name)
    alternatives = request.get("alternatives", {})
    for module, attrs, kind in request.get("chains", []):
        out["chains"].append(_chain(module, attrs, kind, out["modules"], alternatives))
    owners = [chain.get("owner_top") for chain in out["chains"] if chain.get("owner_top")]
    tops = [n for n, info in out["top"].items() if info["where"] == "installed"]
    out["distributions"] = _distributions(list(dict.fromkeys(tops + owners)))
    out["versions"] = _versions(request.get("versions", []))
    for key, source in request.get("compile", {}).items():
        out["compile"][key] = _compile(source)
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


def _classify(name, stdlib):
    """{"where": "stdlib" | "installed" | "missing", ...} for a top-level module name."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError) as error:
        return {"where": "missing", "error": _describe(error)}
    except Exception as error:  # a broken finder or a package whose __init__ raises on lookup
        return {"where": "installed", "error": _describe(error)}
    if stdlib is not None:
        in_stdlib = name in stdlib
    else:  # before 3.10: the installation's own layout says what is standard library
        in_stdlib = spec is not None and _in_stdlib_dir(spec)
    if spec is None:
        return {"where": "missing", "stdlib": in_stdlib}
    return {"where": "stdlib" if in_stdlib else "installed", "namespace": spec.origin in (None, "namespace")
            and spec.submodule_search_locations is not None}


def _in_stdlib_dir(spec):
    if spec.origin in ("built-in", "frozen"):
        return True
    origin = spec.origin or next(iter(spec.submodule_search_locations or []), "")
    paths = sysconfig.get_paths()
    stdlib_dirs = [os.path.realpath(paths[key]) for key in ("stdlib", "platstdlib") if key in paths]
    site_dirs = [os.path.realpath(paths[key]) for key in ("purelib", "platlib") if key in paths]
    real = os.path.realpath(origin)
    if any(real.startswith(d + os.sep) for d in site_dirs) or "site-packages" in real or "dist-packages" in real:
        return False
    return any(real.startswith(d + os.sep) for d in stdlib_dirs)


# Standard modules whose import does something (opens a web browser, prints a poem): known to exist, not imported.
_SIDE_EFFECTS = {"antigravity", "this", "__hello__", "__phello__"}


def _import(name):
    if name in _SIDE_EFFECTS:
        return {"ok": True}
    sys.stderr.write("import %s\n" % name)
    sys.stderr.flush()
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as error:  # the module itself, or something it imports, is not there
        return {"ok": False, "not_found": error.name, "error": _describe(error)}
    except BaseException as error:  # noqa: BLE001 - the answer *is* the failure: ImportError, SystemExit, ...
        if isinstance(error, KeyboardInterrupt):
            raise
        return {"ok": False, "error": _describe(error)}
    return {"ok": True}


def _chain(module, attrs, kind, imported, alternatives):
    """Walk module.attrs; report how far it got, and what the object was where it stopped."""
    answer = {"ok": False}
    state = imported.get(module)
    if state is None:
        state = imported[module] = _import(module)
    if not state["ok"]:
        answer["module_error"] = state
        return answer
    obj = sys.modules.get(module)
    if obj is None:  # a module with side effects, known to exist but not imported
        answer.update(ok=True, unchecked="not imported")
        return answer
    walk = attrs[:-1] if kind == "method" else attrs
    obj, reached, path = _walk(obj, module, walk, submodules=True)
    if reached < len(walk) and kind == "method":  # the class itself is missing: reported where it is named
        answer.update(ok=True, unchecked="the class was not found")
        return answer
    if reached < len(walk):
        answer.update(missing_at=reached, owner=_describe_owner(obj), owner_top=_top_of(obj))
        alternative = alternatives.get(module.partition(".")[0])
        if alternative:
            answer["alternative"] = _alternative(alternative, module, walk)
        return answer
    if kind == "method":
        if not isinstance(obj, type):
            answer.update(ok=True, unchecked="not a class: %s" % _describe_owner(obj))
            return answer
        if "__getattr__" in _mro_names(obj):
            answer.update(ok=True, unchecked="%s answers any attribute (__getattr__)" % _qualname(obj))
            return answer
        if getattr(obj, attrs[-1], _MISSING) is _MISSING:
            answer.update(missing_at=len(attrs) - 1, owner=_describe_owner(obj), owner_top=_top_of(obj),
                          class_name=_qualname(obj))
            return answer
    answer["ok"] = True
    answer["path"] = path
    return answer


def _walk(obj, module, attrs, submodules):
    """getattr along attrs; a missing attribute of a module may be a submodule not imported yet."""
    path = module
    for index, attr in enumerate(attrs):
        value = getattr(obj, attr, _MISSING)
        if value is _MISSING and submodules and isinstance(obj, type(sys)):
            name = "%s.%s" % (getattr(obj, "__name__", path), attr)
            try:
                value = importlib.import_module(name)
            except BaseException as error:  # noqa: BLE001 - no such submodule: the attribute is missing
                if isinstance(error, KeyboardInterrupt):
                    raise
                value = _MISSING
        if value is _MISSING:
            return obj, index, path
        obj = value
        path = "%s.%s" % (path, attr)
    return obj, len(attrs), path


def _alternative(alternative, module, attrs):
    """Does the same chain exist under `alternative` (tensorflow.compat.v1 for tensorflow)?"""
    rest = module.split(".")[1:] + list(attrs)
    try:
        obj = importlib.import_module(alternative)
    except BaseException as error:  # noqa: BLE001 - no alternative here
        if isinstance(error, KeyboardInterrupt):
            raise
        return None
    _, reached, _ = _walk(obj, alternative, rest, submodules=True)
    return {"base": alternative, "ok": reached == len(rest)}


def _mro_names(cls):
    names = set()
    for klass in getattr(cls, "__mro__", ())[:-1]:  # not object itself
        names.update(vars(klass))
    return names


def _qualname(cls):
    return "%s.%s" % (getattr(cls, "__module__", "?"), getattr(cls, "__qualname__", getattr(cls, "__name__", "?")))


def _describe_owner(obj):
    if isinstance(obj, type(sys)):
        return "module " + obj.__name__
    if isinstance(obj, type):
        return "class " + _qualname(obj)
    return "%s object" % type(obj).__name__


def _top_of(obj):
    name = obj.__name__ if isinstance(obj, type(sys)) else getattr(obj, "__module__", None) or type(obj).__module__
    return str(name).partition(".")[0]


def _distributions(tops):
    """{top-level module: [[distribution, version], ...]} from importlib.metadata (3.10+; 3.8-3.9 by RECORD)."""
    try:
        import importlib.metadata as metadata  # 3.8+; only once there is something to look up
    except ImportError:
        return {}
    found = {}
    if hasattr(metadata, "packages_distributions"):
        mapping = metadata.packages_distributions()
    else:  # 3.8, 3.9: what packages_distributions does, from top_level.txt or RECORD
        mapping = {}
        for dist in metadata.distributions():
            names = (dist.read_text("top_level.txt") or "").split()
            if not names:
                names = {f.parts[0].split(".")[0] for f in (dist.files or [])
                         if f.parts and not f.parts[0].endswith(".dist-info")}
            for name in names:
                mapping.setdefault(name, []).append(dist.metadata["Name"])
    for top in tops:
        rows = []
        for dist in dict.fromkeys(mapping.get(top, [])):
            try:
                rows.append([dist, metadata.version(dist)])
            except Exception:  # noqa: BLE001 - metadata without a version: name only
                rows.append([dist, None])
        found[top] = rows
    return found


def _versions(names):
    """{distribution: version or None} for the named distributions, read from their metadata (no import)."""
    try:
        import importlib.metadata as metadata  # 3.8+; only once there is something to look up
    except ImportError:
        return {}
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except Exception:  # noqa: BLE001 - not installed (PackageNotFoundError) or unreadable metadata
            found[name] = None
    return found


def _compile(source):
    try:
        compile(source, "<course>", "exec", 0x400, dont_inherit=True)  # ast.PyCF_ONLY_AST: parse, do not run
    except SyntaxError as error:
        return {"ok": False, "line": error.lineno, "offset": error.offset, "message": error.msg}
    except (ValueError, MemoryError, RecursionError) as error:  # null bytes, absurd nesting
        return {"ok": False, "line": None, "message": _describe(error)}
    return {"ok": True}


def _describe(error):
    text = str(error).strip().splitlines()
    return "%s: %s" % (type(error).__name__, text[-1] if text else "")


if __name__ == "__main__":
    status = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip the interpreter's teardown: unloading TensorFlow costs ~1 s and can crash after the answer is out.
    os._exit(status)
