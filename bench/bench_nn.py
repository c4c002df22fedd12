"""Neural-network benchmark on real data: emml float32 and int8 against
emlearn's float MLP and TensorFlow Lite Micro, on the same trained models.

    .venv/bin/python bench/bench_nn.py            # prints the tables, writes bench/results/nn.json
    .venv/bin/python bench/bench_nn.py --kernels  # only the per-kernel cycle table (no TensorFlow)

Trained models are cached in build/cache/bench_nn (--retrain trains again;
fixed seeds, a few minutes on two cores).

(a) har_mlp: MLP on HAR features (emml.dsp.HarFeatures of 2 s windows of
    st_har_26hz; train/test split by recording file). Trained in
    scikit-learn; the same weights go to emml float32, emlearn 0.23.2 and a
    Keras copy that TFLite quantizes to int8.
(b) har_conv1d: Conv1D on the raw accelerometer windows (52 x 3, in g).
(c) kws_dscnn: depthwise-separable CNN on q15 log-mel (emml.dsp.LogMel, 8 kHz,
    256-point FFT, hop 256, 16 bands, 1 s = 31 frames) of FSDD (spoken
    digits, usual split: clip index 0-4 of every speaker and digit is test).

Per variant, on py32f003 (Cortex-M0+, 32 kB flash / 4 kB RAM; the real
linker limits; rp2040 when it does not fit, marked): flash = linked image
minus an image that does not call the model (runtime + model), RAM = static
(the arena) + peak stack of one call, cycles = emml.profile's Cortex-M0+
ESTIMATE (ARMv6-M timing table, zero wait states), mean over 3 test rows.
int8 is measured on the float entry point (quantizes x, as TFLite's
QUANTIZE; its image holds a float input buffer) and on the _i8 entry
(already-quantized input, an int8 input buffer: what firmware with an int8
front end links). Accuracy is on the whole test split. TFLM: the .tflite size and the arena its interpreter
allocates (tflite-micro's RecordingMicroAllocator report, a 64-bit host
build: on a 32-bit MCU pointers are half the size); its runtime cannot be
built here, so its flash is the published figure (TensorFlow Lite for
Microcontrollers overview: the core runtime fits in 16 kB on an Arm
Cortex-M3, 22 kB with the operators of a keyword-spotting model).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
OUT = Path(__file__).resolve().parent / "results" / "nn.json"
BOARD = "py32f003"
BIG_BOARD = "rp2040"  # same Cortex-M0+ core, room for what does not fit
TFLM_RUNTIME = "16 kB core runtime on Cortex-M3 (22 kB with a keyword-spotting model's operators), TFLM authors"
SEED = 0


# ---- data ------------------------------------------------------------------------------
def _cache_dir() -> Path:
    from emml.paths import build_dir

    d = build_dir() / "cache" / "bench_nn"
    d.mkdir(parents=True, exist_ok=True)
    return d


def har_windows(window: int = 52, hop: int = 26):
    """(windows int16 (n, 52, 3) milli-g, labels, is_test): every 4th recording of each class is test."""
    from emml.datasets import fetch_st_har

    root = fetch_st_har() / "dataset"
    classes = sorted(p.name for p in root.iterdir() if p.is_dir())
    X, y, test = [], [], []
    for k, c in enumerate(classes):
        for i, f in enumerate(sorted((root / c).glob("*.csv"))):
            a = np.loadtxt(f, delimiter=",", dtype=np.float64).astype(np.int16)
            for s in range(0, len(a) - window + 1, hop):
                X.append(a[s : s + window])
                y.append(k)
                test.append(i % 4 == 0)
    return np.array(X), np.array(y), np.array(test), classes


def fsdd_logmel():
    """(log-mel dB float32 (n, 31, 16, 1), digit, is_test, LogMelConfig), cached."""
    from emml.dsp import LogMelConfig
    from emml.dsp.transformers import LogMel
    from emml.datasets import fetch_fsdd

    cfg = LogMelConfig(sample_rate=8000, n_fft=256, hop_length=256, n_mels=16, n_mfcc=0)
    cache = _cache_dir() / f"fsdd_logmel_{cfg.digest()}.npz"
    if cache.exists():
        z = np.load(cache)
        return z["X"], z["y"], z["test"], cfg
    from scipy.io import wavfile

    files = sorted((fetch_fsdd() / "recordings").glob("*.wav"))
    audio = np.zeros((len(files), 8000), np.int16)
    y, test = [], []
    for i, f in enumerate(files):
        _, a = wavfile.read(f)
        a = a[:8000]
        audio[i, : len(a)] = a  # 1 s from the start, zero padded
        digit, _, index = f.stem.split("_")
        y.append(int(digit))
        test.append(int(index) < 5)
    X = LogMel(cfg).fit(audio).transform(audio).astype(np.float32).reshape(len(files), -1, cfg.n_mels, 1)
    np.savez_compressed(cache, X=X, y=np.array(y), test=np.array(test))
    return X, np.array(y), np.array(test), cfg


# ---- models ------------------------------------------------------------------------------
def _cached(name: str, fit, retrain: bool):
    """A trained Keras model from build/cache (trained with fit() on a miss)."""
    import keras

    path = _cache_dir() / f"{name}.keras"
    if path.exists() and not retrain:
        return keras.models.load_model(path)
    model = fit()
    model.save(path)
    return model


def train_models(retrain: bool = False):
    import joblib
    import keras
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    from emml.dsp import HarConfig, HarFeatures

    keras.utils.set_random_seed(SEED)
    L = keras.layers
    out = []

    # (a) HAR features -> MLP, trained in scikit-learn, copied into Keras for TFLite
    W, y, test, classes = har_windows()
    feats = HarFeatures(HarConfig(window=52, sample_rate=26)).fit_transform(W).astype(np.float32)
    scaler = StandardScaler().fit(feats[~test])
    F = scaler.transform(feats).astype(np.float32)  # the scaler runs before every variant alike
    sk_path = _cache_dir() / "har_mlp.joblib"
    if sk_path.exists() and not retrain:
        sk = joblib.load(sk_path)
    else:
        sk = MLPClassifier(hidden_layer_sizes=(32, 16), max_iter=400, random_state=SEED).fit(F[~test], y[~test])
        joblib.dump(sk, sk_path)
    mlp = keras.Sequential([keras.Input((F.shape[1],)), L.Dense(32, activation="relu"),
                            L.Dense(16, activation="relu"), L.Dense(len(classes), activation="softmax")],
                           name="har_mlp")
    mlp.set_weights([w for pair in zip(sk.coefs_, sk.intercepts_) for w in pair])
    out.append({"name": "har_mlp", "keras": mlp, "sklearn": sk, "X": F, "y": y, "test": test,
                "what": f"HAR features {F.shape[1]} -> Dense 32 -> 16 -> {len(classes)}"})

    # (b) raw accelerometer windows (g) -> Conv1D
    R = (W.astype(np.float32) / 1000.0)

    def fit_conv():
        conv = keras.Sequential([keras.Input((52, 3)), L.Conv1D(8, 5, strides=2, activation="relu"),
                                 L.MaxPooling1D(2), L.Conv1D(16, 3, activation="relu"), L.GlobalAveragePooling1D(),
                                 L.Dense(len(classes), activation="softmax")], name="har_conv1d")
        conv.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        conv.fit(R[~test], y[~test], epochs=15, batch_size=32, verbose=0)
        return conv

    conv = _cached("har_conv1d", fit_conv, retrain)
    out.append({"name": "har_conv1d", "keras": conv, "X": R, "y": y, "test": test,
                "what": "raw 52x3 -> Conv1D 8 k5 s2 -> MaxPool 2 -> Conv1D 16 k3 -> GAP -> Dense 3"})

    # (c) FSDD log-mel -> depthwise-separable CNN sized for 4 kB RAM
    M, yd, testd, _ = fsdd_logmel()
    M = (M + 50.0) / 30.0  # dB -> about unit range

    def fit_dscnn():
        ds = keras.Sequential([
            keras.Input(M.shape[1:]),
            L.Conv2D(8, (3, 3), strides=(2, 2), padding="same", use_bias=False), L.BatchNormalization(), L.ReLU(),
            L.DepthwiseConv2D((3, 3), strides=(2, 2), padding="same", use_bias=False), L.BatchNormalization(),
            L.ReLU(),
            L.Conv2D(16, 1, use_bias=False), L.BatchNormalization(), L.ReLU(),
            L.DepthwiseConv2D((3, 3), padding="same", use_bias=False), L.BatchNormalization(), L.ReLU(),
            L.Conv2D(16, 1, use_bias=False), L.BatchNormalization(), L.ReLU(),
            L.GlobalAveragePooling2D(), L.Dense(10, activation="softmax")], name="kws_dscnn")
        ds.compile(keras.optimizers.Adam(3e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
        ds.fit(M[~testd], yd[~testd], epochs=40, batch_size=32, verbose=0)
        return ds

    ds = _cached("kws_dscnn", fit_dscnn, retrain)
    out.append({"name": "kws_dscnn", "keras": ds, "X": M, "y": yd, "test": testd,
                "what": "log-mel 31x16 -> Conv2D 8 3x3 s2 -> DW 3x3 s2 -> PW 16 -> DW 3x3 -> PW 16 -> GAP -> Dense 10"})
    return out


# ---- measurements ------------------------------------------------------------------------
def tflm_arena(tfl: bytes) -> int:
    """Arena bytes from tflite-micro's RecordingMicroAllocator report."""
    from tflite_micro.python.tflite_micro import runtime

    it = runtime.Interpreter.from_bytes(tfl)
    sys.stdout.flush()
    sys.stderr.flush()
    read_fd, write_fd = os.pipe()
    saved = os.dup(1), os.dup(2)
    os.dup2(write_fd, 1)  # the report is C stdio (stdout or stderr, by build): catch both
    os.dup2(write_fd, 2)
    try:
        it.print_allocations()
        ctypes.CDLL(None).fflush(None)  # fully buffered when the output is a file
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(write_fd)
        os.close(saved[0])
        os.close(saved[1])
    text = os.read(read_fd, 1 << 20).decode(errors="replace")
    os.close(read_fd)
    m = re.search(r"Arena allocation total (\d+) bytes", text)
    if not m:
        raise RuntimeError(f"no arena total in tflite-micro's allocation report:\n{text[:500]}")
    return int(m.group(1))


def report(m, X):
    """Model.report on the dollar board, or on the rp2040 (same core) when it does not fit."""
    from emml.firmware import FirmwareBuildError

    try:
        return m.report(BOARD, X=X)
    except FirmwareBuildError as e:
        if "overflow" not in str(e):
            raise
        return m.report(BIG_BOARD, X=X)


def profile_i8(m, Xq: np.ndarray) -> dict:
    """NAME_predict_i8 (already-quantized int8 input, as firmware with an int8
    front end calls it): flash/RAM of an image that calls only it (minus an
    image that does not), estimated cycles and stack."""
    from emml import firmware
    from emml.profile import profile_function

    main = ("#include <stdint.h>\n#include \"bench_model.h\"\n"
            f"int8_t g_x[{m.n_features}];\nvolatile int32_t g_out;\n"
            "int main(void)\n{\n    %s\n    return 0;\n}\n")
    for board in (BOARD, BIG_BOARD):
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            m.save(d, "bench_model")
            (d / "with.c").write_text(main % f"g_out = bench_model_predict_i8(g_x, {m.n_features});")
            (d / "without.c").write_text(main % "g_out = g_x[0];")
            try:
                a = firmware.build(board, [d / "with.c", d / "bench_model.c"], include_dirs=[d], out_dir=d / "a",
                                   name="with")
            except firmware.FirmwareBuildError as e:
                if "overflow" in str(e) and board == BOARD:
                    continue
                raise
            b = firmware.build(board, [d / "without.c"], include_dirs=[d], out_dir=d / "b", name="without")
            runs = [profile_function(a.elf, "bench_model_predict_i8", args=(np.ascontiguousarray(r), m.n_features))
                    for r in Xq]
            return {"board": board, "flash_bytes": a.flash_bytes - b.flash_bytes,
                    "ram_static_bytes": a.ram_bytes - b.ram_bytes, "stack_bytes": max(r.stack_bytes for r in runs),
                    "cycles": float(np.mean([r.cycles for r in runs]))}
    raise AssertionError("unreachable")


def emlearn_mlp(sk, X: np.ndarray, y: np.ndarray) -> dict:
    """emlearn 0.23.2's float MLP of the same trained weights, built for the M0+ the same way."""
    import emlearn

    from emml import firmware
    from emml.profile import profile_function

    c = emlearn.convert(sk, method="loadable")
    n = X.shape[1]
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        c.save(file=str(d / "har_emlearn.h"), name="har_emlearn")
        main = ("#include \"har_emlearn.h\"\nfloat g_x[%d];\nvolatile int g_out;\n"
                "int run(const float *x) { return har_emlearn_predict(x, %d); }\n"
                "int main(void) { g_out = run(g_x); return 0; }\n" % (n, n))
        base = "float g_x[%d];\nvolatile int g_out;\nint main(void) { g_out = (int)g_x[0]; return 0; }\n" % n
        (d / "with.c").write_text(main)
        (d / "without.c").write_text(base)
        # its headers do not build under emml's strict flags: -w, code unchanged
        a = firmware.build(BOARD, [d / "with.c"], include_dirs=[d, Path(emlearn.includedir)], out_dir=d / "a",
                           name="with", extra_cflags=("-w", "-Wno-error"))
        b = firmware.build(BOARD, [d / "without.c"], include_dirs=[d], out_dir=d / "b", name="without")
        runs = [profile_function(a.elf, "run", args=(np.ascontiguousarray(r, np.float32),)) for r in X[:3]]
        flash, ram = a.flash_bytes - b.flash_bytes, a.ram_bytes - b.ram_bytes
    pred = np.asarray(c.predict(X.astype(np.float32)))
    return {"board": BOARD, "flash_bytes": flash, "ram_static_bytes": ram,
            "stack_bytes": max(r.stack_bytes for r in runs), "cycles": float(np.mean([r.cycles for r in runs])),
            "accuracy": float((pred == y).mean())}


def variant(m, rep, X, y, keras_pred) -> dict:
    pred = m.predict(X)
    return {"board": rep["board"], "flash_bytes": rep["flash_bytes"], "ram_static_bytes": rep["ram_static_bytes"],
            "arena_bytes": m.plan.arena_bytes, "stack_bytes": rep["stack_bytes"], "cycles": rep["cycles_mean"],
            "ms_at_24MHz": rep["cycles_mean"] / 24e3, "accuracy": float((pred == y).mean()),
            "agreement_with_keras": float((pred == keras_pred).mean())}


def kernel_table() -> list[dict]:
    """Estimated cycles per multiply-accumulate of single int8 layers (synthetic weights)."""
    from emml import firmware
    from emml.nn.synthetic import chain
    from emml.profile import profile_function

    cases = [
        ("dense 64 -> 32", [("dense", 32)], (64,)),
        ("conv1d 52x3, 8 filters k5 s2 (byte path)", [("conv", 8, (1, 5), (1, 2), "valid")], (1, 52, 3)),
        ("conv2d 8x8x8, 8 filters 3x3 same (gathered)", [("conv", 8, (3, 3), (1, 1), "same")], (8, 8, 8)),
        ("pointwise 8x4x16 -> 16", [("conv", 16, (1, 1), (1, 1), "valid")], (8, 4, 16)),
        ("depthwise 3x3 same, 8x4x16", [("dw", 1, (3, 3), (1, 1), "same")], (8, 4, 16)),
    ]
    rows = []
    for label, spec, shape in cases:
        m = chain(spec, shape)
        layer = m.net.layers[0]
        g = layer.params.get("g")
        macs = layer.arrays["w"].size * (g["out_h"] * g["out_w"] if g else 1)  # padding taps included
        xq = np.random.RandomState(0).randint(-128, 128, m.n_features).astype(np.int8)
        row = {"kernel": label, "macs": int(macs)}
        with tempfile.TemporaryDirectory() as tmp:
            d = Path(tmp)
            m.save(d, "k")
            n_out = m.net.n_out
            (d / "main.c").write_text(
                "#include <stdint.h>\n#include \"k.h\"\n"
                f"int8_t g_x[{m.n_features}];\nint8_t g_y[{n_out}];\nvolatile int32_t g_out;\n"
                "int main(void)\n{\n"
                f"    g_out = k_forward_i8(g_x, {m.n_features}, g_y, {n_out});\n    return 0;\n}}\n")
            for board, key in ((BOARD, "m0plus_cycles"), ("qemu_rv32e", "rv32e_instructions")):
                img = firmware.build(board, [d / "main.c", d / "k.c"], include_dirs=[d], out_dir=d / board, name="k")
                r = profile_function(img.elf, "k_forward_i8",
                                     args=(xq, m.n_features, np.zeros(n_out, np.int8), n_out))
                if not (r.buffers[2] == m.reference_i8(xq[None])[0]).all():
                    raise AssertionError(f"{label} on {board}: output differs from the Python reference")
                count = r.cycles if key.endswith("cycles") else r.instructions
                row[key] = int(count)
                row[key + "_per_mac"] = round(count / macs, 1)
        rows.append(row)
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernels", action="store_true", help="only the per-kernel table (no TensorFlow, no data)")
    ap.add_argument("--retrain", action="store_true", help="train again instead of loading build/cache/bench_nn")
    args = ap.parse_args()
    t0 = time.time()
    kernels = kernel_table()
    print(f"{'int8 kernel (one layer, synthetic weights)':48} {'MACs':>6} {'M0+ cycles':>11} {'/MAC':>6} "
          f"{'RV32E instr':>12} {'/MAC':>6}")
    for k in kernels:
        print(f"{k['kernel']:48} {k['macs']:>6} {k['m0plus_cycles']:>11} {k['m0plus_cycles_per_mac']:>6} "
              f"{k['rv32e_instructions']:>12} {k['rv32e_instructions_per_mac']:>6}")
    if args.kernels:
        return 0

    import emml
    from emml.nn import quantize

    results = []
    for spec in train_models(args.retrain):
        model, X, y, test = spec["keras"], spec["X"], spec["y"], spec["test"]
        Xtr, Xte, yte = X[~test], X[test], y[test]
        Xf = Xte.reshape(len(Xte), -1)
        keras_pred = model.predict(Xte, verbose=0).argmax(1)
        tfl = quantize(model, Xtr, n_samples=300)
        row = {"model": spec["name"], "what": spec["what"], "params": int(model.count_params()),
               "input": list(X.shape[1:]), "n_train": int(len(Xtr)), "n_test": int(len(Xte)),
               "keras_accuracy": float((keras_pred == yte).mean())}
        m32 = emml.convert(spec.get("sklearn", model))
        row["emml_float32"] = variant(m32, report(m32, Xf[:3]), Xf, yte, keras_pred)
        m8 = emml.convert(tfl)
        row["emml_int8"] = variant(m8, report(m8, Xf[:3]), Xf, yte, keras_pred)
        row["emml_int8"]["i8_entry"] = profile_i8(m8, m8.quantize_input(Xf[:3]))
        row["emml_int8"]["layers"] = m8.summary().splitlines()
        row["tflm"] = {"flatbuffer_bytes": len(tfl), "arena_bytes_64bit_host": tflm_arena(tfl),
                       "runtime_flash_published": TFLM_RUNTIME}
        if "sklearn" in spec:
            row["emlearn_float_mlp"] = emlearn_mlp(spec["sklearn"], Xf, yte)
        results.append(row)
        print(f"  {spec['name']} done ({time.time() - t0:.0f} s)", file=sys.stderr)

    print()
    print(f"{'model':11} {'variant':22} {'flash B':>8} {'RAM+stack B':>12} {'est. M0+ cycles':>16} {'x emlearn':>9} "
          f"{'accuracy':>8}")
    ref = next((r["emlearn_float_mlp"]["cycles"] for r in results if "emlearn_float_mlp" in r), None)
    for r in results:
        for key, label in (("emml_float32", "emml float32"), ("emml_int8", "emml int8 (float in)")):
            e = r[key]
            star = "" if e["board"] == BOARD else "*"
            ratio = f"{e['cycles'] / ref:.2f}" if ref and r["model"] == "har_mlp" else ""
            print(f"{r['model']:11} {label + star:22} {e['flash_bytes']:>8} "
                  f"{e['ram_static_bytes']} + {e['stack_bytes']:<5} {e['cycles']:>12,.0f} {ratio:>9} "
                  f"{e['accuracy']:>8.3f}")
        i8 = r["emml_int8"]["i8_entry"]
        ratio = f"{i8['cycles'] / ref:.2f}" if ref and r["model"] == "har_mlp" else ""
        star = "" if i8["board"] == BOARD else "*"
        print(f"{'':11} {'emml int8 (_i8 entry)' + star:22} {i8['flash_bytes']:>8} "
              f"{i8['ram_static_bytes']} + {i8['stack_bytes']:<5} {i8['cycles']:>12,.0f} {ratio:>9}")
        if "emlearn_float_mlp" in r:
            e = r["emlearn_float_mlp"]
            print(f"{'':11} {'emlearn 0.23.2 float':22} {e['flash_bytes']:>8} "
                  f"{e['ram_static_bytes']} + {e['stack_bytes']:<5} {e['cycles']:>12,.0f} {'1.00':>9} "
                  f"{e['accuracy']:>8.3f}")
        t = r["tflm"]
        print(f"{'':11} {'TFLM':22} {t['flatbuffer_bytes']:>8} {t['arena_bytes_64bit_host']:>5} arena      "
              f"{'':>16} {'':>9} {r['keras_accuracy']:>8.3f}  + runtime ~16 kB")
    print(f"* does not fit {BOARD} (4 kB RAM / 32 kB flash): measured on {BIG_BOARD} (same Cortex-M0+ core)")
    print("cycles: Cortex-M0+ estimates from emml.profile (ARMv6-M timing table), not measurements")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({
        "board": BOARD, "emml_version": emml.__version__,
        "note": "cycles are Cortex-M0+ estimates from emml.profile (ARMv6-M timing table, zero wait states); "
                "RV32E: instruction counts; TFLM arena from tflite-micro's allocation report on a 64-bit host",
        "kernels": kernels, "results": results}, indent=2) + "\n")
    print(f"wrote {OUT} ({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
