"""The generated entry points of every model family under attack, built with
ASan + UBSan: NULL pointers, a feature count one short and one long (with
the input buffer exactly as long as the model needs, so a read past it is
caught), output buffers one short, and NaN and infinite inputs. Each call
must return its documented status (a negative emml_status_t) or, for
non-finite inputs, any value without a sanitizer report."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import GradientBoostingClassifier, IsolationForest, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import emml
from emml.host import HostBuildError, compile_c

X, Y = load_iris(return_X_y=True)
X = X.astype(np.float32)

MODELS = {
    "forest_table": lambda: (RandomForestClassifier(4, max_depth=4, random_state=0).fit(X, Y), {"method": "table"}),
    "forest_inline": lambda: (RandomForestClassifier(4, max_depth=4, random_state=0).fit(X, Y), {"method": "inline"}),
    "forest_int16": lambda: (RandomForestClassifier(4, max_depth=4, random_state=0).fit(X, Y),
                             {"dtype": "int16", "X_calibration": X}),
    "boosting": lambda: (GradientBoostingClassifier(n_estimators=5, random_state=0).fit(X, Y), {}),
    "isolation": lambda: (IsolationForest(n_estimators=5, random_state=0).fit(X), {}),
    "logistic": lambda: (LogisticRegression(max_iter=500).fit(X, Y), {}),
    "scaled_logistic": lambda: (make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, Y), {}),
    "svc": lambda: (SVC().fit(X, Y), {}),
    "bayes": lambda: (GaussianNB().fit(X, Y), {}),
    "knn": lambda: (KNeighborsClassifier(3).fit(X, Y), {}),
    "knn_regressor": lambda: (KNeighborsRegressor(3).fit(X, X[:, 0]), {}),
    "mixture": lambda: (GaussianMixture(3, random_state=0).fit(X), {}),
    "mlp": lambda: (MLPClassifier((8,), max_iter=300, random_state=0).fit(X, Y), {}),
}

HARNESS = """\
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "m.h"

static int failures;

static void expect(int ok, const char *what, long got)
{
    if (!ok) {
        printf("FAIL %%s: returned %%ld\\n", what, got);
        failures++;
    }
}

int main(void)
{
    const int32_t n = %(n)d;
    const int32_t k = %(k)d;
    float *x = malloc(sizeof(float) * (size_t)n);  /* exactly n: ASan sees a read past it */
    float *out = malloc(sizeof(float) * (size_t)k);
    float *short_out = malloc(sizeof(float) * (size_t)(k - 1) + 1u);  /* one float short: ASan sees a write past it */
    int32_t i;
    for (i = 0; i < n; i++) {
        x[i] = 0.5f * (float)(i + 1);
    }
%(calls)s
    for (i = 0; i < n; i++) {
        x[i] = (i %% 2) ? NAN : INFINITY;  /* any answer, no undefined behaviour */
    }
%(nonfinite)s
    free(x);
    free(out);
    free(short_out);
    printf("%%s\\n", failures ? "FAILED" : "OK");
    return failures != 0;
}
"""


def _calls(entries: tuple[str, ...], widths: dict[str, str]) -> tuple[str, str]:
    calls, nonfinite = [], []
    if "predict" in entries:
        calls += ['    expect(m_predict(NULL, n) < 0, "predict(NULL)", (long)m_predict(NULL, n));',
                  '    expect(m_predict(x, n - 1) < 0, "predict(n - 1)", (long)m_predict(x, n - 1));',
                  '    expect(m_predict(x, n + 1) < 0, "predict(n + 1)", (long)m_predict(x, n + 1));',
                  '    expect(m_predict(x, n) >= 0, "predict", (long)m_predict(x, n));']
        nonfinite.append("    (void)m_predict(x, n);")
    for entry in ("predict_proba", "regress"):
        if entry not in entries:
            continue
        f, k = f"m_{entry}", widths[entry]
        calls += [f'    expect({f}(NULL, n, out, {k}) < 0, "{entry}(NULL x)", (long){f}(NULL, n, out, {k}));',
                  f'    expect({f}(x, n, NULL, {k}) < 0, "{entry}(NULL out)", (long){f}(x, n, NULL, {k}));',
                  f'    expect({f}(x, n + 1, out, {k}) < 0, "{entry}(n + 1)", (long){f}(x, n + 1, out, {k}));',
                  f'    expect({f}(x, n, short_out, {k} - 1) < 0, "{entry}(short out)", '
                  f'(long){f}(x, n, short_out, {k} - 1));',
                  f'    expect({f}(x, n, out, {k}) == 0, "{entry}", (long){f}(x, n, out, {k}));']
        nonfinite.append(f"    (void){f}(x, n, out, {k});")
    return "\n".join(calls), "\n".join(nonfinite)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_entry_points_refuse_bad_arguments_without_undefined_behaviour(name, tmp_path):
    est, options = MODELS[name]()
    model = emml.convert(est, **options)
    for filename, text in model.sources("m").items():
        (tmp_path / filename).write_text(text)
    # the output width of each rows entry: n_outputs, but one score for a mixture's regress (score_samples)
    widths = {"predict_proba": "k", "regress": "1" if model.task == "mixture" else "k"}
    calls, nonfinite = _calls(tuple(model.entry_points), widths)
    assert calls, f"{name}: no entry point to attack in {model.entry_points}"
    (tmp_path / "main.c").write_text(HARNESS % {"n": model.n_features, "k": model.n_outputs, "calls": calls,
                                                "nonfinite": nonfinite})
    try:
        exe = compile_c([tmp_path / "main.c", tmp_path / "m.c"], output_name=f"attack_{name}", shared=False,
                        include_dirs=[tmp_path], sanitize=True)
    except HostBuildError as e:
        if "asan" in str(e).lower() or "sanitize" in str(e).lower():
            pytest.skip(f"no sanitizer runtime: {str(e).splitlines()[-1]}")
        raise
    proc = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60,
                          env={"ASAN_OPTIONS": "detect_leaks=1", "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1"})
    assert proc.returncode == 0 and proc.stdout.strip().endswith("OK"), proc.stdout + proc.stderr
    assert "runtime error" not in proc.stderr and "AddressSanitizer" not in proc.stderr, proc.stderr
