"""probes.python_source: imports and attribute chains read with ast, names followed through Python's scopes."""

from __future__ import annotations

import textwrap

from envcheck.probes.python_source import analyse

RETURNS = {"load_model": "Model"}


def uses(source: str) -> set[tuple]:
    facts = analyse(textwrap.dedent(source), RETURNS)
    assert facts.syntax_error is None, facts.syntax_error
    return {(u.line, u.module, ".".join(u.attrs), u.kind) for u in facts.uses}


def test_plain_and_aliased_imports_give_chains_from_the_module_they_name():
    found = uses("""
        import numpy as np
        import tensorflow.compat.v1 as tf
        import os.path
        np.float(1)
        tf.placeholder(tf.float32)
        os.path.join("a")
    """)
    assert found == {(5, "numpy", "float", "attr"), (6, "tensorflow.compat.v1", "placeholder", "attr"),
                     (6, "tensorflow.compat.v1", "float32", "attr"), (7, "os", "path.join", "attr")}


def test_from_imports_are_uses_and_bind_names_to_chains():
    found = uses("""
        from tensorflow import keras
        from tensorflow.keras.layers import Dense as D
        keras.layers.Conv2D(3, 3)
        D(3)
    """)
    assert (2, "tensorflow", "keras", "from") in found
    assert (3, "tensorflow.keras.layers", "Dense", "from") in found
    assert (4, "tensorflow", "keras.layers.Conv2D", "attr") in found
    assert not any(kind == "attr" and attrs == "Dense" for _, _, attrs, kind in found)  # a bare call: nothing to walk


def test_assignments_make_aliases_and_instances_whose_called_methods_are_checked_on_the_class():
    found = uses("""
        import tensorflow as tf
        from tensorflow.keras.models import Sequential, load_model
        K = tf.keras.backend
        K.clear_session()
        model = Sequential()
        model.predict_classes(x)
        model.layers
        restored = load_model("m.h5")
        restored.predict_proba(x)
    """)
    assert (5, "tensorflow", "keras.backend.clear_session", "attr") in found
    assert (7, "tensorflow.keras.models", "Sequential.predict_classes", "method") in found
    assert (10, "tensorflow.keras.models", "Model.predict_proba", "method") in found  # load_model returns a Model
    assert not any(line == 8 for line, *_ in found), "an instance attribute that is not called is not claimed"


def test_a_name_bound_twice_with_different_meanings_is_not_followed():
    found = uses("""
        from tensorflow.keras.models import Sequential
        from sklearn.svm import SVC
        model = Sequential()
        model = SVC()
        model.predict_proba(x)
        try:
            import cPickle as pickle
        except ImportError:
            import pickle
        pickle.dump(1, f)
    """)
    assert not any(kind == "method" for *_, kind in found)
    assert not any(module in ("pickle", "cPickle") and kind == "attr" for _, module, _, kind in found)


def test_parameters_loop_variables_and_locals_shadow_the_module_names():
    found = uses("""
        import numpy as np
        from tensorflow.keras.models import Sequential
        model = Sequential()
        def evaluate(model, np):
            model.predict_classes(1)
            return np.float
        for model in []:
            pass
        class Lab:
            np = None
            def run(self):
                return np.float64
    """)
    assert not any(kind == "method" for *_, kind in found)  # `model` is also a loop variable at module level
    assert (13, "numpy", "float64", "attr") in found  # a class body's names are not visible in its methods
    assert not any(line == 7 for line, *_ in found)


def test_guarded_imports_and_uses_are_marked():
    facts = analyse(textwrap.dedent("""
        import tensorflow as tf
        try:
            import cv2
        except ImportError:
            cv2 = None
        if tf.__version__.startswith("1."):
            tf.Session()
        if hasattr(tf, "placeholder"):
            tf.placeholder
        tf.Variable(1)
    """))
    guarded = {(u.line, u.attrs) for u in facts.uses if u.guarded}
    assert guarded == {(8, ("Session",)), (10, ("placeholder",))}
    assert [i.guarded for i in facts.imports] == [False, True]
    branches = analyse('if backend() == "tensorflow":\n    import tensorflow\n'
                       'elif backend() == "jax":\n    import jax\n'
                       'if sys.platform == "win32":\n    import winreg\n')
    assert [(i.module, i.guarded) for i in branches.imports] == [("tensorflow", False), ("jax", True), ("winreg", True)]
    otherwise = analyse("import numpy as np\nif gpu:\n    pass\nelse:\n    np.float(1)\n")
    assert [u.guarded for u in otherwise.uses] == [False]  # a use in an else branch is still checked
    fallback = analyse("try:\n    import tomllib\nexcept ModuleNotFoundError:\n    import tomli as tomllib\n")
    assert [i.guarded for i in fallback.imports] == [True, True]


def test_assigning_an_attribute_needs_only_its_owner():
    assert uses("import tensorflow as tf\ntf.logging.verbosity = 1\n") == {(2, "tensorflow", "logging", "attr")}


def test_relative_and_future_imports_bind_nothing_to_check():
    facts = analyse("from __future__ import print_function\nfrom . import helpers\nfrom .io import load\n"
                    "helpers.x\nload.y\n")
    assert facts.uses == ()
    assert [(i.module, i.level) for i in facts.imports] == [("__future__", 0), ("", 1), ("io", 1)]


def test_python2_code_is_a_syntax_error_with_its_line():
    facts = analyse('import os\n\ndef f():\n    print "x"\n')
    assert facts.syntax_error is not None
    assert facts.syntax_error[0] == 4
    assert "print" in facts.syntax_error[1]
    assert analyse("x = 1\0\n").syntax_error is not None  # a null byte: ValueError on older Pythons, SyntaxError now


def test_comprehension_and_lambda_scopes():
    found = uses("""
        import numpy as np
        values = [np.float32(v) for np in [1]]
        f = lambda np: np.int
        g = [np.int64(v) for v in range(3)]
    """)
    assert (5, "numpy", "int64", "attr") in found
    assert not any(line in (3, 4) for line, *_ in found)


def test_code_that_extends_sys_path_is_marked():
    assert analyse("import sys\nsys.path.insert(0, '../common')\n").changes_path
    assert not analyse("import sys\nprint(sys.path)\n").changes_path
