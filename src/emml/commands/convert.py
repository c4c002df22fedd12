"""`emml convert MODEL -o DIR --name NAME [options]`: model -> name.h + name.c.

MODEL is a joblib file (scikit-learn), or a network file emml.convert reads
itself: an int8 .tflite or a .keras model.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from emml.commands import CommandError

#: Model files passed to emml.convert as paths instead of being unpickled.
NETWORK_FILES = (".tflite", ".keras")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "convert",
        help="convert a trained model (.joblib, .tflite, .keras) to C",
        description="Convert a trained scikit-learn model saved with joblib, an int8 .tflite or a "
        ".keras network into NAME.h and NAME.c (the same as emml.convert(model, ...).save(DIR, NAME)).",
    )
    p.add_argument("model", help="model file: joblib.dump() output, .tflite or .keras")
    p.add_argument("-o", "--output", required=True, help="directory for NAME.h and NAME.c")
    p.add_argument("--name", required=True, help="C identifier prefix of the generated code")
    p.add_argument("--method", default="auto", choices=["auto", "table", "inline"],
                   help="table-driven, inline if/else code, or the smaller (default)")
    p.add_argument("--dtype", default="float32", choices=["float32", "int16", "int8", "uint8"],
                   help="input feature type (quantized types get a typed fast path)")
    p.add_argument("--allow-nan", action=argparse.BooleanOptionalAction, default=None,
                   help="route NaN inputs as scikit-learn does (default: on for HistGradientBoosting)")
    p.add_argument("--leaf-values", default="auto", choices=["auto", "uint8"],
                   help="classifier leaf probabilities: exact (auto) or 8-bit")
    p.add_argument("--calibration", metavar="X.npy",
                   help="training data (.npy) to fit the affine quantizer of real-valued inputs")
    p.add_argument("--layout", default="auto", choices=["auto", "bytes", "packed"],
                   help="trees, --method table: byte-aligned nodes (fast), bit-packed (smallest), or auto")
    p.add_argument("--target", metavar="BOARD",
                   help="trees, --method auto: the board (or cpu: cortex-m0plus, rv32ec) to pick the smaller for")
    p.add_argument("--micropython", action="store_true",
                   help="also write NAME.py, a MicroPython module that predicts as the C (emml.micropython)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import joblib
    import numpy as np

    import emml
    from emml.model import check_c_name

    path = Path(args.model)
    if not path.is_file():
        raise CommandError(f"{path}: no such model file")
    try:
        check_c_name(args.name)
    except ValueError as e:
        raise CommandError(str(e)) from None
    if path.suffix.lower() in NETWORK_FILES:
        estimator = str(path)  # emml.convert reads (and validates) these itself
    else:
        try:
            estimator = joblib.load(path)
        except Exception as e:  # a pickle can raise anything
            raise CommandError(f"{path}: cannot load with joblib ({type(e).__name__}: {e})") from None
    options = {}  # tree-only options are passed only when asked for, so other model kinds convert too
    if args.leaf_values != "auto":
        options["leaf_values"] = args.leaf_values
    if args.layout != "auto":
        options["layout"] = args.layout
    if args.target:
        options["target"] = args.target
    if args.allow_nan is not None:
        options["allow_nan"] = args.allow_nan
    if args.calibration:
        options["X_calibration"] = np.load(args.calibration)
    try:
        model = emml.convert(estimator, method=args.method, dtype=args.dtype, **options)
    except (emml.UnsupportedError, ValueError) as e:
        raise CommandError(str(e)) from None
    for written in model.save(args.output, args.name):
        print(written)
    if getattr(args, "micropython", False):
        try:
            print(model.save_micropython(Path(args.output) / f"{args.name}.py"))
        except emml.UnsupportedError as e:
            raise CommandError(str(e)) from None
    sizes = getattr(model, "data_sizes", None)
    if sizes is not None:
        print(f"{model.method}: {sum(sizes().values())} bytes of const model data")
    return 0
