"""`emml har train --data DIR --rate HZ --board BOARD --out OUT`: activity
recognition from a folder of recordings to a model that fits the board."""

from __future__ import annotations

import argparse

from emml.commands import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("har", help="activity recognition: train a model for apps/har",
                       description="Activity recognition (apps/har).")
    hs = p.add_subparsers(dest="har_command", metavar="SUBCOMMAND")
    t = hs.add_parser(
        "train",
        help="train on a folder of accelerometer recordings",
        description="Train on DIR/<class>/*.csv|*.npy or DIR/<anything>_<label>.csv|.npy (x, y, z per row; "
        "a header names the columns, e.g. time,ax,ay,az,gx,gy,gz), search tree models "
        "that fit BOARD with the rest of the firmware, and write OUT/har_model.joblib, the generated C "
        "(OUT/generated/), OUT/metrics.json and OUT/report.md with plots.",
    )
    t.add_argument("--data", required=True, metavar="DIR", help="one sub-folder per class of recordings, or an emml data set "
                   "(st_har_26hz: fetched on first use)")
    t.add_argument("--label-from", choices=["auto", "folder", "suffix"], default="auto",
                   help="class of a file: its folder, or the name after the last underscore (default: what DIR has)")
    t.add_argument("--rate", type=float, metavar="HZ",
                   help="sample rate of the recordings (default: from a timestamp column); the model may run at a "
                        "lower sensor rate that fits the board, with the recordings resampled")
    t.add_argument("--board", required=True, help="target board (see `emml boards`)")
    t.add_argument("--out", required=True, metavar="OUT", help="output folder (apps/har/model for the app's default)")
    t.add_argument("--window", type=float, default=2.0, metavar="S", help="window length in seconds (default 2)")
    t.add_argument("--hop", type=float, default=1.0, metavar="S", help="seconds between windows (default 1)")
    t.add_argument("--units", choices=["auto", "mg", "g", "m/s2", "counts"], default="auto",
                   help="unit of the recorded values (default auto: found from gravity; counts need --counts-per-g)")
    t.add_argument("--counts-per-g", type=float, metavar="N", help="raw sensor counts per g, for --units counts")
    t.add_argument("--range", type=float, default=4.0, metavar="G", dest="range_g",
                   help="sensor full scale in g; samples are clipped to it (default 4)")
    t.add_argument("--gravity", choices=["none", "mean", "filter"], default="mean",
                   help="orientation handling of the features (default mean: window mean removed)")
    t.add_argument("--test-fraction", type=float, default=0.25, metavar="F",
                   help="share of each class's recordings held out for testing (default 0.25)")
    t.add_argument("--cv", type=int, default=3, metavar="K",
                   help="cross-validation folds grouped by recording for model selection (0: off; default 3)")
    t.add_argument("--search", choices=["tiny", "small", "default", "large"], default="default",
                   help="size of the model search (default: 12 tree models)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--no-device-check", action="store_true",
                   help="skip running the firmware in QEMU (device_agreement is then null)")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=run_train)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run_train(args: argparse.Namespace) -> int:
    from emml.datasets import training_data
    from emml.extras import require
    from emml.har import HarDataError, HarTrainError, TrainOptions, Units, train

    for module in ("tqdm", "matplotlib"):  # before the data is read, not after the search
        require(module, "apps", "emml har train")
    try:
        units = Units(args.units, args.counts_per_g, args.range_g)
        opts = TrainOptions(
            data=training_data(args.data), rate_hz=args.rate, board=args.board, out=args.out, window_s=args.window,
            label_from=args.label_from,
            hop_s=args.hop, units=units, gravity=args.gravity, test_fraction=args.test_fraction,
            cv_folds=max(0, args.cv), search=args.search, seed=args.seed, device_check=not args.no_device_check,
            progress=not args.quiet,
        )
        if not 0 < opts.test_fraction < 1:
            raise HarTrainError("--test-fraction must be between 0 and 1")
        m = train(opts)
    except (HarDataError, HarTrainError) as e:
        raise CommandError(str(e)) from None
    acc = "n/a" if m["accuracy"] is None else f"{m['accuracy']:.4f}"
    agr = "n/a" if m["device_agreement"] is None else f"{m['device_agreement']:.4f}"
    print(f"accuracy {acc}  device_agreement {agr}  flash {m['flash_bytes']}/{m['flash_limit']}  "
          f"ram {m['ram_bytes']}/{m['ram_limit']}  fits {m['fits']}  ({args.out}/metrics.json, {args.out}/report.md)")
    return 0 if m["fits"] else 1
