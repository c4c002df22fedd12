"""`emml har train`: recordings -> windows -> HAR features -> model search
-> artifact, generated C, firmware sizes, device agreement in QEMU,
metrics.json and a report.

    metrics = train(TrainOptions(data="recordings/", rate_hz=26, board="ch32v003", out="out/"))

The test set is a share of each class's recordings (never windows of a
recording used for training); model selection uses cross-validation grouped
by recording on the training recordings only.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from emml import boards
from emml.dsp import HarConfig
from emml.har import codegen, device, search
from emml.har.artifact import ARTIFACT_NAME, HarArtifact
from emml.har.data import LoadReport, Recording, Units, read_folder, windows_of
from emml.har.rate import bands_for  # noqa: F401  (re-exported: the bands of a rate)

METRICS_NAME = "metrics.json"
GENERATED_DIR = "generated"


class HarTrainError(ValueError):
    """Options or data that cannot give a model; the message says what to change."""


@dataclass
class TrainOptions:
    data: str | Path
    rate_hz: float | None  # the recordings' rate; None: from their timestamp column
    board: str
    out: str | Path
    window_s: float = 2.0
    hop_s: float = 1.0
    units: Units = field(default_factory=Units)  # unit "auto": found from gravity
    label_from: str = "auto"  # "folder", "suffix" (<anything>_<label>.csv) or either
    gravity: str = "mean"
    test_fraction: float = 0.25
    cv_folds: int = 3  # 0: no cross-validation (select by the training recordings' fit)
    search: str = "default"
    seed: int = 0
    device_check: bool = True  # run the firmware in QEMU on the test recordings
    progress: bool = True


def split_by_file(recordings: list[Recording], fraction: float, seed: int) -> tuple[list[int], list[int], list[str]]:
    """Indices of training and test recordings: per class, round(fraction x
    files) (at least 1) go to the test set; a class with one file trains only."""
    rng = np.random.default_rng(seed)
    train, test, notes = [], [], []
    for label in sorted({r.label for r in recordings}):
        idx = [i for i, r in enumerate(recordings) if r.label == label]
        idx = [idx[k] for k in rng.permutation(len(idx))]
        if len(idx) < 2:
            notes.append(f"class {label}: one recording, used for training only (not tested)")
            train += idx
            continue
        n_test = min(len(idx) - 1, max(1, int(round(fraction * len(idx)))))
        test += idx[:n_test]
        train += idx[n_test:]
    return sorted(train), sorted(test), notes


def _features(art_cfg: HarConfig, recs: list[Recording], window: int, hop: int, classes: list[str]):
    X, y, g = [], [], []
    for i, r in enumerate(recs):
        w = windows_of(r.samples, window, hop)
        if len(w) == 0:
            continue
        X.append(art_cfg.features(w).astype(np.float32))
        y += [classes.index(r.label)] * len(w)
        g += [i] * len(w)
    if not X:
        return np.zeros((0, art_cfg.n_features), np.float32), np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(X), np.asarray(y, np.int64), np.asarray(g, np.int64)


def train(opts: TrainOptions, log: Callable[[str], None] = print) -> dict:
    import emml
    from emml.har.rate import RateError, choose_rate, data_rate, feature_config
    from emml.prebuild import regenerate
    from emml.size import check_board, elf_size

    board = boards.load(opts.board)
    if opts.search not in search.SEARCH_SIZES:
        raise HarTrainError(f"--search must be one of {', '.join(search.SEARCH_SIZES)}")
    if opts.window_s <= 0 or opts.hop_s <= 0:
        raise HarTrainError(f"--window and --hop must be positive seconds, not {opts.window_s} and {opts.hop_s}")

    # ---- data, its rate and the model's rate ------------------------------------
    raw = read_folder(opts.data, opts.label_from)
    try:
        in_rate, in_rate_note = data_rate(opts.rate_hz, raw)
        plan = choose_rate(in_rate, opts.board, opts.window_s, opts.hop_s, opts.gravity)
    except RateError as e:
        raise HarTrainError(str(e)) from None
    rate, window, hop = plan.rate_hz, plan.window, plan.hop
    cfg = feature_config(rate, window, opts.gravity)
    rep: LoadReport = raw.prepare(opts.units, in_rate, rate, min_samples=window)
    for w in rep.warnings:
        log(f"warning: {w}")
    log(rep.summary())
    log(rep.units_note)
    log(in_rate_note)
    log(plan.note)
    out = Path(opts.out)
    out.mkdir(parents=True, exist_ok=True)
    classes = rep.classes()
    recs = rep.used
    tr_idx, te_idx, notes = split_by_file(recs, opts.test_fraction, opts.seed)
    for n in notes:
        log(f"warning: {n}")
    train_recs = [recs[i] for i in tr_idx]
    test_recs = [recs[i] for i in te_idx]
    X, y, groups = _features(cfg, train_recs, window, hop, classes)
    Xt, yt, _ = _features(cfg, test_recs, window, hop, classes)
    if len(set(y.tolist())) < 2:
        raise HarTrainError("the training recordings hold fewer than two classes after the split; add recordings")
    min_files = min(len({g for g, c in zip(groups, y) if c == k}) for k in set(y.tolist()))
    folds = min(opts.cv_folds, min_files) if opts.cv_folds else 0
    if opts.cv_folds and folds < 2:
        log(f"warning: a class has {min_files} training recording(s): no cross-validation, "
            "models are ranked by their fit on the training recordings")
        folds = 0
    log(f"windows: {window} samples ({opts.window_s:g} s), hop {hop} ({opts.hop_s:g} s); "
        f"{len(X)} training windows from {len(train_recs)} recordings, {len(Xt)} test windows from "
        f"{len(test_recs)} recordings; {cfg.n_features} features")

    # ---- search -------------------------------------------------------------
    from emml.extras import require

    tqdm = require("tqdm", "apps", "training progress").tqdm

    cands = [search.Candidate(name) for name, _ in search.grid(opts.search)]
    factories = dict(search.grid(opts.search))
    gen_tmp = out / ".search"
    bar = tqdm(cands, desc="model search", unit="model", file=sys.stderr, disable=not opts.progress)
    for c in bar:
        bar.set_postfix_str(c.name)
        f = factories[c.name]
        if folds:
            c.cv_accuracy = search.grouped_cv_accuracy(f, X, y, groups, folds, opts.seed)
        c.estimator = f(opts.seed).fit(X, y)
        if not folds:
            c.cv_accuracy = float(np.mean(c.estimator.predict(X) == y))
        c.test_accuracy = float(np.mean(c.estimator.predict(Xt) == yt)) if len(Xt) else float("nan")
        model = codegen.convert_model(_art(c, cfg, opts, rate, window, hop, classes))
        c.model_bytes = search.model_object_bytes(model, opts.board)
    bar.close()

    # The firmware without a model, measured through a real link once per
    # estimator type (they pull in different helpers, e.g. soft-float adds).
    base: dict[str, tuple[int, int]] = {}
    for c in cands:
        kind = type(c.estimator).__name__
        c.extra["estimator"] = kind
        if kind not in base:
            img = _link(_art(c, cfg, opts, rate, window, hop, classes), opts.board, gen_tmp / kind)
            c.flash_measured = img.flash_bytes
            c.fits_measured = img.flash_bytes <= board.flash_bytes and img.ram_bytes <= board.ram_bytes
            base[kind] = (img.flash_bytes - c.model_bytes, img.ram_bytes)
        flash0, ram = base[kind]
        c.flash_estimate = flash0 + c.model_bytes
        c.fits_estimate = c.flash_estimate <= board.flash_bytes and ram <= board.ram_bytes
        if c.fits_measured is not None:
            c.fits_estimate = c.fits_measured

    # Best cross-validated accuracy among those that fit (ties: smaller).
    ranked = sorted(cands, key=lambda c: (not c.fits_estimate, -round(c.cv_accuracy, 4), c.flash_estimate))
    chosen, image = None, None
    for c in ranked:
        art = _art(c, cfg, opts, rate, window, hop, classes)
        art.save(out / ARTIFACT_NAME)
        regenerate("har", out / ARTIFACT_NAME, out / GENERATED_DIR, force=True)
        image = device.build(opts.board, out / GENERATED_DIR)
        fit = check_board(elf_size(image.elf), board)
        c.flash_measured, c.fits_measured = fit.flash_used, fit.fits
        chosen = c
        if fit.fits or not c.fits_estimate:
            break
        log(f"note: {c.name} was estimated to fit but the linked firmware does not ({fit.flash_used} B); "
            "trying the next model")
    assert chosen is not None and image is not None
    art = HarArtifact.load(out / ARTIFACT_NAME)
    size = elf_size(image.elf)
    fit = check_board(size, board)
    if not fit.fits:
        log(f"warning: no candidate fits {opts.board}: {'; '.join(fit.messages)}. Shorten the window, "
            "or use a board with more memory")
    log(f"chosen: {chosen.name} (cv accuracy {chosen.cv_accuracy:.3f}, test accuracy {chosen.test_accuracy:.3f}); "
        f"firmware {fit.flash_used} B flash of {board.flash_bytes}, {fit.ram_used} B RAM of {board.ram_bytes}")

    # ---- evaluation -----------------------------------------------------------
    test_windows = [windows_of(r.samples, window, hop) for r in test_recs]
    py_classes = [art.predict(w) for w in test_windows]
    y_pred = np.array([classes.index(c) for p in py_classes for c in p], np.int64)
    accuracy = float(np.mean(y_pred == yt)) if len(yt) else None
    conf = np.zeros((len(classes), len(classes)), np.int64)
    for t, p in zip(yt, y_pred):
        conf[t, p] += 1

    device_info = {"device_agreement": None, "device_board": device.stand_in(opts.board), "device_windows": 0,
                   "device_note": ""}
    stack_used = None
    if opts.device_check and test_recs:
        device_info.update(_device_agreement(opts.board, out / GENERATED_DIR, test_recs, py_classes, window, hop,
                                             log))
        stack_used = device_info.pop("stack_used", None)
    elif not opts.device_check:
        device_info["device_note"] = "not measured (--no-device-check)"

    # Cycles: features + model of one window, in the CPU emulator on BOARD's image.
    prof = None
    sample_windows = np.concatenate(test_windows)[:: max(1, len(yt) // 12)][:12] if len(yt) else np.zeros((0,))
    if len(sample_windows):
        prof = device.profile_windows(image.elf, sample_windows)
        want = art.predict_index(sample_windows).tolist()
        if prof.classes != want:
            log("warning: the profiled firmware function disagrees with Python on "
                f"{sum(a != b for a, b in zip(prof.classes, want))} of {len(want)} windows")
    hop_seconds = hop / rate
    metrics = {
        "board": opts.board,
        "accuracy": accuracy,
        **device_info,
        "flash_bytes": fit.flash_used,
        "ram_bytes": fit.ram_used,
        "flash_limit": board.flash_bytes,
        "ram_limit": board.ram_bytes,
        "flash_margin": board.flash_bytes - fit.flash_used,
        "ram_margin": board.ram_bytes - fit.ram_used,
        "fits": fit.fits,
        "stack_reserved_bytes": size.stack_bytes,
        "stack_used_bytes": stack_used,
        "stack_used_note": f"high-water mark of the whole firmware on {device_info['device_board']} in QEMU",
        "model": chosen.name,
        "estimator": type(art.estimator).__name__,
        "cv_accuracy": round(chosen.cv_accuracy, 4),
        "cv_folds": folds,
        "rate_hz": rate,
        "data_rate_hz": in_rate,
        "resampled": plan.resampled,
        "rate_note": plan.note,
        "window_s": opts.window_s,
        "hop_s": opts.hop_s,
        "window": window,
        "hop": hop,
        "n_features": cfg.n_features,
        "classes": classes,
        "f_cpu_hz": board.f_cpu_hz,
    }
    metrics.update(_timing(prof, board, hop_seconds))
    metrics["per_class"] = {
        c: {
            "train_files": sum(r.label == c for r in train_recs),
            "test_files": sum(r.label == c for r in test_recs),
            "train_windows": int(np.sum(y == k)),
            "test_windows": int(np.sum(yt == k)),
            "test_recall": round(float(conf[k, k] / conf[k].sum()), 4) if conf[k].sum() else None,
        }
        for k, c in enumerate(classes)
    }
    metrics["confusion_matrix"] = conf.tolist()
    metrics["candidates"] = [c.row() for c in cands]
    metrics["data"] = {
        "folder": str(rep.root),
        "recordings_used": len(recs),
        "test_recordings": [str(r.path.relative_to(rep.root)) for r in test_recs],
        "warnings": rep.warnings + notes,
        "files": rep.files,
        "units": rep.units.describe(),
        "units_note": rep.units_note,
        "data_rate_note": in_rate_note,
        "range_g": opts.units.range_g,
    }
    sensor_odr, _ = codegen.sensor_rate(rate)
    metrics["sensor_odr_hz"] = sensor_odr
    if abs(sensor_odr - rate) > 1e-9:
        log(f"note: a LIS3DH-compatible sensor has no {rate:g} Hz rate; the firmware runs it at "
            f"{sensor_odr:g} Hz ({100 * abs(sensor_odr - rate) / rate:.1f}% off)")
    metrics["emml_version"] = emml.__version__
    (out / METRICS_NAME).write_text(json.dumps(metrics, indent=1) + "\n")
    _cleanup(gen_tmp)
    from emml.har.report import write_report

    write_report(out, metrics)
    return metrics


def _art(c: search.Candidate, cfg: HarConfig, opts: TrainOptions, rate: float, window: int, hop: int,
         classes: list[str]) -> HarArtifact:
    return HarArtifact(c.estimator, cfg, float(rate), window, hop, classes, range_g=opts.units.range_g,
                       board=opts.board, model_name=c.name)


def _link(art: HarArtifact, board: str, folder: Path):
    gen = folder / "generated"
    codegen.write(art, gen)
    return device.build(board, gen)


def _cleanup(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def _device_agreement(board: str, generated: Path, test_recs: list[Recording], py_classes: list[list[str]],
                      window: int, hop: int, log: Callable[[str], None]) -> dict:
    import shutil

    from emml.dut import EmulatorError
    from emml.firmware import FirmwareBuildError

    emu = device.stand_in(board)
    b = boards.load(emu)
    if shutil.which(b.qemu[0]) is None:
        return {"device_note": f"not measured: {b.qemu[0]} is not installed"}
    try:
        img = device.build(emu, generated)
        res = device.run_stream(emu, img.elf, [r.samples for r in test_recs], window, hop)
    except (EmulatorError, FirmwareBuildError, RuntimeError) as e:
        log(f"warning: device check on {emu} failed: {str(e).splitlines()[0]}")
        return {"device_note": f"failed: {str(e).splitlines()[0]}"}
    pairs = [(a, f) for p, fw in zip(py_classes, res.classes) for a, f in zip(p, fw)]
    n_py = sum(len(p) for p in py_classes)
    agree = sum(a == f for a, f in pairs) / n_py if n_py else None
    log(f"device: {emu} in QEMU classified {len(pairs)} of {n_py} test windows, agreement with Python "
        f"{agree:.4f}")
    return {"device_agreement": agree, "device_windows": len(pairs), "stack_used": res.stack_used,
            "device_note": f"firmware built for {emu} (stand-in for {board}), test recordings streamed over its UART"}


def _timing(prof, board, hop_seconds: float) -> dict:
    if prof is None:
        return {"cycles_per_window": None, "instructions_per_window": None, "duty_cycle": None}
    if prof.cycles is not None:
        cycles, basis = prof.cycles, f"Cortex-M0+ cycle estimate ({prof.cycle_model})"
    else:
        cycles, basis = prof.instructions, ("instructions x 1 cycle: a lower bound, RV32EC cycles are not "
                                            "estimated (flash wait states and multi-cycle loads add to it)")
    seconds = cycles / board.f_cpu_hz
    return {
        "cycles_per_window": round(prof.cycles) if prof.cycles is not None else None,
        "instructions_per_window": round(prof.instructions),
        "ms_per_window": round(1000 * seconds, 3),
        "duty_cycle": round(seconds / hop_seconds, 6),
        "timing_basis": f"{basis}; features + model of one window (har_classify_window) in the unicorn "
                        f"emulator, at {board.f_cpu_hz / 1e6:g} MHz, one window every {hop_seconds:g} s; "
                        "an emulator estimate, not a measurement",
        "stack_classify_bytes": prof.stack_bytes,
    }
