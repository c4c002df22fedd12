#!/usr/bin/env python3
"""Tree ensembles: emml against emlearn, m2cgen and micromlgen, side by side.

    python bench/bench_trees.py            # the full benchmark (a few minutes)
    python bench/bench_trees.py --quick    # a tiny iris forest, a few rows (smoke test)

Every implementation converts the SAME fitted scikit-learn model (fixed
seeds) and is measured the same way:

flash   bytes of the linked Cortex-M0+ image (-Os, -ffunction-sections
        -fdata-sections, --gc-sections, newlib-nano) minus those of a baseline
        image whose main() does not call the model: model data + inference
        code + whatever library code (soft-float, memcpy) it pulls in.
ram     static RAM delta (.data + .bss) of the same two images; stack is the
        peak stack of one inference, from the profiler.
cycles  ESTIMATED Cortex-M0+ cycles of one inference, from emml.profile
        (unicorn + the ARMv6-M timing table; no wait states), mean over the
        test rows. Same profiler, same flags, same rows for everyone.
agree   fraction of the test rows where the class the firmware function
        returns equals scikit-learn's predict(), as run in the emulator.

Images are linked for the rp2040 memory map (Cortex-M0+, 2 MB flash) so that
implementations bigger than a dollar part still link and can be measured;
"fits16k" says whether baseline + delta fits a 16 kB part.

Each implementation is called through a one-line wrapper
``int32_t bench_predict(const T *x)`` with T its native input type: float for
emml float32, m2cgen's double, micromlgen's float, and int16_t for emlearn
(0.23.2 takes int16_t features) and emml's quantized int16 entries. The
digits features are small integers, so every input type holds them exactly.

Writes bench/results/trees.json (or --out) and prints a table.
Peers are optional: one that is not installed, or cannot convert a model,
is listed with the reason instead of numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

REPO = Path(__file__).resolve().parent.parent
BOARD = "rp2040"  # Cortex-M0+; big flash so that large peers still link
PART_FLASH = 16 * 1024
SEED = 0


# ---- models ---------------------------------------------------------------------


@dataclass
class Case:
    name: str
    description: str
    estimator: Any
    X_test: np.ndarray
    y_ref: np.ndarray  # scikit-learn's predict on X_test, as class indices
    X_all: np.ndarray | None = None  # every test row (host agreement of emml's C); default X_test


def _digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X.astype(np.float32)
    return X[:1200], y[:1200], X[1200:]


def make_cases(quick: bool, rows: int) -> list[Case]:
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier

    cases = []
    if quick:
        from sklearn.datasets import load_iris

        X, y = load_iris(return_X_y=True)
        X = np.round(X * 10).astype(np.float32)  # integer-valued, so int16 peers are exact
        est = RandomForestClassifier(n_estimators=3, max_depth=3, random_state=SEED).fit(X[::2], y[::2])
        Xt = X[1::2][:rows]
        return [Case("iris_rf_tiny", "RandomForest, iris x10 (integers), 3 trees, depth 3", est, Xt,
                     np.searchsorted(est.classes_, est.predict(Xt)))]
    Xtr, ytr, Xall = _digits()
    Xte = Xall[:rows]
    specs = [
        ("digits_rf", "RandomForest, load_digits, 10 trees, max_depth 10 (the issue's reference model)",
         RandomForestClassifier(n_estimators=10, max_depth=10, random_state=SEED)),
        ("digits_gbdt", "GradientBoosting, load_digits, 10 stages x 10 classes = 100 trees, max_depth 3",
         GradientBoostingClassifier(n_estimators=10, max_depth=3, random_state=SEED)),
        ("digits_rf_16k", "RandomForest, load_digits, 24 trees, max_depth 10: near the limit of a 16 kB part",
         RandomForestClassifier(n_estimators=24, max_depth=10, random_state=SEED)),
    ]
    for name, desc, est in specs:
        est.fit(Xtr, ytr)
        cases.append(Case(name, desc, est, Xte, np.searchsorted(est.classes_, est.predict(Xte)), Xall))
    return cases


# ---- implementations ------------------------------------------------------------


class Skip(Exception):
    """This implementation cannot run this model (reason in the message)."""


@dataclass
class Impl:
    name: str
    files: dict[str, str]  # file name -> text
    header: str  # included by the wrapper ("" for none)
    body: str  # C statements of bench_predict(x); must return the class index
    xtype: str  # "float", "int16_t" or "double"
    host_agreement: float | None = None  # emml: agreement of its C run on the host, every test row
    cxx: bool = False
    strict: bool = False  # emml's own warning flags (-Werror); peers build with -w
    include_dirs: list[Path] = field(default_factory=list)
    prelude: str = ""


def emml_impl(case: Case, method: str, dtype: str, leaf_values: str = "auto") -> Impl:
    import emml

    est = case.estimator
    model = emml.convert(est, method=method, dtype=dtype, leaf_values=leaf_values)
    src = model.sources("m")
    sfx = "" if dtype == "float32" else "_i16"
    layout = f", {model.layout}" if method == "table" else ""
    leaves = ", uint8 leaves" if leaf_values == "uint8" else ""
    X = case.X_all if case.X_all is not None else case.X_test
    agree = float(np.mean(model.predict(X) == est.predict(X)))
    return Impl(f"emml {method} ({dtype}{layout}{leaves})", src, "m.h",
                f"return m_predict{sfx}(x, M_N_FEATURES);", "float" if dtype == "float32" else "int16_t",
                strict=True, host_agreement=agree)


def emlearn_impl(est: Any, method: str) -> Impl:
    try:
        import emlearn
    except ImportError as e:
        raise Skip(f"emlearn not installed ({e})") from None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            c = emlearn.convert(est, method=method)
            c.save(file=str(Path(tmp) / "eml_model.h"), name="eml_model")
        except Exception as e:  # noqa: BLE001 - any converter failure is a result
            raise Skip(f"emlearn cannot convert it: {type(e).__name__}: {e}") from None
        text = (Path(tmp) / "eml_model.h").read_text()
    xtype = "int16_t" if "const int16_t *features" in text else "float"
    return Impl(f"emlearn {'table' if method == 'loadable' else 'inline'}", {"eml_model.h": text}, "eml_model.h",
                f"return (int32_t)eml_model_predict(x, {est.n_features_in_});", xtype,
                include_dirs=[Path(emlearn.__file__).parent])


def m2cgen_impl(est: Any) -> Impl:
    try:
        import m2cgen
    except ImportError as e:
        raise Skip(f"m2cgen not installed ({e})") from None
    try:
        code = m2cgen.export_to_c(est)
    except Exception as e:  # noqa: BLE001
        raise Skip(f"m2cgen cannot convert it: {type(e).__name__}: {e}") from None
    n = len(est.classes_)
    body = (f"double out[{n}];\n    int32_t k, best = 0;\n    score((double *)x, out);\n"
            f"    for (k = 1; k < {n}; k++)\n        if (out[k] > out[best])\n            best = k;\n"
            "    return best;")
    return Impl("m2cgen (C)", {"m2c_model.c": code}, "", body, "double",
                prelude="void score(double *input, double *output);\n")


def micromlgen_impl(est: Any) -> Impl:
    try:
        import micromlgen
    except ImportError as e:
        raise Skip(f"micromlgen not installed ({e})") from None
    try:
        code = micromlgen.port(est)
    except Exception as e:  # noqa: BLE001
        raise Skip(f"micromlgen cannot convert it: {type(e).__name__}: {e}") from None
    cls = code.split("class ", 1)[1].split()[0]
    return Impl("micromlgen (C++)", {"mml_model.h": code}, "mml_model.h",
                "return (int32_t)clf.predict((float *)x);", "float", cxx=True,
                prelude=f"static Eloquent::ML::Port::{cls} clf;\n")


def implementations(case: Case) -> list[tuple[str, Callable[[], Impl]]]:
    est = case.estimator
    out = [
        ("emml table (float32)", lambda: emml_impl(case, "table", "float32")),
        ("emml table (int16)", lambda: emml_impl(case, "table", "int16")),
        ("emml inline (float32)", lambda: emml_impl(case, "inline", "float32")),
        ("emml inline (int16)", lambda: emml_impl(case, "inline", "int16")),
        ("emlearn table", lambda: emlearn_impl(est, "loadable")),
        ("emlearn inline", lambda: emlearn_impl(est, "inline")),
        ("m2cgen (C)", lambda: m2cgen_impl(est)),
        ("micromlgen (C++)", lambda: micromlgen_impl(est)),
    ]
    if type(est).__name__ in ("RandomForestClassifier", "ExtraTreesClassifier"):  # 8-bit leaf probabilities
        out.insert(2, ("emml table (float32, uint8 leaves)", lambda: emml_impl(case, "table", "float32", "uint8")))
    return out


# ---- build and measure ------------------------------------------------------------

_NP = {"float": np.float32, "int16_t": np.int16, "double": np.float64}


def _main_c(xtype: str, n_features: int, call: bool) -> str:
    use = "bench_predict(g_x)" if call else "0"
    return (
        "#include <stdint.h>\n"
        f"int32_t bench_predict(const {xtype} *x);\n"
        "volatile int32_t g_out;\n"
        f"{xtype} g_x[{n_features}];\n"
        "int main(void)\n{\n"
        f"    g_out = {use} + *(volatile const uint8_t *)g_x;\n"
        "    return 0;\n}\n"
    )


def _wrapper(impl: Impl) -> str:
    inc = f'#include "{impl.header}"\n' if impl.header else ""
    ext = 'extern "C" ' if impl.cxx else ""
    return (f"#include <stdint.h>\n{inc}{impl.prelude}"
            f"{ext}int32_t bench_predict(const {impl.xtype} *x);\n"
            f"{ext}int32_t bench_predict(const {impl.xtype} *x)\n{{\n    {impl.body}\n}}\n")


def _cxx_object(impl: Impl, d: Path) -> Path:
    from emml import boards
    from emml.firmware import OPTIMIZE_CFLAGS
    from emml.paths import runtime_dir

    b = boards.load(BOARD)
    src, obj = d / "bench_wrapper.cpp", d / "bench_wrapper.o"
    src.write_text(_wrapper(impl))
    # Debian's arm-none-eabi-g++ comes without the C++ library headers; micromlgen
    # only includes <cstdarg>, which is the C header under another name.
    shim = d / "cxx_shim"
    shim.mkdir(exist_ok=True)
    (shim / "cstdarg").write_text("#include <stdarg.h>\n")
    cmd = [b.toolchain_prefix + "g++", *b.cflags, *OPTIMIZE_CFLAGS, "-w", "-fno-exceptions", "-fno-rtti",
           "-fno-threadsafe-statics", f"-I{d}", f"-I{shim}", f"-I{runtime_dir() / 'include'}", "-c", str(src), "-o", str(obj)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise Skip(f"C++ build failed: {r.stderr.strip()[:300]}")
    return obj


def build_pair(impl: Impl, n_features: int, d: Path):
    from emml import firmware

    d.mkdir(parents=True, exist_ok=True)
    for fname, text in impl.files.items():
        (d / fname).write_text(text)
    (d / "main.c").write_text(_main_c(impl.xtype, n_features, True))
    (d / "base.c").write_text(_main_c(impl.xtype, n_features, False))
    sources = [d / "main.c"] + [d / f for f in impl.files if f.endswith(".c")]
    ldflags: list[str] = []
    if impl.cxx:
        ldflags.append(str(_cxx_object(impl, d)))
    else:
        (d / "bench_wrapper.c").write_text(_wrapper(impl))
        sources.append(d / "bench_wrapper.c")
    cflags = [] if impl.strict else ["-w", "-Wno-error"]
    try:
        img = firmware.build(BOARD, sources, include_dirs=[d, *impl.include_dirs], out_dir=d / "with",
                             extra_cflags=cflags, ldflags=ldflags, name="with")
    except Exception as e:  # noqa: BLE001
        raise Skip(f"build failed: {str(e).strip()[:300]}") from None
    base = firmware.build(BOARD, [d / "base.c"], out_dir=d / "base", name="base")
    return img, base


def measure(impl: Impl, case: Case, d: Path) -> dict[str, Any]:
    from emml.profile import profile_function

    n_features = case.X_test.shape[1]
    img, base = build_pair(impl, n_features, d)
    cycles, instr, stack, agree = [], [], 0, 0
    for row, ref in zip(case.X_test, case.y_ref):
        r = profile_function(img.elf, "bench_predict", args=(np.ascontiguousarray(row, dtype=_NP[impl.xtype]),))
        cycles.append(r.cycles)
        instr.append(r.instructions)
        stack = max(stack, r.stack_bytes)
        agree += int(r.return_signed == ref)
    flash = img.flash_bytes - base.flash_bytes
    return {
        "flash_bytes": flash,
        "baseline_flash_bytes": base.flash_bytes,
        "fits_16k_part": base.flash_bytes + flash <= PART_FLASH,
        "ram_static_bytes": img.ram_bytes - base.ram_bytes,
        "stack_bytes": stack,
        "cycles_mean": float(np.mean(cycles)),
        "cycles_max": int(np.max(cycles)),
        "instructions_mean": float(np.mean(instr)),
        "agreement": agree / len(case.X_test),
        "input_type": impl.xtype,
        **({"host_agreement_all_test_rows": impl.host_agreement} if impl.host_agreement is not None else {}),
    }


def model_stats(est: Any) -> dict[str, int]:
    ests = np.asarray(getattr(est, "estimators_", [est])).reshape(-1)
    nodes = [e.tree_.node_count for e in ests]
    leaves = [e.tree_.n_leaves for e in ests]
    return {"n_trees": len(ests), "decision_nodes": int(sum(nodes) - sum(leaves)), "leaves": int(sum(leaves))}


def run(quick: bool, rows: int, out: Path, only: list[str] | None = None) -> dict[str, Any]:
    cases = make_cases(quick, rows)
    result: dict[str, Any] = {
        "benchmark": "trees",
        "board": BOARD,
        "core": "Cortex-M0+ (-mcpu=cortex-m0plus -mthumb -mfloat-abi=soft)",
        "flags": "-Os -ffunction-sections -fdata-sections -Wl,--gc-sections, newlib-nano",
        "note": "cycles are Cortex-M0+ estimates from the emml.profile emulator (ARMv6-M timing table, "
                "no wait states), not measurements; agreement is over the profiled test rows",
        "versions": _versions(),
        "models": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench_trees_") as tmp:
        for case in cases:
            entry = {"name": case.name, "description": case.description, "test_rows": len(case.X_test),
                     **model_stats(case.estimator), "results": []}
            entry["all_test_rows"] = len(case.X_all if case.X_all is not None else case.X_test)
            for i, (label, make) in enumerate(implementations(case)):
                if only and not any(o in label for o in only):
                    continue
                t0 = time.time()
                try:
                    impl = make()
                    res = {"implementation": impl.name, **measure(impl, case, Path(tmp) / case.name / str(i))}
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
    ref = next((r for r in results if r["implementation"] == "emlearn table" and "error" not in r), None)
    for r in results:
        if ref is None or "error" in r:
            continue
        r["flash_vs_emlearn_table"] = round(r["flash_bytes"] / ref["flash_bytes"], 3)
        r["cycles_vs_emlearn_table"] = round(r["cycles_mean"] / ref["cycles_mean"], 3)


def _versions() -> dict[str, str]:
    from importlib import metadata

    v = {"python": platform.python_version()}
    for pkg in ("emml", "scikit-learn", "emlearn", "m2cgen", "micromlgen"):
        try:
            v[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            v[pkg] = "not installed"
    try:
        v["arm-none-eabi-gcc"] = subprocess.run(["arm-none-eabi-gcc", "-dumpversion"], capture_output=True,
                                                text=True).stdout.strip()
    except OSError:
        pass
    return v


def format_table(result: dict[str, Any]) -> str:
    lines = []
    for m in result["models"]:
        lines.append(f"\n{m['name']}: {m['description']}")
        lines.append(f"  {m['n_trees']} trees, {m['decision_nodes']} decision nodes; {m['test_rows']} test rows")
        lines.append(f"  {'implementation':30} {'flash B':>8} {'xEML':>6} {'16k':>4} {'RAM B':>6} {'stack':>6} "
                     f"{'cycles*':>9} {'xEML':>6} {'agree':>7}")
        for r in m["results"]:
            if "error" in r:
                lines.append(f"  {r['implementation']:30} n/a: {r['error'][:90]}")
                continue
            fx = f"{r['flash_vs_emlearn_table']:.2f}" if "flash_vs_emlearn_table" in r else "-"
            cx = f"{r['cycles_vs_emlearn_table']:.2f}" if "cycles_vs_emlearn_table" in r else "-"
            lines.append(f"  {r['implementation']:30} {r['flash_bytes']:8d} {fx:>6} "
                         f"{'yes' if r['fits_16k_part'] else 'no':>4} {r['ram_static_bytes']:6d} "
                         f"{r['stack_bytes']:6d} {r['cycles_mean']:9.0f} {cx:>6} {100 * r['agreement']:6.1f}%")
    lines.append("\n* estimated Cortex-M0+ cycles (emml.profile), mean per inference; xEML = ratio to emlearn table")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a tiny iris forest only (smoke test)")
    ap.add_argument("--rows", type=int, default=None, help="test rows to profile (default 100, quick: 5)")
    ap.add_argument("--only", action="append", help="only implementations whose name contains this (repeatable)")
    ap.add_argument("--out", type=Path, default=None, help="JSON output (default bench/results/trees.json)")
    args = ap.parse_args(argv)
    rows = args.rows or (5 if args.quick else 100)
    out = args.out or (REPO / "bench" / "results" / ("trees_quick.json" if args.quick else "trees.json"))
    os.environ.setdefault("PYTHONHASHSEED", "0")
    result = run(args.quick, rows, out, args.only)
    print(format_table(result))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
