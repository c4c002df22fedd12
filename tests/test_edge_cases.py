"""Numeric edge cases, defined and tested (docs/reliability.md lists the
defined behaviour), and every model family's generated C run under ASan +
UBSan on them.

  NaN / Inf inputs      converters refuse NaN rows unless the model routes
                        them (Model.predict raises, the C returns a status);
                        +-Inf compares like any float
  q15 / int8 saturation the fixed-point helpers saturate instead of wrapping
  empty / huge windows  feature extractors refuse lengths outside their
                        documented range at check time
  zero variance         constant windows give finite features (std 0)
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import emml
from emml.host import HostBuildError, sanitizer_preload

# ---- every family's C under the sanitizers ----------------------------------------

SWEEP = textwrap.dedent('''
    import sys, numpy as np, emml
    from sklearn.datasets import make_classification
    X, y = make_classification(120, 5, n_informative=4, n_redundant=0, n_classes=3, random_state=0)
    X = X.astype(np.float32)
    yb = (y > 0).astype(int)
    family = sys.argv[1]
    def est():
        from sklearn import ensemble, linear_model, svm, naive_bayes, neighbors, mixture, neural_network, tree
        return {
            "trees_table": lambda: ensemble.RandomForestClassifier(4, max_depth=5, random_state=0).fit(X, y),
            "trees_inline": lambda: tree.DecisionTreeRegressor(max_depth=4, random_state=0).fit(X, X[:, 0]),
            "trees_gb_binary": lambda: ensemble.GradientBoostingClassifier(n_estimators=5, random_state=0).fit(X, yb),
            "trees_hgb_nan": lambda: ensemble.HistGradientBoostingClassifier(max_iter=5, random_state=0).fit(X, y),
            "linear": lambda: linear_model.LogisticRegression(max_iter=300).fit(X, y),
            "svm": lambda: svm.SVC(probability=False).fit(X, y),
            "bayes": lambda: naive_bayes.GaussianNB().fit(X, y),
            "neighbors": lambda: neighbors.KNeighborsClassifier(3).fit(X, y),
            "mixture": lambda: mixture.GaussianMixture(2, random_state=0).fit(X),
            "mlp": lambda: neural_network.MLPClassifier((6,), max_iter=200, random_state=0).fit(X, y),
        }[family]()
    options = {"trees_inline": {"method": "inline"}}.get(family, {})
    model = emml.convert(est(), **options)
    big = np.finfo(np.float32).max
    rows = np.vstack([X[:20], np.full((1, 5), np.inf), np.full((1, 5), -np.inf), np.full((1, 5), big),
                      np.full((1, 5), -big), np.zeros((1, 5)), np.full((1, 5), 1e-45)]).astype(np.float32)
    if model.options.get("allow_nan"):
        rows = np.vstack([rows, np.full((1, 5), np.nan, np.float32)])
    for entry in model.entry_points:
        if entry in ("predict", "predict_proba", "regress"):
            getattr(model, entry)(rows)
    print("sanitized ok", family, len(rows), "rows")
''')

FAMILIES = ["trees_table", "trees_inline", "trees_gb_binary", "trees_hgb_nan", "linear", "svm", "bayes",
            "neighbors", "mixture", "mlp"]


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_generated_c_of_every_family_is_clean_under_asan_and_ubsan(family, tmp_path):
    """Model.predict of each family on ordinary and extreme rows (+-Inf,
    +-FLT_MAX, denormals, zeros, NaN where allowed) in a Python whose host
    libraries are built with -fsanitize=address,undefined (EMML_SANITIZE=1)."""
    try:
        preload = sanitizer_preload()
    except HostBuildError as e:
        pytest.skip(str(e))
    script = tmp_path / "sweep.py"
    script.write_text(SWEEP)
    env = dict(os.environ, EMML_SANITIZE="1", LD_PRELOAD=preload,
               ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    proc = subprocess.run([sys.executable, str(script), family], capture_output=True, text=True, env=env,
                          timeout=900)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-6000:]
    assert "runtime error" not in output and "AddressSanitizer" not in output, output[-6000:]
    assert f"sanitized ok {family}" in proc.stdout


def test_sanitized_build_really_catches_an_overflow(tmp_path):
    """The same set-up must report a heap overflow planted in C called through ctypes."""
    try:
        preload = sanitizer_preload()
    except HostBuildError as e:
        pytest.skip(str(e))
    (tmp_path / "bad.c").write_text("#include <stdint.h>\nint32_t poke(float *out, int32_t n);\n"
                                    "int32_t poke(float *out, int32_t n) { out[n] = 1.0f; return 0; }\n")
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(f'''
        import ctypes, numpy as np
        from emml.host import compile_c
        lib = ctypes.CDLL(str(compile_c([{str(tmp_path / "bad.c")!r}], output_name="bad", shared=True,
                                        with_runtime=False)))
        a = np.zeros(3, np.float32)
        lib.poke(a.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), 3)
        print("not caught")
    '''))
    env = dict(os.environ, EMML_SANITIZE="1", LD_PRELOAD=preload, ASAN_OPTIONS="detect_leaks=0")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode != 0 and "heap-buffer-overflow" in proc.stderr, proc.stdout + proc.stderr[-3000:]


# ---- defined behaviour through the public API -------------------------------------------

@pytest.fixture(scope="module")
def forest():
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_iris(return_X_y=True)
    X = X.astype(np.float32)
    est = RandomForestClassifier(n_estimators=4, max_depth=4, random_state=0).fit(X, y)
    return est, emml.convert(est), X


def test_nan_rows_are_refused_by_models_without_nan_routing(forest):
    _, model, X = forest
    row = X[:2].copy()
    row[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"NaN \(rows \[1\]"):
        model.predict(row)


def test_infinite_and_extreme_inputs_classify_like_the_largest_floats(forest):
    est, model, X = forest
    big = np.finfo(np.float32).max
    rows = np.array([[np.inf] * 4, [-np.inf] * 4, [big] * 4, [-big] * 4, [1e-45] * 4], np.float32)
    expected = est.predict(np.clip(rows, -big, big))  # scikit-learn refuses Inf; FLT_MAX goes the same way
    np.testing.assert_array_equal(model.predict(rows), expected)


def test_q15_and_int8_helpers_saturate(tmp_path):
    """emml/fixed.h: saturating conversions at and beyond the int16/int8 range."""
    from emml.host import compile_c

    (tmp_path / "sat.c").write_text(textwrap.dedent('''
        #include <stdio.h>
        #include "emml/fixed.h"
        int main(void) {
            const int32_t v[] = {-2147483647 - 1, -40000, -32769, -32768, 0, 32767, 32768, 40000, 2147483647};
            unsigned i;
            for (i = 0; i < sizeof v / sizeof v[0]; i++)
                printf("%ld\\n", (long)emml_sat_q15(v[i]));
            return 0;
        }
    '''))
    exe = compile_c([tmp_path / "sat.c"], output_name="sat", shared=False, sanitize=True)
    out = subprocess.run([str(exe)], capture_output=True, text=True, check=True).stdout.split()
    assert [int(v) for v in out] == [-32768, -32768, -32768, -32768, 0, 32767, 32767, 32767, 32767]


def test_har_features_refuse_empty_and_oversized_windows_and_handle_constant_input():
    from emml.dsp import HarConfig

    for bad in (0, 1025, 100000):
        with pytest.raises((ValueError, emml.UnsupportedError)):
            HarConfig(window=bad)
    cfg = HarConfig(window=52)
    flat = np.full((1, 52, 3), 1000, np.int16)  # zero variance on every axis
    feats = np.asarray(cfg.features(flat))[0]
    assert np.all(np.isfinite(feats.astype(np.float64)))
    checked = 0
    for name, value in zip(cfg.feature_names(), feats):
        if name.endswith(("std", "crossings")):
            assert value == 0, name
            checked += 1
    assert checked >= 8  # std and crossings of x, y, z, mag
