"""The end-to-end demo (first README command; scripts/demo.sh sets up first):
activity recognition on the dollar board.

1. `emml har train` on the ST HAR recordings (emml.datasets.fetch_st_har) for
   the ch32v003 (RV32EC, 16 kB flash, 2 kB RAM including the stack): model
   search over tree ensembles that fit the whole firmware, test accuracy on
   held-out recordings, device agreement measured in QEMU. It writes the
   app's default model, apps/har/model/ (the same bytes every run).
2. Build apps/har for every board with PlatformIO (`pio run` in apps/har;
   the pre-build step regenerates the model C from the artifact).
3. Print flash/RAM with margins against each chip's real limits, and the
   estimated cost of one window (features + model) per board.
4. Stream two held-out recordings through the firmware in QEMU (qemu_rv32e,
   the ch32v003 stand-in) and show its output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from emml import boards
from emml.datasets import DataSetError, fetch_st_har

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "apps" / "har"
PIO = ROOT / ".venv" / "bin" / "pio"
BOARD = "ch32v003"
RUN_ON = "qemu_rv32e"


def banner(text: str) -> None:
    print(f"\n== {text}", flush=True)


def pio_build_all(names: list[str]) -> dict[str, Path]:
    cmd = [str(PIO), "run", "-s", *[a for n in names for a in ("-e", n)]]
    proc = subprocess.run(cmd, cwd=APP, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"demo: '{' '.join(cmd[1:])}' in apps/har failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return {n: APP / ".pio" / "build" / n / "firmware.elf" for n in names}


def main() -> int:
    from emml.har import TrainOptions, train
    from emml.har.artifact import HarArtifact
    from emml.har.data import load_folder, windows_of
    from emml.har.device import profile_windows, run_stream
    from emml.size import check_board, elf_size

    try:  # EMML_DATA_DIR, ../shared/data next to the checkout, the cache, else a download
        data = fetch_st_har() / "dataset"
    except DataSetError as e:
        sys.exit(f"demo: {e}")

    data = Path(os.path.relpath(data, ROOT))  # no machine paths in the committed metrics
    banner(f"emml har train --data {data} --rate 26 --board {BOARD} --out apps/har/model")
    m = train(TrainOptions(data=data, rate_hz=26, board=BOARD, out=APP / "model"))
    print(f"   model          {m['model']} ({m['estimator']}), {m['n_features']} features, "
          f"{m['window_s']:g} s windows every {m['hop_s']:g} s")
    print(f"   accuracy       {m['accuracy']:.4f} on {sum(v['test_windows'] for v in m['per_class'].values())} "
          f"windows of {len(m['data']['test_recordings'])} held-out recordings "
          f"(cross-validated {m['cv_accuracy']:.4f})")
    print(f"   device         agreement {m['device_agreement']} over {m['device_windows']} windows "
          f"({m['device_board']} in QEMU)")
    print(f"   {BOARD:<14} flash {m['flash_bytes']:,} / {m['flash_limit']:,} B, RAM {m['ram_bytes']:,} / "
          f"{m['ram_limit']:,} B (stack {m['stack_reserved_bytes']} B reserved, {m['stack_used_bytes']} B used "
          f"in QEMU); fits: {m['fits']}")
    print(f"   per window     {m['instructions_per_window']:,} instructions, {m['ms_per_window']} ms at "
          f"{m['f_cpu_hz'] / 1e6:g} MHz, duty cycle {100 * m['duty_cycle']:.2f}% (1 cycle/instruction: a lower "
          "bound, an emulator estimate)")
    print("   report         apps/har/model/report.md (confusion matrix, accuracy vs flash)")

    names = boards.names()
    banner(f"pio run in apps/har for {len(names)} boards (model C regenerated from apps/har/model/har_model.joblib)")
    elves = pio_build_all(names)

    art = HarArtifact.load(APP / "model" / "har_model.joblib")
    rep = load_folder(data, min_samples=art.window)
    held_out = set(m["data"]["test_recordings"])
    test = [r for r in rep.used if str(r.path.relative_to(rep.root)) in held_out]
    probe = np.concatenate([windows_of(r.samples, art.window, art.hop)[:2] for r in test[:3]])

    banner("flash and RAM (static + reserved stack) of the whole HAR firmware, against each chip's real limits")
    print(f"   {'board':<11} {'MHz':>4} {'flash':>7} {'of':>9} {'margin':>9} {'RAM':>6} {'of':>9} {'margin':>9}  "
          f"{'per window (features + model)':<34} fits")
    all_fit = True
    for name, elf in elves.items():
        b = boards.load(name)
        fit = check_board(elf_size(elf), b)
        all_fit &= fit.fits or b.runs_in_emulator
        prof = profile_windows(elf, probe)
        if prof.cycles is not None:
            cost = f"~{prof.cycles:,.0f} cycles, {100 * prof.cycles / b.f_cpu_hz / (art.hop / art.rate_hz):.2f}%"
        else:
            cost = f"{prof.instructions:,.0f} instr., >={100 * prof.instructions / b.f_cpu_hz / (art.hop / art.rate_hz):.2f}%"
        print(f"   {name:<11} {b.f_cpu_hz / 1e6:>4g} {fit.flash_used:>7,} {b.flash_bytes:>9,} "
              f"{b.flash_bytes - fit.flash_used:>9,} {fit.ram_used:>6,} {b.ram_bytes:>9,} "
              f"{b.ram_bytes - fit.ram_used:>9,}  {cost:<34} {'yes' if fit.fits else 'NO'}")
    print("   cycles: Cortex-M0+ estimates of the unicorn emulator (ARMv6-M timing table, no wait states);")
    print("   RISC-V: instructions only; % = duty cycle at the board clock for one window per hop")

    banner(f"streaming 2 held-out recordings into {RUN_ON} (stand-in for {BOARD}) over its UART")
    pick = [next(r for r in test if r.label == c) for c in ("walking", "running") if any(r.label == c for r in test)]
    res = run_stream(RUN_ON, elves[RUN_ON], [r.samples for r in pick], art.window, art.hop)
    agree = all(fw == art.predict(windows_of(r.samples, art.window, art.hop)) for r, fw in zip(pick, res.classes))
    class_lines = [ln for ln in res.lines if ln.startswith("class=")]
    print(f"   | {res.lines[0]}")
    pos = 0
    for r, fw in zip(pick, res.classes):
        print(f"   > reset, then {len(r.samples)} 'x y z' lines of {r.path.name}")
        for ln in class_lines[pos:pos + 3]:
            print(f"   | {ln}")
        print(f"   | ... {len(fw)} windows: " + ", ".join(f"{c} x{fw.count(c)}" for c in sorted(set(fw))))
        pos += len(fw)
    print(f"   > end\n   | {res.lines[-1]}")
    print(f"   exit status {res.exit_status}; every window equals the Python pipeline's class: {agree}")
    return 0 if res.exit_status == 0 and agree and all_fit and m["fits"] else 1


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(main())
