"""emml's generated MicroPython side by side with everywhereml's, on one model.

The model: a random forest on HAR features of the ST HAR recordings
(shared/data/st_har_26hz, windows of 2 s at 26 Hz, features from
emml.dsp.HarConfig without band energies), trained once with
everywhereml's RandomForestClassifier (a scikit-learn subclass), so both
generators convert the very same trees.

Measured under the real MicroPython 1.27 WebAssembly port (Node.js):
import time and heap (gc.mem_alloc after import, collected), time per
predict (time.ticks_us over all test rows), heap allocated per predict (GC
disabled), and agreement with scikit-learn and with emml's C on the host.
Times are wall-clock microseconds of MicroPython's VM compiled to WebAssembly
on this machine: relative numbers, not a microcontroller's.

    python bench/bench_micropython.py      # table; JSON in bench/results/micropython.json
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "st_har_26hz" / "dataset"
RESULTS = ROOT / "bench" / "results" / "micropython.json"
N_TREES, MAX_DEPTH = 10, 8


def load_har():
    from emml.dsp import HarConfig

    cfg = HarConfig(window=52, sample_rate=26, bands_hz=())
    train, test = ([], []), ([], [])
    for label, activity in enumerate(("stationary", "walking", "running")):
        for k, f in enumerate(sorted((DATA / activity).glob("*.csv"))):
            a = np.loadtxt(f, delimiter=",").astype(np.int64)
            dest = test if k % 4 == 3 else train  # split by file: neighbouring windows never straddle
            for s in range(0, len(a) - 52, 52):
                dest[0].append(a[s:s + 52])
                dest[1].append(label)
    Xtr = cfg.features_f32(np.array(train[0]))
    Xte = cfg.features_f32(np.array(test[0]))
    return Xtr, np.array(train[1]), Xte, np.array(test[1])


def measure_script(module: str, setup: str, call: str, X: np.ndarray) -> str:
    """A MicroPython program: import the module, then time and weigh predictions."""
    data = X.astype("<f4").tobytes()
    n, f = X.shape
    return f"""import gc, time
from array import array
_X = array('f', bytearray({data!r}))
rows = [list(_X[i * {f}:(i + 1) * {f}]) for i in range({n})]
del _X
gc.collect()
before = gc.mem_alloc()
t0 = time.ticks_us()
import {module}
{setup}
t1 = time.ticks_us()
gc.collect()
print('IMPORT_US', time.ticks_diff(t1, t0))
print('IMPORT_BYTES', gc.mem_alloc() - before)
out = []
t0 = time.ticks_us()
for x in rows:
    out.append({call})
t1 = time.ticks_us()
print('PREDICT_US', time.ticks_diff(t1, t0) / {n})
gc.collect()
gc.disable()
alloc = 0
for x in rows:
    a = gc.mem_alloc()
    {call}
    alloc += gc.mem_alloc() - a
gc.enable()
print('PREDICT_BYTES', alloc / {n})
print('CLASSES', ' '.join(str(c) for c in out))
"""


def parse(out: str) -> dict:
    res = {}
    for line in out.splitlines():
        key, _, rest = line.partition(" ")
        if key == "CLASSES":
            res["classes"] = np.array([int(v) for v in rest.split()])
        elif key in ("IMPORT_US", "IMPORT_BYTES", "PREDICT_US", "PREDICT_BYTES"):
            res[key.lower()] = float(rest)
    return res


def everywhereml_module(clf) -> str:
    text = clf.to_micropython(instance_name="clf")
    lines = text.rstrip().splitlines()
    # 0.2.40 ends its module with the line "RandomForestClassifier clf" (not Python);
    # replace it with the instance it means
    if lines and lines[-1].strip() == "RandomForestClassifier clf":
        lines[-1] = "clf = RandomForestClassifier()"
    return "\n".join(lines) + "\n"


def main() -> int:
    import emml
    from emml.micropython import generate, runner

    why = runner.webassembly_missing()
    if why:
        print(f"bench_micropython: {why}", file=sys.stderr)
        return 1
    if not DATA.is_dir():
        print(f"bench_micropython: the ST HAR data set is not at {DATA}", file=sys.stderr)
        return 1
    try:
        import everywhereml
        from everywhereml.sklearn.ensemble import RandomForestClassifier
    except ImportError:
        print("bench_micropython: everywhereml is not installed (pip install -e '.[bench-micropython]')", file=sys.stderr)
        return 1

    Xtr, ytr, Xte, yte = load_har()
    clf = RandomForestClassifier(n_estimators=N_TREES, max_depth=MAX_DEPTH, random_state=0).fit(Xtr, ytr)
    sk = clf.predict(Xte)
    model = emml.convert(clf)
    c_classes = np.searchsorted(model.classes_, model.predict(Xte))

    peers = {
        "emml": (generate(model, "emml_forest"), "emml_forest", "", "emml_forest.predict(x)"),
        f"everywhereml {everywhereml.__version__ if hasattr(everywhereml, '__version__') else '0.2.40'}":
            (everywhereml_module(clf), "ewml_forest", "clf = ewml_forest.clf", "clf.predict(x)"),
    }
    rows = []
    for label, (text, module, setup, call) in peers.items():
        script = measure_script(module, setup, call, Xte)
        res = parse(runner.run_webassembly(script, {f"/{module}.py": text}, heapsize=8 << 20, timeout=600))
        rows.append({
            "implementation": label,
            "source_bytes": len(text.encode()),
            "import_us": res["import_us"],
            "import_heap_bytes": res["import_bytes"],
            "predict_us": res["predict_us"],
            "predict_heap_bytes": res["predict_bytes"],
            "agrees_with_sklearn": float(np.mean(res["classes"] == sk)),
            "agrees_with_emml_c": float(np.mean(res["classes"] == c_classes)),
            "accuracy": float(np.mean(res["classes"] == yte)),
        })

    print(f"Random forest, {N_TREES} trees, max depth {MAX_DEPTH}, on {Xte.shape[1]} HAR features, "
          f"{len(Xte)} held-out windows; MicroPython 1.27 (WebAssembly, Node.js {platform.node() and ''}"
          "wall-clock: relative numbers, not a microcontroller's)\n")
    head = ("implementation", "source B", "import ms", "import heap B", "predict us", "heap B/predict",
            "= sklearn", "= emml C")
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    for r in rows:
        print(" | ".join([r["implementation"], f"{r['source_bytes']:,}", f"{r['import_us'] / 1000:.1f}",
                          f"{r['import_heap_bytes']:,.0f}", f"{r['predict_us']:.0f}",
                          f"{r['predict_heap_bytes']:.0f}", f"{100 * r['agrees_with_sklearn']:.1f}%",
                          f"{100 * r['agrees_with_emml_c']:.1f}%"]))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "model": {"estimator": "RandomForestClassifier (everywhereml subclass)", "n_trees": N_TREES,
                  "max_depth": MAX_DEPTH, "n_features": int(Xte.shape[1]), "n_test_rows": int(len(Xte)),
                  "data": "shared/data/st_har_26hz, 52-frame windows, split by file"},
        "runtime": "MicroPython 1.27.0 WebAssembly port (npm @micropython/micropython-webassembly-pyscript) "
                   "under Node.js",
        "note": "times are wall-clock microseconds of the WebAssembly VM on the benchmark machine: compare the "
                "rows with each other, not with a microcontroller",
        "rows": rows,
    }, indent=2) + "\n")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
