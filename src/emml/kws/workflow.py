"""`emml kws train`: data folder -> artifact, generated C, metrics, report."""

from __future__ import annotations

import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from emml import boards as _boards
from emml.kws import artifact as _artifact
from emml.kws import device, report, train
from emml.kws.audio import SILENCE, BadClipWarning, fit_window, load_folder
from emml.kws.pipeline import KwsConfig


class KwsFitError(RuntimeError):
    """No candidate network fits the board's memory and time budget."""


#: Leave-one-speaker-out folds are trained only for sets with this many speakers or fewer
#: (FSDD has 6; Speech Commands' thousands are covered by its speaker split instead).
MAX_SPEAKER_FOLDS = 10


def _trained(cache: Path, key: str, fit: Callable[[], tuple[bytes, float]]) -> tuple[bytes, float]:
    """(int8 .tflite, float accuracy) of a training run, cached by key so a
    run that failed later (a build, QEMU) does not train again."""
    import hashlib
    import json

    path = cache / f"net-{hashlib.sha256(key.encode()).hexdigest()[:20]}"
    tfl, meta = path.with_suffix(".tflite"), path.with_suffix(".json")
    if tfl.is_file() and meta.is_file():
        return tfl.read_bytes(), float(json.loads(meta.read_text())["accuracy_float"])
    data, acc = fit()
    cache.mkdir(parents=True, exist_ok=True)
    tfl.write_bytes(data)
    meta.write_text(json.dumps({"accuracy_float": acc, "key": key}))
    return data, acc


def _name(widths) -> str:
    return "conv" + "-".join(str(w) for w in widths)


def train_kws(data: str | Path, board: str, out: str | Path, config: KwsConfig | None = None,
              sizes: Sequence[tuple[int, int, int]] = train.CANDIDATES, split: str = "auto", epochs: int = 25,
              augment: int = 2, noise: bool = True, max_cpu: float = 0.5, speaker_folds: bool = True,
              agreement_clips: int | None = None, seed: int = 0, words: Sequence[str] | None = None,
              perturb: bool = False,
              log: Callable[[str], None] = print) -> dict:
    """Train, pick, verify and write everything; returns the metrics dict."""
    from emml.extras import require

    tqdm = require("tqdm", "apps", "training progress").tqdm

    from emml.paths import build_dir

    cfg = config or KwsConfig()
    b = _boards.load(board)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", BadClipWarning)
        ds = load_folder(data, cfg.sample_rate, words=words, seed=seed)
    for w in caught:
        log(f"warning: {w.message}")
    log(f"layout: {ds.layout}" + "".join(f"; {n}" for n in ds.notes))
    sp = train.split(ds, split, seed=seed)
    y = ds.labels()
    n_classes = len(ds.classes)
    log(f"{len(ds.clips)} clips, {n_classes} classes ({', '.join(ds.classes)}); split: {sp.description}; "
        f"{len(sp.train)} train / {len(sp.test)} test")
    cache = build_dir() / "kws_cache"
    clean, aug = train.features(cfg, ds, cache, augment=augment, noise=noise, seed=seed, speed=perturb)
    run_key = (f"{train._cache_key(cfg, ds, 'run')} epochs={epochs} augment={augment} noise={noise} "
               f"perturb={perturb and (train.SPEED_RANGE, train.GAIN_DB)} seed={seed}")
    Xtr = np.concatenate([clean[sp.train]] + [a[sp.train] for a in aug])
    ytr = np.tile(y[sp.train], 1 + len(aug))
    Xte, yte = clean[sp.test], y[sp.test]

    # the same real speech frame and window for every CPU estimate
    probe_clip = ds.clips[int(sp.test[0])].samples
    probe_win = fit_window(probe_clip, cfg.window_samples)
    probe_frames = cfg.logmel().frames(probe_win)
    probe_frame = probe_frames[int(np.argmax(np.abs(probe_frames.astype(np.int64)).sum(axis=1)))]
    probe_features = cfg.window_features(probe_win)

    rows, trained = [], {}
    for widths in tqdm(list(sizes), desc="candidates", unit="net"):
        name = _name(widths)
        def fit(widths=widths):
            net, tfl = train.train_network(cfg, widths, Xtr, ytr, n_classes, epochs=epochs, seed=seed)
            return tfl, float((net.predict(Xte.astype(np.float32) / 64.0, verbose=0).argmax(axis=1) == yte).mean())

        tfl, acc_f = _trained(cache, f"{run_key} {sp.name} {widths}", fit)
        art = _artifact.Artifact(cfg, ds.classes, tfl)
        m = art.model()
        pred = m.forward_i8(Xte.reshape(len(Xte), -1)).argmax(axis=1)
        gen = cache.parent / "kws_candidates" / f"{board}-{name}"
        _artifact.generate(art, gen, model=m)
        image = device.build(board, gen)
        fit = device.fit_report(image, board)
        rt = device.estimate_realtime(cfg, image.elf, board, probe_frame, probe_features)
        row = {"name": name, "widths": list(widths), "accuracy": float((pred == yte).mean()),
               "accuracy_float": acc_f, "model_flash_bytes": m.flash_data_bytes(), "arena_bytes": m.plan.arena_bytes,
               **fit, "realtime_cpu": rt.realtime_cpu, "worst_hop_ms": rt.worst_hop_ms,
               # the audio source buffers two hops: a hop with a decision must end before the next hop is full
               "realtime_ok": rt.realtime_cpu <= max_cpu and rt.worst_hop_ms < 1000.0 / rt.hops_per_second}
        rows.append(row)
        trained[name] = (art, m, pred, rt, image)
        log(f"  {name}: int8 accuracy {100 * row['accuracy']:.1f}%, flash {fit['flash_bytes']:,} B, "
            f"RAM {fit['ram_bytes']:,} B, realtime_cpu {rt.realtime_cpu:.3f}, worst hop {rt.worst_hop_ms:.1f} ms"
            f"{'' if fit['fits'] else ' (does not fit)'}{'' if row['realtime_ok'] else ' (too slow)'}")

    ok = [r for r in rows if r["fits"] and r["realtime_ok"]]
    if not ok:
        raise KwsFitError(f"no candidate fits {board} ({b.ram_bytes} B RAM, {b.flash_bytes} B flash) within "
                           f"realtime_cpu <= {max_cpu} and one hop per decision; try smaller --sizes, fewer "
                           "--frames or a larger board")
    best = max(ok, key=lambda r: (round(r["accuracy"], 4), -r["flash_bytes"]))
    best["chosen"] = True
    art, m, pred, rt, image = trained[best["name"]]

    # the chosen network's artifact, and its C next to it (with the stamp the
    # PlatformIO pre-build script checks when it cannot import emml)
    from emml.prebuild import regenerate

    art.save(out, extra={"board": board, "split": sp.description})
    regenerate("kws", out / "kws.json", out / "generated", force=True)

    # device agreement: the firmware of the board's emulated stand-in, fed the test windows
    emu = board if b.runs_in_emulator else (b.emulated_by or "qemu_m0")
    emu_image = device.build(emu, out / "generated")
    n_agree = len(sp.test) if agreement_clips is None else min(agreement_clips, len(sp.test))
    windows = np.stack([fit_window(ds.clips[i].samples, cfg.window_samples) for i in sp.test[:n_agree]])
    fw_pred = device.final_decisions(cfg, emu, emu_image.elf, windows, progress=True)
    agreement = float((fw_pred == pred[:n_agree]).mean())
    log(f"device_agreement {agreement:.4f} over {n_agree} test clips on {emu}")

    speaker = None
    folds: dict[str, float] = {}
    speakers = sorted({c.speaker for c in ds.clips if c.speaker is not None})
    if speaker_folds and 2 <= len(speakers) <= MAX_SPEAKER_FOLDS and all(
            c.speaker is not None for c in ds.clips if c.label != SILENCE):
        for spk in tqdm(speakers, desc="speakers held out", unit="fold"):
            fs = train.split(ds, "speaker", test_speakers=[spk])
            Xf = np.concatenate([clean[fs.train]] + [a[fs.train] for a in aug])
            yf = np.tile(y[fs.train], 1 + len(aug))
            def fit_fold(Xf=Xf, yf=yf):
                return train.train_network(cfg, tuple(best["widths"]), Xf, yf, n_classes, epochs=epochs,
                                           seed=seed)[1], float("nan")

            tf_bytes, _ = _trained(cache, f"{run_key} speaker={spk} {tuple(best['widths'])}", fit_fold)
            import emml

            mf = emml.convert(tf_bytes)
            pf = mf.forward_i8(clean[fs.test].reshape(len(fs.test), -1)).argmax(axis=1)
            folds[spk] = float((pf == y[fs.test]).mean())
        speaker = float(np.mean(list(folds.values())))
        log(f"speakers held out: {100 * speaker:.1f}% (" + ", ".join(f"{k} {100 * v:.0f}%" for k, v in folds.items())
            + ")")

    cm = report.confusion(yte, pred, n_classes)
    report.plot_confusion(cm, ds.classes, out / "confusion.png",
                          f"{best['name']} int8, {sp.name} split: {100 * best['accuracy']:.1f}%")
    report.plot_accuracy_vs_flash(rows, board, b.flash_bytes, out / "accuracy_vs_flash.png")
    metrics = {
        "board": board, "accuracy": best["accuracy"], "accuracy_float": best["accuracy_float"],
        "accuracy_speakers_held_out": speaker, "speaker_folds": folds,
        "device_agreement": agreement, "device_agreement_clips": n_agree, "device_board": emu,
        "flash_bytes": best["flash_bytes"], "ram_bytes": best["ram_bytes"], "stack_reserved": best["stack_reserved"],
        "flash_limit": b.flash_bytes, "ram_limit": b.ram_bytes, "fits": best["fits"],
        "realtime_cpu": rt.realtime_cpu, "f_cpu_hz": b.f_cpu_hz, "max_cpu": max_cpu,
        "realtime": {"metric": rt.metric, "frame_cycles": rt.frame_cycles, "gate_cycles": rt.gate_cycles,
                     "decision_cycles": rt.decision_cycles, "hops_per_second": rt.hops_per_second,
                     "decisions_per_second": rt.decisions_per_second, "worst_hop_ms": rt.worst_hop_ms},
        "audio_source": device.audio_source(board),
        "model_name": best["name"], "model_flash_bytes": best["model_flash_bytes"], "arena_bytes": best["arena_bytes"],
        "candidates": rows, "confusion": cm, "classes": ds.classes, "split": sp.description,
        "split_kind": sp.name, "layout": ds.layout, "data_notes": ds.notes,
        "n_clips": len(ds.clips), "n_train": len(sp.train), "n_test": len(sp.test),
        "n_skipped": len(ds.skipped), "skipped": [f"{p}: {why}" for p, why in ds.skipped],
        "data": str(data), "config": cfg.to_dict(), "epochs": epochs, "augment": augment, "noise": noise,
        "perturb": perturb,
        "seconds": round(time.time() - t0, 1),
    }
    report.write_metrics(out / "metrics.json", metrics)
    (out / "report.md").write_text(report.markdown(metrics))
    log(f"wrote {out / 'kws.json'}, {out / 'kws.tflite'}, {out / 'generated'}, {out / 'metrics.json'}, "
        f"{out / 'report.md'}")
    return metrics


def config_from_options(frames: int | None = None, mels: int | None = None, decision_hops: int | None = None,
                        gate_db: float | None = None) -> KwsConfig:
    cfg = KwsConfig()
    changes = {k: v for k, v in (("n_frames", frames), ("n_mels", mels), ("decision_hops", decision_hops),
                                 ("gate_db", gate_db)) if v is not None}
    return replace(cfg, **changes) if changes else cfg
