"""emml's generated MicroPython side by side with everywhereml's, on one model.

The model: a random forest on HAR features of the ST HAR recordings
(shared/data/st_har_26hz, windows of 2 s at 26 Hz, features from
emml.dsp.HarConfig without band energies), trained once with
everywhereml's RandomForestClassifier (a scikit-learn subclass), so both
generators convert the very same trees.

emml is measured in both of its tree forms: "code" (one function of nested
if/else per tree, what tree_form="auto" writes for this model) and "table"
(node arrays walked by one loop, the compact form auto picks for large
ensembles).

Measured under the real MicroPython 1.27 WebAssembly port (Node.js):
import time and heap (gc.mem_alloc after import, collected; one fresh
MicroPython per implementation), heap allocated per predict (GC disabled),
agreement with scikit-learn and with emml's C on the host, and time per
predict: all implementations imported into one MicroPython and timed in
interleaved rounds (ROUNDS x PASSES passes over the test rows each), the best
round kept, so a busy machine slows them alike. Times are wall-clock
microseconds of MicroPython's VM compiled to WebAssembly on this machine:
compare the rows with each other, not with a microcontroller.

A second table times emml's HAR feature module (emml.micropython.har, q15
FFT band energies included) per window; everywhereml has no counterpart.

    python bench/bench_micropython.py      # table; JSON in bench/results/micropython.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from emml.datasets import fetch_st_har

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "micropython.json"
N_TREES, MAX_DEPTH = 10, 8
ROUNDS, PASSES = 9, 5  # interleaved timing: best of ROUNDS, each PASSES passes over the test rows


def load_har():
    """Features (no band energies, as the committed results) of 52-frame
    windows, split by file; also the raw test windows."""
    from emml.dsp import HarConfig

    cfg = HarConfig(window=52, sample_rate=26, bands_hz=())
    train, test = ([], []), ([], [])
    for label, activity in enumerate(("stationary", "walking", "running")):
        for k, f in enumerate(sorted((fetch_st_har() / "dataset" / activity).glob("*.csv"))):
            a = np.loadtxt(f, delimiter=",").astype(np.int64)
            dest = test if k % 4 == 3 else train  # split by file: neighbouring windows never straddle
            for s in range(0, len(a) - 52, 52):
                dest[0].append(a[s:s + 52])
                dest[1].append(label)
    Xtr = cfg.features_f32(np.array(train[0]))
    Xte = cfg.features_f32(np.array(test[0]))
    return Xtr, np.array(train[1]), Xte, np.array(test[1]), np.array(test[0])


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


def timing_script(calls: dict[str, str], X: np.ndarray) -> str:
    """One MicroPython program that imports every implementation and times
    them in interleaved rounds; prints ``US label microseconds-per-predict``."""
    data = X.astype("<f4").tobytes()
    n, f = X.shape
    imports = "\n".join(f"import {c.split('.')[0]}" for c in calls.values())
    fns = ", ".join(f"{label!r}: {call}" for label, call in calls.items())
    return f"""import gc, time
from array import array
_X = array('f', bytearray({data!r}))
rows = [list(_X[i * {f}:(i + 1) * {f}]) for i in range({n})]
del _X
{imports}
fns = {{{fns}}}
best = {{}}
for r in range({ROUNDS}):
    for label, fn in fns.items():
        gc.collect()
        t0 = time.ticks_us()
        for p in range({PASSES}):
            for x in rows:
                fn(x)
        dt = time.ticks_diff(time.ticks_us(), t0)
        best[label] = min(best.get(label, dt), dt)
for label in fns:
    print('US', label, best[label] / {PASSES * n})
"""


def har_timing(windows: np.ndarray) -> dict:
    """emml's HAR feature module per window under MicroPython (bands on and off)."""
    from emml.dsp import HarConfig
    from emml.micropython import generate, runner

    rows = []
    for label, cfg in (("HAR features, 4 channels x 10 stats", HarConfig(window=52, sample_rate=26, bands_hz=())),
                       ("HAR features + 6 FFT bands (64-point q15)", HarConfig(window=52, sample_rate=26))):
        W = windows[:100].reshape(100, -1)
        data = W.astype("<i2").tobytes()
        script = f"""import gc, time
from array import array
_W = array('h', bytearray({data!r}))
wins = [list(_W[i * {W.shape[1]}:(i + 1) * {W.shape[1]}]) for i in range({len(W)})]
import har
gc.collect()
best = None
for r in range(3):
    t0 = time.ticks_us()
    out = [har.features(w) for w in wins]
    dt = time.ticks_diff(time.ticks_us(), t0)
    best = dt if best is None else min(best, dt)
gc.collect()
gc.disable()
a = gc.mem_alloc()
har.features(wins[0])
print('HEAP', gc.mem_alloc() - a)
gc.enable()
print('US', best / {len(W)})
print('OK', int(out == {cfg.features(W).tolist()!r}))
"""
        out = runner.run_webassembly(script, {"/har.py": generate(cfg, "har")}, heapsize=8 << 20, timeout=600)
        vals = dict(line.split(" ", 1) for line in out.splitlines() if line[:3] in ("US ", "HEA", "OK "))
        rows.append({"extractor": label, "n_features": cfg.n_features, "source_bytes": len(generate(cfg, "har")),
                     "window_us": float(vals["US"]), "heap_bytes_per_window": float(vals["HEAP"]),
                     "equals_c_reference": vals["OK"].strip() == "1"})
    return rows


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
    try:
        import everywhereml
        from everywhereml.sklearn.ensemble import RandomForestClassifier
    except ImportError:
        print("bench_micropython: everywhereml is not installed (pip install -e '.[bench-micropython]')", file=sys.stderr)
        return 1

    Xtr, ytr, Xte, yte, Wte = load_har()
    clf = RandomForestClassifier(n_estimators=N_TREES, max_depth=MAX_DEPTH, random_state=0).fit(Xtr, ytr)
    sk = clf.predict(Xte)
    model = emml.convert(clf)
    c_classes = np.searchsorted(model.classes_, model.predict(Xte))

    ewml = f"everywhereml {getattr(everywhereml, '__version__', '0.2.40')}"
    peers = {
        "emml (code)": (generate(model, "emml_code", tree_form="code"), "emml_code", "", "emml_code.predict"),
        "emml (table)": (generate(model, "emml_table", tree_form="table"), "emml_table", "", "emml_table.predict"),
        ewml: (everywhereml_module(clf), "ewml_forest", "clf = ewml_forest.clf", "ewml_forest.clf.predict"),
    }
    assert generate(model, "emml_code") == peers["emml (code)"][0]  # what tree_form="auto" writes here
    rows = []
    for label, (text, module, setup, call) in peers.items():
        script = measure_script(module, setup, call.replace(f"{module}.clf.", "clf.") + "(x)", Xte)
        res = parse(runner.run_webassembly(script, {f"/{module}.py": text}, heapsize=8 << 20, timeout=600))
        rows.append({
            "implementation": label,
            "source_bytes": len(text.encode()),
            "import_us": res["import_us"],
            "import_heap_bytes": res["import_bytes"],
            "predict_heap_bytes": res["predict_bytes"],
            "agrees_with_sklearn": float(np.mean(res["classes"] == sk)),
            "agrees_with_emml_c": float(np.mean(res["classes"] == c_classes)),
            "accuracy": float(np.mean(res["classes"] == yte)),
        })
    files = {f"/{module}.py": text for text, module, _, _ in peers.values()}
    out = runner.run_webassembly(timing_script({k: v[3] for k, v in peers.items()}, Xte), files,
                                 heapsize=8 << 20, timeout=1200)
    times = {line.split(" ", 1)[1].rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
             for line in out.splitlines() if line.startswith("US ")}
    for r in rows:
        r["predict_us"] = times[r["implementation"]]
        r["time_vs_everywhereml"] = r["predict_us"] / times[ewml]

    print(f"Random forest, {N_TREES} trees, max depth {MAX_DEPTH}, on {Xte.shape[1]} HAR features, "
          f"{len(Xte)} held-out windows; MicroPython 1.27 (WebAssembly, Node.js; "
          "wall-clock: relative numbers, not a microcontroller's)\n")
    head = ("implementation", "source B", "import ms", "import heap B", "predict us", "time / everywhereml",
            "heap B/predict", "= sklearn", "= emml C")
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    for r in rows:
        print(" | ".join([r["implementation"], f"{r['source_bytes']:,}", f"{r['import_us'] / 1000:.1f}",
                          f"{r['import_heap_bytes']:,.0f}", f"{r['predict_us']:.1f}",
                          f"{r['time_vs_everywhereml']:.2f}", f"{r['predict_heap_bytes']:.0f}",
                          f"{100 * r['agrees_with_sklearn']:.1f}%", f"{100 * r['agrees_with_emml_c']:.1f}%"]))
    har_rows = har_timing(Wte)
    print(f"\nemml HAR feature module, {len(Wte[:100])} ST HAR windows of 52 frames, same MicroPython\n")
    print("extractor | features | source B | us/window | heap B/window | = C reference")
    print("--- | --- | --- | --- | --- | ---")
    for r in har_rows:
        print(f"{r['extractor']} | {r['n_features']} | {r['source_bytes']:,} | {r['window_us']:,.0f} | "
              f"{r['heap_bytes_per_window']:,.0f} | {'yes' if r['equals_c_reference'] else 'NO'}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "model": {"estimator": "RandomForestClassifier (everywhereml subclass)", "n_trees": N_TREES,
                  "max_depth": MAX_DEPTH, "n_features": int(Xte.shape[1]), "n_test_rows": int(len(Xte)),
                  "data": "shared/data/st_har_26hz, 52-frame windows, split by file"},
        "runtime": "MicroPython 1.27.0 WebAssembly port (npm @micropython/micropython-webassembly-pyscript) "
                   "under Node.js",
        "note": "times are wall-clock microseconds of the WebAssembly VM on the benchmark machine, best of "
                f"{ROUNDS} interleaved rounds of {PASSES} passes: compare the rows with each other, not with a "
                "microcontroller",
        "rows": rows,
        "har_features": har_rows,
    }, indent=2) + "\n")
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
