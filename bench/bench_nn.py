"""Neural-network benchmark: emml float32 / int8 vs emlearn's float MLP and
TFLite Micro, on the same models (fixed seeds, synthetic data of the real
shapes: HAR features, raw accelerometer windows, 49x10 log-mel).

Flash/RAM: emml.Model.report("py32f003") (linked Cortex-M0+ image delta, -Os,
gc-sections; RAM = static arena, stack = peak of one call); cycles: the
emml.profile emulator's Cortex-M0+ estimate (not a measurement).
TFLM: its runtime cannot be built here (no source); we report the model's
flatbuffer size and the arena TFLM's interpreter needed (smallest arena that
allocates, found by bisection with tflite-micro), and its authors' published
figure of about 16 kB for the interpreter core on a Cortex-M3.

    .venv/bin/python bench/bench_nn.py      # prints a table, writes bench/results/nn.json
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
OUT = Path(__file__).resolve().parent / "results" / "nn.json"
BOARD = "py32f003"


def models():
    import keras

    keras.utils.set_random_seed(0)
    L = keras.layers
    rs = np.random.RandomState(0)
    har_X = rs.randn(600, 40).astype(np.float32)
    har_y = (har_X[:, :6].argmax(1))
    raw_X = rs.randn(600, 64, 3).astype(np.float32)
    raw_y = (raw_X[:, :, 0].mean(1) > 0).astype(int) + 2 * (raw_X[:, :, 1].std(1) > 1)
    kws_X = rs.randn(200, 49, 10, 1).astype(np.float32)
    kws_y = kws_X[:, :, :8, 0].mean(1).argmax(1)  # learnable: the loudest of 8 mel bands
    mlp = keras.Sequential([keras.Input((40,)), L.Dense(32, activation="relu"), L.Dense(16, activation="relu"),
                            L.Dense(6, activation="softmax")], name="har_mlp")
    conv = keras.Sequential([keras.Input((64, 3)), L.Conv1D(8, 5, strides=2, activation="relu"), L.MaxPooling1D(2),
                             L.Conv1D(16, 3, activation="relu"), L.GlobalAveragePooling1D(),
                             L.Dense(4, activation="softmax")], name="raw_conv1d")
    ds = keras.Sequential([keras.Input((49, 10, 1)), L.Conv2D(8, (5, 3), strides=(2, 2), padding="same",
                                                              activation="relu"),
                           L.DepthwiseConv2D(3, padding="same", activation="relu"), L.Conv2D(8, 1, activation="relu"),
                           L.DepthwiseConv2D(3, padding="same", activation="relu"), L.Conv2D(8, 1, activation="relu"),
                           L.GlobalAveragePooling2D(), L.Dense(8, activation="softmax")], name="kws_dscnn")
    out = []
    for m, X, y in ((mlp, har_X, har_y), (conv, raw_X, raw_y), (ds, kws_X, kws_y)):
        m.compile("adam", "sparse_categorical_crossentropy")
        m.fit(X, y, epochs=3, batch_size=64, verbose=0)
        out.append((m, X, y))
    return out


def tflm_arena(tfl: bytes) -> int:
    from tflite_micro.python.tflite_micro import runtime

    lo, hi = 256, 256 * 1024
    while lo < hi:
        mid = (lo + hi) // 2
        try:
            runtime.Interpreter.from_bytes(tfl, arena_size=mid)
            hi = mid
        except Exception:  # noqa: BLE001  (allocation failure)
            lo = mid + 1
    return lo


def emlearn_mlp(model, X) -> dict | None:
    """emlearn 0.23.2 float MLP of the same shape (trained the same way in sklearn)."""
    try:
        import emlearn
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None
    from emml import firmware
    from emml.profile import profile_function

    y = model.predict(X, verbose=0).argmax(1)
    sk = MLPClassifier(hidden_layer_sizes=(32, 16), max_iter=50, random_state=0).fit(X, y)
    c = emlearn.convert(sk, method="loadable")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        c.save(file=str(d / "har_emlearn.h"), name="har_emlearn")
        inc = Path(emlearn.includedir)
        main = ("#include \"har_emlearn.h\"\nfloat g_x[40];\nvolatile int g_out;\n"
                "int run(const float *x) { return har_emlearn_predict(x, 40); }\n"
                "int main(void) { g_out = run(g_x); return 0; }\n")
        base = "float g_x[40];\nvolatile int g_out;\nint main(void) { g_out = (int)g_x[0]; return 0; }\n"
        (d / "with.c").write_text(main)
        (d / "without.c").write_text(base)
        try:
            a = firmware.build(BOARD, [d / "with.c"], include_dirs=[d, inc], out_dir=d / "a", name="with",
                               extra_cflags=("-Wno-error", "-Wno-conversion", "-Wno-pedantic"))
            b = firmware.build(BOARD, [d / "without.c"], include_dirs=[d], out_dir=d / "b", name="without")
        except Exception as e:  # noqa: BLE001
            return {"error": str(e)[:300]}
        r = profile_function(a.elf, "run", args=(np.ascontiguousarray(X[0]),))
        return {"flash_bytes": a.flash_bytes - b.flash_bytes, "ram_static_bytes": a.ram_bytes - b.ram_bytes,
                "cycles": r.cycles, "stack_bytes": r.stack_bytes,
                "agreement_with_keras": float((sk.predict(X) == y).mean())}


def main() -> int:
    import emml
    from emml.nn import quantize

    results = []
    for model, X, y in models():
        Xf = X.reshape(len(X), -1)
        keras_pred = model.predict(X, verbose=0).argmax(1)
        tfl = quantize(model, X)
        row = {"model": model.name, "params": int(model.count_params()), "input": list(X.shape[1:]),
               "keras_accuracy": float((keras_pred == y).mean())}
        for dtype in ("float32", "int8"):
            m = emml.convert(model) if dtype == "float32" else emml.convert(tfl)
            board = BOARD
            try:
                rep = m.report(board, X=Xf[:3])
            except Exception as e:  # noqa: BLE001  (does not fit the 4 kB part)
                if "overflowed" not in str(e):
                    raise
                board = "rp2040"
                rep = m.report(board, X=Xf[:3])
            row[f"emml_{dtype}"] = {
                "board": board,
                "flash_bytes": rep["flash_bytes"], "ram_static_bytes": rep["ram_static_bytes"],
                "arena_bytes": m.plan.arena_bytes, "stack_bytes": rep["stack_bytes"],
                "cycles": rep["cycles_mean"], "ms_at_24MHz": rep["cycles_mean"] / 24e3 if rep["cycles_mean"] else None,
                "accuracy": float((m.predict(Xf) == y).mean()),
                "agreement_with_keras": float((m.predict(Xf) == keras_pred).mean()),
            }
        row["tflm"] = {"flatbuffer_bytes": len(tfl), "arena_bytes": tflm_arena(tfl),
                       "runtime_flash_published": "~16 kB interpreter core (Cortex-M3, TFLM authors)"}
        if model.name == "har_mlp":
            row["emlearn_float_mlp"] = emlearn_mlp(model, Xf)
        results.append(row)
    hdr = f"{'model':11} {'variant':16} {'flash B':>8} {'RAM B':>6} {'stack':>6} {'M0+ cycles':>11} {'agree':>6}"
    print(hdr)
    for r in results:
        for k in ("emml_float32", "emml_int8"):
            e = r[k]
            print(f"{r['model']:11} {k + ('' if e['board'] == BOARD else '*'):16} {e['flash_bytes']:>8} {e['ram_static_bytes']:>6} {e['stack_bytes']:>6} "
                  f"{e['cycles'] or 0:>11.0f} {e['agreement_with_keras']:>6.3f}")
        t = r["tflm"]
        print(f"{r['model']:11} {'tflm (model+arena)':16} {t['flatbuffer_bytes']:>8} {t['arena_bytes']:>6} "
              f"{'':>6} {'':>11} {'':>6}  + ~16 kB runtime")
        e = r.get("emlearn_float_mlp")
        if e and "flash_bytes" in e:
            print(f"{r['model']:11} {'emlearn float':16} {e['flash_bytes']:>8} {e['ram_static_bytes']:>6} "
                  f"{e['stack_bytes']:>6} {e['cycles'] or 0:>11.0f}")
        elif e:
            print(f"{r['model']:11} emlearn float: {e.get('error')}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"board": BOARD, "note": "cycles are Cortex-M0+ estimates from emml.profile",
                               "results": results}, indent=2) + "\n")
    print(f"* does not fit {BOARD} (4 kB RAM): measured on rp2040 (same M0+ core)")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
