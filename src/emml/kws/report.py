"""metrics.json, plots and a short Markdown report of a KWS training run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n: int) -> np.ndarray:
    cm = np.zeros((n, n), np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm


def plot_confusion(cm: np.ndarray, classes: list[str], path: Path, title: str) -> Path:
    from emml.extras import require

    matplotlib = require("matplotlib", "apps", "the training report's plots")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(classes)), classes, rotation=45)
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted (int8 firmware pipeline)")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=10)
    top = cm.max() or 1
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            if cm[i, j]:
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if cm[i, j] > top / 2 else "black")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_accuracy_vs_flash(rows: list[dict], board: str, flash_limit: int, path: Path) -> Path:
    from emml.extras import require

    matplotlib = require("matplotlib", "apps", "the training report's plots")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for r in rows:
        ok = r["fits"] and r["realtime_ok"]
        ax.scatter(r["flash_bytes"] / 1024, 100 * r["accuracy"], color="tab:blue" if ok else "tab:red",
                   marker="o" if not r.get("chosen") else "*", s=140 if r.get("chosen") else 40)
        ax.annotate(r["name"], (r["flash_bytes"] / 1024, 100 * r["accuracy"]), fontsize=7,
                    xytext=(4, -10), textcoords="offset points")
    ax.axvline(flash_limit / 1024, color="gray", linestyle="--", linewidth=1)
    ax.set_xlabel(f"whole firmware flash, kB ({board}; dashed: limit)")
    ax.set_ylabel("int8 test accuracy, %")
    ax.set_title("KWS candidates (blue: fits RAM/flash and runs in time, star: chosen)", fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_metrics(path: Path, metrics: dict) -> Path:
    path.write_text(json.dumps(metrics, indent=2, sort_keys=True, default=_jsonable) + "\n")
    return path


def _jsonable(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def markdown(metrics: dict) -> str:
    m = metrics
    lines = [
        f"# Keyword spotting: {m['board']}", "",
        f"- data: {m['data']} ({m['n_clips']} clips, {len(m['classes'])} classes; {m['n_skipped']} files skipped)",
        f"- split: {m['split']}",
        f"- chosen network: {m['model_name']} (int8 Conv1D, {m['model_flash_bytes']} bytes of weights, "
        f"{m['arena_bytes']} bytes activation arena)",
        f"- **accuracy {100 * m['accuracy']:.1f}%** (int8, firmware pipeline; float Keras "
        f"{100 * m['accuracy_float']:.1f}%)",
    ]
    if m.get("accuracy_speakers_held_out") is not None:
        lines.append(f"- accuracy with whole speakers held out: {100 * m['accuracy_speakers_held_out']:.1f}% "
                     f"(mean of {len(m['speaker_folds'])} leave-one-speaker-out folds: "
                     + ", ".join(f"{k} {100 * v:.0f}%" for k, v in m["speaker_folds"].items()) + ")")
    lines += [
        f"- device_agreement {m['device_agreement']:.3f} over {m['device_agreement_clips']} test clips streamed "
        f"through the firmware in QEMU ({m['device_board']})",
        f"- flash {m['flash_bytes']:,} of {m['flash_limit']:,} bytes, RAM {m['ram_bytes']:,} of "
        f"{m['ram_limit']:,} bytes (static + {m['stack_reserved']} reserved stack): "
        f"{'fits' if m['fits'] else 'DOES NOT FIT'}",
        f"- realtime_cpu {m['realtime_cpu']:.3f} at {m['f_cpu_hz'] / 1e6:g} MHz ({m['realtime']['metric']}: "
        f"{m['realtime']['frame_cycles']:,} per hop, {m['realtime']['decision_cycles']:,} per decision)",
        "", "## Candidates", "",
        "| network | accuracy | flash B | RAM B | realtime_cpu | worst hop ms | fits, in time |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in m["candidates"]:
        lines.append(f"| {r['name']}{' (chosen)' if r.get('chosen') else ''} | {100 * r['accuracy']:.1f}% | "
                     f"{r['flash_bytes']:,} | {r['ram_bytes']:,} | {r['realtime_cpu']:.3f} | {r['worst_hop_ms']:.1f} | "
                     f"{'yes' if r['fits'] and r['realtime_ok'] else 'no'} |")
    lines += ["", "![confusion matrix](confusion.png)", "", "![accuracy vs flash](accuracy_vs_flash.png)", ""]
    return "\n".join(lines)
