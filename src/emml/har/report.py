"""The training report: report.md with the numbers, confusion.png and
accuracy_vs_flash.png (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path


def _plots(out: Path, m: dict) -> list[str]:
    from emml.extras import require

    matplotlib = require("matplotlib", "apps", "the training report's plots")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = []
    conf = np.asarray(m["confusion_matrix"])
    classes = m["classes"]
    fig, ax = plt.subplots(figsize=(1.6 + 1.1 * len(classes), 1.2 + 1.0 * len(classes)))
    ax.imshow(conf, cmap="Blues")
    for i in range(conf.shape[0]):
        for j in range(conf.shape[1]):
            ax.text(j, i, str(conf[i, j]), ha="center", va="center",
                    color="white" if conf[i, j] > conf.max() / 2 else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=30, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    acc = m["accuracy"]
    ax.set_title(f"test windows, accuracy {acc:.3f}" if acc is not None else "test windows")
    fig.tight_layout()
    fig.savefig(out / "confusion.png", dpi=90, metadata={"Software": None})
    plt.close(fig)
    names.append("confusion.png")

    rows = m["candidates"]
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for r in rows:
        flash = r["flash_measured"] or r["flash_estimate"]
        acc = r["cv_accuracy"] if r["cv_accuracy"] is not None else 0.0
        ax.scatter(flash, acc, marker="o" if r["fits"] else "x", color="tab:blue" if r["fits"] else "tab:red")
        ax.annotate(r["name"], (flash, acc), fontsize=6, xytext=(3, 2), textcoords="offset points")
    chosen = next((r for r in rows if r["name"] == m["model"]), None)
    if chosen:
        ax.scatter(chosen["flash_measured"] or chosen["flash_estimate"], chosen["cv_accuracy"] or 0.0, s=160,
                   facecolors="none", edgecolors="black", label=f"chosen: {m['model']}")
    ax.axvline(m["flash_limit"], color="tab:red", linestyle="--", label=f"{m['board']} flash {m['flash_limit']} B")
    ax.set_xlabel("whole firmware flash, bytes (x: does not fit)")
    ax.set_ylabel("cross-validated accuracy")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "accuracy_vs_flash.png", dpi=90, metadata={"Software": None})
    plt.close(fig)
    names.append("accuracy_vs_flash.png")
    return names


def _fmt(v, spec=".4f") -> str:
    return "n/a" if v is None else format(v, spec)


def write_report(out: str | Path, m: dict) -> Path:
    out = Path(out)
    images = _plots(out, m)
    lines = [
        f"# Activity recognition model for `{m['board']}`",
        "",
        f"- model: **{m['model']}** ({m['estimator']}), {m['n_features']} features, classes "
        + ", ".join(m["classes"]),
        f"- windows: {m['window']} samples ({m['window_s']:g} s) every {m['hop']} samples ({m['hop_s']:g} s) "
        f"at {m['rate_hz']:g} Hz",
        f"- data: {m['data'].get('data_rate_note', '')}; {m.get('rate_note', '')}; {m['data'].get('units_note', '')}",
        f"- accuracy on test windows (recordings never seen in training): **{_fmt(m['accuracy'])}**; "
        f"cross-validated (grouped by recording, {m['cv_folds']} folds): {_fmt(m['cv_accuracy'])}",
        f"- device agreement: **{_fmt(m['device_agreement'])}** over {m['device_windows']} test windows "
        f"({m['device_note']})",
        f"- whole firmware on {m['board']}: flash {m['flash_bytes']:,} of {m['flash_limit']:,} B "
        f"(margin {m['flash_margin']:,}), RAM {m['ram_bytes']:,} of {m['ram_limit']:,} B incl. "
        f"{m['stack_reserved_bytes']} B reserved stack (margin {m['ram_margin']:,}); fits: **{m['fits']}**",
        f"- stack high-water mark: {m['stack_used_bytes']} B ({m['stack_used_note']})",
    ]
    if m.get("instructions_per_window") is not None:
        cyc = m["cycles_per_window"]
        lines.append(
            f"- per window: {m['instructions_per_window']:,} instructions"
            + (f", {cyc:,} cycles (estimate)" if cyc is not None else "")
            + f", {m['ms_per_window']} ms at {m['f_cpu_hz'] / 1e6:g} MHz, duty cycle {100 * m['duty_cycle']:.3f}% "
            f"({m['timing_basis']})")
    lines += ["", "| class | train files | test files | train windows | test windows | test recall |",
              "|---|---:|---:|---:|---:|---:|"]
    for c, v in m["per_class"].items():
        lines.append(f"| {c} | {v['train_files']} | {v['test_files']} | {v['train_windows']} | "
                     f"{v['test_windows']} | {_fmt(v['test_recall'], '.3f')} |")
    lines += ["", "## Candidates", "",
              "| model | cv accuracy | test accuracy | model bytes | firmware flash | fits |",
              "|---|---:|---:|---:|---:|---|"]
    for r in m["candidates"]:
        flash = f"{r['flash_measured']:,}" if r["flash_measured"] else f"~{r['flash_estimate']:,}"
        lines.append(f"| {r['name']} | {_fmt(r['cv_accuracy'], '.3f')} | {_fmt(r['test_accuracy'], '.3f')} | "
                     f"{r['model_bytes']:,} | {flash} | {'yes' if r['fits'] else 'no'} |")
    lines += ["", "Firmware flash marked ~ is an estimate (the linked firmware of a reference model, with its "
              "model's object size swapped for the candidate's); the others were linked.", ""]
    lines += [f"![{Path(i).stem}]({i})" for i in images]
    if m["data"]["warnings"]:
        lines += ["", "## Data warnings", ""] + [f"- {w}" for w in m["data"]["warnings"]]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path
