#!/usr/bin/env python3
"""Classical models (linear, SVM, naive Bayes, nearest neighbours, mixtures):
emml against emlearn 0.23.2, m2cgen 0.10.0 and micromlgen 1.1.28.

    python bench/bench_classical.py            # every case (about 20 minutes)
    python bench/bench_classical.py --quick    # 3 rows per case (smoke test)
    python bench/bench_classical.py --only knn # cases whose name contains "knn"

Every implementation converts the SAME fitted scikit-learn model (fixed
seeds) and is built and measured exactly like bench/bench_trees.py, whose
helpers this script imports (Impl, build_pair, measure): flash and static RAM
are the delta of a linked Cortex-M0+ image (-Os, gc-sections, newlib-nano,
rp2040 memory map so that big peers still link) over a baseline image;
cycles are ESTIMATED Cortex-M0+ cycles of one call, from emml.profile
(unicorn + the ARMv6-M timing table, no wait states), mean over the test rows;
agreement is the fraction of those rows where the firmware's class equals
scikit-learn's predict() (for mixtures: the component; for EllipticEnvelope:
inlier/outlier).

Data: st_har_26hz (HAR features from emml.dsp.HarFeatures on 2 s windows,
split by recording file), scikit-learn's digits and wine. Peers that cannot
take a scikit-learn Pipeline get the same model with the scaler folded by us
(linear) or already-scaled inputs (every implementation then gets the scaled
rows). Input types: emml float entries and micromlgen take float, m2cgen
double, emlearn's kNN int16 (its API), emml's integer entries int8/int16
(rows quantized by the model's own Python reference).

Writes bench/results/classical.json (or --out) and prints a table.
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import bench_trees as bt  # noqa: E402  (shared build/measure helpers: one way to compile and profile)
from bench_trees import Impl, Skip  # noqa: E402

REPO = BENCH.parent
SEED = 0
bt._NP.setdefault("int8_t", np.int8)


@dataclasses.dataclass
class Case:
    name: str
    description: str
    estimator: Any  # what emml converts (may be a Pipeline)
    peer_estimator: Any  # the same model for peers that take no Pipeline
    X_test: np.ndarray
    y_ref: np.ndarray  # scikit-learn's answer as a class / component index
    kinds: tuple[str, ...]  # implementations to try


# ---- data -----------------------------------------------------------------------------


def har_features() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, labels, test mask) from st_har_26hz: 52-sample windows (2 s),
    emml's HAR features (float view), every 4th recording file held out."""
    from emml.dsp import HarConfig, HarFeatures
    from emml.datasets import fetch_st_har

    root = fetch_st_har() / "dataset"
    X, y, g = [], [], []
    for i, f in enumerate(sorted(glob.glob(str(root / "*" / "*.csv")))):
        a = np.loadtxt(f, delimiter=",", dtype=np.int64)
        k = len(a) // 52
        X.append(a[: 52 * k].reshape(k, 52, 3))
        y += [Path(f).parent.name] * k
        g += [i] * k
    windows = np.concatenate(X).astype(np.int16)
    feats = HarFeatures(HarConfig(gravity="mean", energy_frac=2)).fit(windows).transform(windows)
    return feats, np.array(y), np.array(g) % 4 == 0


def _index(est: Any, pred: np.ndarray) -> np.ndarray:
    classes = getattr(est, "classes_", None)
    return np.searchsorted(classes, pred) if classes is not None else np.asarray(pred)


def _folded_logreg(pipe: Any) -> Any:
    """A LogisticRegression on raw inputs equal to StandardScaler + LogisticRegression."""
    import copy

    scaler, lr = pipe[0], pipe[-1]
    flat = copy.deepcopy(lr)
    flat.coef_ = lr.coef_ / scaler.scale_
    flat.intercept_ = lr.intercept_ - (lr.coef_ * scaler.mean_ / scaler.scale_).sum(axis=1)
    flat.n_features_in_ = scaler.n_features_in_
    return flat


def make_cases(rows: int) -> list[Case]:
    from sklearn.covariance import EllipticEnvelope
    from sklearn.datasets import load_digits, load_wine
    from sklearn.linear_model import LogisticRegression
    from sklearn.mixture import GaussianMixture
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier, NearestCentroid
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    cases: list[Case] = []
    H, hy, test = har_features()
    Htr, hytr, Hte = H[~test], hy[~test], H[test]
    pick = np.random.RandomState(SEED).permutation(len(Hte))[:rows]
    Hte = Hte[pick].astype(np.float32)

    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)).fit(Htr, hytr)
    _CALIBRATION["har_logreg"] = Htr
    cases.append(Case("har_logreg", "StandardScaler + LogisticRegression (multinomial), HAR 64 features, 3 classes",
                      pipe, _folded_logreg(pipe), Hte, _index(pipe, pipe.predict(Hte)),
                      ("emml", "emml_int16", "emml_int8", "emml_int16_in", "emml_int8_in", "m2cgen", "micromlgen")))

    hs = StandardScaler().fit(Htr)
    Hs_tr, Hs_te = hs.transform(Htr)[::3], hs.transform(Hte).astype(np.float32)
    svc = SVC(C=10, gamma=1.0 / 64).fit(Hs_tr, hytr[::3])
    cases.append(Case("har_svc_rbf", f"SVC RBF (C=10, gamma=1/64), standardized HAR features, "
                                     f"{svc.support_vectors_.shape[0]} support vectors",
                      svc, svc, Hs_te, _index(svc, svc.predict(Hs_te)), ("emml", "m2cgen", "micromlgen")))

    gnb = GaussianNB().fit(Htr, hytr)
    cases.append(Case("har_gaussian_nb", "GaussianNB, HAR 64 features, 3 classes", gnb, gnb, Hte,
                      _index(gnb, gnb.predict(Hte)), ("emml", "emlearn", "micromlgen")))

    Xw, yw = load_wine(return_X_y=True)
    ws = StandardScaler().fit(Xw[::2])
    Wtr, Wte = ws.transform(Xw[::2]), ws.transform(Xw[1::2]).astype(np.float32)[:rows]
    lsvc = SVC(kernel="linear", gamma=0.1).fit(Wtr, yw[::2])  # micromlgen wants an explicit float gamma
    _CALIBRATION["wine_svc_linear"] = Wtr
    cases.append(Case("wine_svc_linear", "SVC linear kernel, standardized wine, 13 features, 3 classes", lsvc, lsvc,
                      Wte, _index(lsvc, lsvc.predict(Wte)), ("emml", "emml_int16", "emml_int8", "emml_int16_in",
                                                             "emml_int8_in", "m2cgen", "micromlgen")))

    gmm = GaussianMixture(3, covariance_type="full", random_state=SEED).fit(Wtr)
    cases.append(Case("wine_gmm_full", "GaussianMixture, 3 components, full covariance, standardized wine", gmm, gmm,
                      Wte, gmm.predict(Wte), ("emml", "emlearn")))
    env = EllipticEnvelope(contamination=0.1, random_state=SEED).fit(Wtr[:, :6])
    We6 = Wte[:, :6].copy()
    cases.append(Case("wine_elliptic_envelope", "EllipticEnvelope (contamination 0.1), 6 standardized wine features",
                      env, env, We6, (env.predict(We6) == 1).astype(np.int64), ("emml", "emlearn")))

    Xd, yd = load_digits(return_X_y=True)  # integer pixels 0..16: exact in every input type
    Dtr, dytr, Dte = Xd[:400], yd[:400], Xd[1000:].astype(np.float32)[:rows]
    knn = KNeighborsClassifier(5).fit(Dtr, dytr)
    cases.append(Case("digits_knn", "KNeighborsClassifier k=5, digits 400 examples x 64 integer features", knn, knn,
                      Dte, _index(knn, knn.predict(Dte)), ("emml", "emml_int8", "emml_int8_in", "emlearn")))
    nc = NearestCentroid().fit(Xd[:1000], yd[:1000])
    cases.append(Case("digits_nearest_centroid", "NearestCentroid, digits, 10 centroids x 64 features", nc, nc, Dte,
                      _index(nc, nc.predict(Dte)), ("emml", "emml_int8", "emml_int8_in")))
    return cases


# ---- implementations --------------------------------------------------------------------


def emml_impl(case: Case, kind: str) -> tuple[Impl, np.ndarray | None]:
    """(Impl, the rows it takes, or None for the case's float rows)."""
    import emml

    est = case.estimator
    opts: dict[str, Any] = {}
    if kind != "emml":
        opts["dtype"] = "int16" if kind.startswith("emml_int16") else "int8"
        if type(est).__name__ in ("KNeighborsClassifier", "NearestCentroid"):
            opts["input_scale"] = 1.0  # digits pixels are integers: exact in int8
        else:
            opts["X_calibration"] = _CALIBRATION[case.name]  # the training rows
    model = emml.convert(est, **opts)
    src = model.sources("m")
    if kind.endswith("_in"):  # the integer entry point, rows quantized by the model's Python reference
        dt = opts["dtype"]
        Xq = model.quantize_reference(case.X_test)
        n_in = Xq.shape[1]
        return Impl(f"emml {dt} ({dt} input)", src, "m.h", f"return m_predict_{dt.replace('int', 'i')}(x, {n_in});",
                    f"{dt}_t", strict=True), Xq
    label = {"emml": "emml float32", "emml_int16": "emml int16 (float input)",
             "emml_int8": "emml int8 (float input)"}[kind]
    return Impl(label, src, "m.h", "return m_predict(x, M_N_FEATURES);", "float", strict=True), None


#: training rows per case, for the integer models' input scales
_CALIBRATION: dict[str, np.ndarray] = {}


def emlearn_impl(case: Case) -> Impl:
    try:
        import emlearn
    except ImportError as e:
        raise Skip(f"emlearn not installed ({e})") from None
    est = case.peer_estimator
    kind = type(est).__name__
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c = emlearn.convert(est, method="inline" if kind == "EllipticEnvelope" else None)
            code = c.save(name="eml_model")
    except Exception as e:  # noqa: BLE001 - any converter failure is a result
        raise Skip(f"emlearn cannot convert it: {type(e).__name__}: {e}") from None
    inc = [Path(emlearn.__file__).parent]
    F = est.n_features_in_
    if kind == "GaussianNB":
        return Impl("emlearn 0.23.2", {"eml_model.h": code}, "eml_model.h",
                    f"return (int32_t)eml_model_predict(x, {F});", "float", include_dirs=inc)
    if kind == "KNeighborsClassifier":
        n = est._fit_X.shape[0]
        pre = f"static EmlNeighborsDistanceItem bench_distances[{n}];\n"
        body = (f"int16_t out = -1;\n    eml_neighbors_predict(&eml_model, x, {F}, bench_distances, {n}, &out);\n"
                "    return out;")
        return Impl("emlearn 0.23.2 (int16 input)", {"eml_model.h": code}, "eml_model.h", body, "int16_t",
                    include_dirs=inc, prelude=pre)
    if kind == "GaussianMixture":
        K = est.n_components
        body = (f"float lp[{K}];\n    int32_t k, best = 0;\n    eml_model_predict_log_proba(x, {F}, lp);\n"
                f"    for (k = 1; k < {K}; k++)\n        if (lp[k] > lp[best])\n            best = k;\n"
                "    return best;")
        return Impl("emlearn 0.23.2", {"eml_model.h": code}, "eml_model.h", body, "float", include_dirs=inc)
    if kind == "EllipticEnvelope":
        body = f"return eml_elliptic_envelope_predict(&eml_model_classifier, x, {F}, 0) ? 0 : 1; /* 1: outlier */"
        return Impl("emlearn 0.23.2", {"eml_model.h": code}, "eml_model.h", body, "float", include_dirs=inc)
    raise Skip(f"emlearn has no converter for {kind}")


def m2cgen_impl(est: Any) -> Impl:
    """bench_trees' m2cgen wrapper (argmax of the per-class outputs), except for
    multi-class SVC: m2cgen returns libsvm's one-vs-one decision values
    there (one per class pair), which the caller has to vote on."""
    impl = bt.m2cgen_impl(est)
    if type(est).__name__ in ("SVC", "NuSVC") and len(est.classes_) > 2:
        C = len(est.classes_)
        impl.body = (f"double dec[{C * (C - 1) // 2}];\n    int32_t votes[{C}] = {{0}};\n"
                     "    int32_t i, j, p = 0, best = 0;\n    score((double *)x, dec);\n"
                     f"    for (i = 0; i < {C}; i++)\n        for (j = i + 1; j < {C}; j++, p++)\n"
                     "            votes[dec[p] > 0 ? i : j]++;\n"
                     f"    for (i = 1; i < {C}; i++)\n        if (votes[i] > votes[best])\n            best = i;\n"
                     "    return best;")
    return impl


def micromlgen_impl(est: Any) -> Impl:
    """bench_trees' micromlgen wrapper; its SVC code calls exp() without
    including <math.h> (the C++ library headers are absent here), so the
    header is included first: a harness fix, the model code is unchanged."""
    impl = bt.micromlgen_impl(est)
    impl.files = {k: "#include <math.h>\n" + v for k, v in impl.files.items()}
    return impl


def implementations(case: Case) -> list[tuple[str, Callable[[], tuple[Impl, np.ndarray | None]]]]:
    out: list[tuple[str, Callable[[], tuple[Impl, np.ndarray | None]]]] = []
    for kind in case.kinds:
        if kind.startswith("emml"):
            out.append((kind, lambda k=kind: emml_impl(case, k)))
        elif kind == "emlearn":
            out.append(("emlearn 0.23.2", lambda: (emlearn_impl(case), None)))
        elif kind == "m2cgen":
            out.append(("m2cgen (C, double)", lambda: (m2cgen_impl(case.peer_estimator), None)))
        elif kind == "micromlgen":
            out.append(("micromlgen (C++)", lambda: (micromlgen_impl(case.peer_estimator), None)))
    return out


# ---- run ----------------------------------------------------------------------------------


def run(rows: int, out: Path, only: list[str] | None) -> dict[str, Any]:
    cases = make_cases(rows)
    result: dict[str, Any] = {
        "benchmark": "classical",
        "board": bt.BOARD,
        "core": "Cortex-M0+ (-mcpu=cortex-m0plus -mthumb -mfloat-abi=soft)",
        "flags": "-Os -ffunction-sections -fdata-sections -Wl,--gc-sections, newlib-nano",
        "note": "cycles are Cortex-M0+ estimates from the emml.profile emulator (ARMv6-M timing table, "
                "no wait states), not measurements; agreement is over the profiled test rows",
        "versions": bt._versions(),
        "models": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench_classical_") as tmp:
        for case in cases:
            if only and not any(o in case.name for o in only):
                continue
            entry = {"name": case.name, "description": case.description, "test_rows": len(case.X_test),
                     "results": []}
            for i, (label, make) in enumerate(implementations(case)):
                t0 = time.time()
                try:
                    impl, X = make()
                    c = case if X is None else dataclasses.replace(case, X_test=np.asarray(X))
                    res = {"implementation": impl.name, **bt.measure(impl, c, Path(tmp) / case.name / str(i))}
                except Skip as e:
                    res = {"implementation": label, "error": str(e)}
                res["seconds"] = round(time.time() - t0, 1)
                entry["results"].append(res)
                print(f"  {case.name}: {res['implementation']} ({res['seconds']} s)", file=sys.stderr)
            _ratios(entry["results"])
            result["models"].append(entry)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    return result


def _ratios(results: list[dict[str, Any]]) -> None:
    ref = next((r for r in results if r["implementation"] == "emml float32" and "error" not in r), None)
    for r in results:
        if ref is None or "error" in r:
            continue
        r["flash_vs_emml_float32"] = round(r["flash_bytes"] / ref["flash_bytes"], 3)
        r["cycles_vs_emml_float32"] = round(r["cycles_mean"] / ref["cycles_mean"], 3)


def format_table(result: dict[str, Any]) -> str:
    lines = []
    for m in result["models"]:
        lines.append(f"\n{m['name']}: {m['description']} ({m['test_rows']} test rows)")
        lines.append(f"  {'implementation':30} {'flash B':>8} {'xF32':>6} {'RAM B':>6} {'stack':>6} "
                     f"{'cycles*':>10} {'xF32':>6} {'agree':>7}")
        for r in m["results"]:
            if "error" in r:
                lines.append(f"  {r['implementation']:30} n/a: {r['error'][:100]}")
                continue
            fx = f"{r['flash_vs_emml_float32']:.2f}" if "flash_vs_emml_float32" in r else "-"
            cx = f"{r['cycles_vs_emml_float32']:.2f}" if "cycles_vs_emml_float32" in r else "-"
            lines.append(f"  {r['implementation']:30} {r['flash_bytes']:8d} {fx:>6} {r['ram_static_bytes']:6d} "
                         f"{r['stack_bytes']:6d} {r['cycles_mean']:10.0f} {cx:>6} {100 * r['agreement']:6.1f}%")
    lines.append("\n* estimated Cortex-M0+ cycles (emml.profile), mean per inference; xF32 = ratio to emml float32")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 test rows per case (smoke test)")
    ap.add_argument("--rows", type=int, default=None, help="test rows to profile (default 30, quick: 3)")
    ap.add_argument("--only", action="append", help="only cases whose name contains this (repeatable)")
    ap.add_argument("--out", type=Path, default=None, help="JSON output (default bench/results/classical.json)")
    args = ap.parse_args(argv)
    rows = args.rows or (3 if args.quick else 30)
    out = args.out or (REPO / "bench" / "results" / ("classical_quick.json" if args.quick else "classical.json"))
    os.environ.setdefault("PYTHONHASHSEED", "0")
    result = run(rows, out, args.only)
    print(format_table(result))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
