"""Run by the *target* interpreter: NumPy's version and the BLAS it uses, as one JSON line.

Standard library plus NumPy (and threadpoolctl when it is installed). Never raises: an import
that fails is reported in the JSON; a crash (SIGILL, SIGSEGV) is seen by the caller as a signal.
"""

import json
import sys


def main():
    out = {"python": list(sys.version_info[:3]), "imported": False}
    try:
        import numpy  # inside try: a NumPy that fails to import is the answer, not a crash
    except Exception as error:  # the answer *is* the failure: ImportError, or NumPy 2 vs an old C extension
        out["error"] = "%s: %s" % (type(error).__name__, error)
        print(json.dumps(out))
        return
    out["imported"] = True
    out["version"] = numpy.__version__
    out["file"] = numpy.__file__
    try:
        value = float(numpy.dot(numpy.arange(4.0), numpy.arange(4.0)))  # exercises the BLAS once
        out["dot_ok"] = value == 14.0
    except Exception as error:  # a broken BLAS is a fact to report
        out["dot_ok"] = False
        out["dot_error"] = "%s: %s" % (type(error).__name__, error)
    out["blas"] = _blas_from_config(numpy)
    out["threadpools"] = _threadpools()
    print(json.dumps(out))


def _blas_from_config(numpy):
    """numpy.show_config(mode='dicts') (NumPy >= 1.26): the BLAS name and version it was built with."""
    try:
        config = numpy.show_config(mode="dicts")
    except TypeError:
        return None  # older NumPy prints its config and has no dict mode
    except Exception:  # pragma: no cover - a NumPy that cannot describe itself
        return None
    blas = ((config or {}).get("Build Dependencies") or {}).get("blas") or {}
    return {"name": blas.get("name"), "version": blas.get("version")} if blas else None


def _threadpools():
    """threadpoolctl's view of the loaded BLAS (name, version, threads), when it is installed."""
    try:
        from threadpoolctl import threadpool_info  # optional: used when the target has it
    except ImportError:
        return None
    try:
        return [
            {key: pool.get(key) for key in ("internal_api", "version", "num_threads", "threading_layer")}
            for pool in threadpool_info()
            if pool.get("user_api") == "blas"
        ]
    except Exception:  # threadpoolctl failing is not NumPy failing
        return None


if __name__ == "__main__":
    main()
