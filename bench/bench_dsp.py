"""DSP front-end benchmark: estimated Cortex-M0+ cycles (emml.profile, an
emulator-based ESTIMATE, zero wait states) and flash (code + const tables,
from the ELF's symbol sizes) for the q15 FFT, log-mel frame, MFCC, biquad
cascade; built for qemu_m0 (Cortex-M0, -O2 as the firmware builds).

    python bench/bench_dsp.py            # prints a table, writes bench/results/dsp.json

Not measured yet: emlearn's FFT/IIR/mel side by side (see bench/README.md).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy import signal

from emml import boards, firmware
from emml.dsp import codegen, iir
from emml.dsp.config import LogMelConfig
from emml.paths import build_dir, repo_root
from emml.profile import profile_function

BOARD = "qemu_m0"
CFG = LogMelConfig(sample_rate=16000, n_fft=512, hop_length=256, n_mels=40, n_mfcc=13)
SOS = signal.butter(4, 0.1, output="sos")  # 2 sections

BENCH_C = r"""
#include <stddef.h>

#include "board.h"
#include "bench_iir.h"
#include "benchlm.h"
#include "emml/fft.h"
#include "emml/iir.h"
#include "emml/mel.h"

/* Each bench_* function is profiled on its own; *_init ones measure the
 * set-up share that the benchmark subtracts. */
int32_t bench_fft_init(uint32_t n);
int32_t bench_fft(int16_t *buf, uint32_t n);
int32_t bench_logmel_init(void);
int32_t bench_logmel(const int16_t *frame, int16_t *work, int16_t *out);
void bench_mfcc(const int16_t *logmel, int16_t *out);
int32_t bench_iir_init(void);
int32_t bench_iir(const int16_t *in, int16_t *out, uint32_t n);

int32_t bench_fft_init(uint32_t n)
{
    emml_fft_q15_t f;
    return (int32_t)emml_fft_init_q15(&f, &benchlm_fft_q15, n);
}

int32_t bench_fft(int16_t *buf, uint32_t n)
{
    emml_fft_q15_t f;
    emml_status_t st = emml_fft_init_q15(&f, &benchlm_fft_q15, n);
    emml_fft_rfft_q15(&f, buf);
    return (int32_t)st;
}

int32_t bench_logmel_init(void)
{
    emml_logmel_q15_t lm;
    return (int32_t)emml_logmel_init_q15(&lm, &benchlm_fft_q15, &benchlm_window_q15, &benchlm_mel_q15,
                                         BENCHLM_FLOOR_DB_Q8);
}

int32_t bench_logmel(const int16_t *frame, int16_t *work, int16_t *out)
{
    emml_logmel_q15_t lm;
    emml_status_t st = emml_logmel_init_q15(&lm, &benchlm_fft_q15, &benchlm_window_q15, &benchlm_mel_q15,
                                            BENCHLM_FLOOR_DB_Q8);
    emml_logmel_frame_q15(&lm, frame, work, out);
    return (int32_t)st;
}

void bench_mfcc(const int16_t *logmel, int16_t *out)
{
    emml_mfcc_q15(&benchlm_mfcc_q15, logmel, out);
}

static int16_t iir_state[4 * BENCH_IIR_SECTIONS];

int32_t bench_iir_init(void)
{
    emml_iir_q15_t f;
    return (int32_t)emml_iir_init_q15(&f, &bench_biquad, iir_state, 4u * BENCH_IIR_SECTIONS);
}

int32_t bench_iir(const int16_t *in, int16_t *out, uint32_t n)
{
    emml_iir_q15_t f;
    emml_status_t st = emml_iir_init_q15(&f, &bench_biquad, iir_state, 4u * BENCH_IIR_SECTIONS);
    emml_iir_process_q15(&f, in, out, n);
    return (int32_t)st;
}

int main(void)
{
    /* referenced here so --gc-sections keeps them; never run */
    volatile int run = 0;
    board_init();
    if (run) {
        (void)bench_fft(NULL, 256u);
        (void)bench_logmel(NULL, NULL, NULL);
        bench_mfcc(NULL, NULL);
        (void)bench_iir(NULL, NULL, 0u);
    }
    return (int)(bench_fft_init(256) + bench_logmel_init() + bench_iir_init());
}
"""


def build():
    out = build_dir() / "bench_dsp" / CFG.digest()
    out.mkdir(parents=True, exist_ok=True)
    CFG.write_c("benchlm", out, f32=False)
    coeffs, shifts = iir.quantize_sos(SOS)
    (out / "bench_iir.h").write_text(
        '#include "emml/iir.h"\n'
        f"#define BENCH_IIR_SECTIONS {len(shifts)}\nextern const emml_iir_coeffs_q15_t bench_biquad;\n")
    (out / "bench_iir.c").write_text('#include "bench_iir.h"\n' + codegen.iir_c("bench_biquad", SOS))
    (out / "bench_main.c").write_text(BENCH_C)
    image = firmware.build(BOARD, [out / "bench_main.c", out / "benchlm.c", out / "bench_iir.c"],
                           include_dirs=[out], name="bench_dsp")
    return image.elf


def symbol_sizes(elf) -> dict[str, int]:
    b = boards.load(BOARD)
    text = subprocess.run([b.toolchain_prefix + "nm", "-S", "--size-sort", str(elf)],
                          capture_output=True, text=True, check=True).stdout
    sizes = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4:
            sizes[parts[3]] = sizes.get(parts[3], 0) + int(parts[1], 16)
    return sizes


def flash(sizes, names) -> int:
    missing = [n for n in names if n not in sizes]
    if missing:
        raise KeyError(f"symbols not in the ELF: {missing}")
    return sum(sizes[n] for n in names)


def main() -> int:
    elf = build()
    sizes = symbol_sizes(elf)
    rng = np.random.default_rng(0)
    results = []

    def cyc(fn, args=()):
        r = profile_function(elf, fn, args)
        return r

    fft_code = ["emml_fft_init_q15", "emml_fft_rfft_q15"]
    for n in (256, 512):
        x = rng.integers(-32768, 32768, n).astype(np.int16)
        r = cyc("bench_fft", (x, n))
        base = cyc("bench_fft_init", (n,))
        assert r.return_value == 0
        results.append({
            "what": f"{n}-point real FFT, q15", "cycles": r.cycles - base.cycles,
            "instructions": r.instructions - base.instructions,
            "flash_bytes": flash(sizes, fft_code) + n * 2 if n < CFG.n_fft else flash(sizes, fft_code + ["benchlm_fft_q15_twiddle"]),
            "flash_note": "code + twiddle table for this size",
            "stack_bytes": r.stack_bytes,
        })

    wav_frame = None
    try:
        from scipy.io import wavfile

        from emml.paths import data_dir

        d = data_dir()
        if d is not None:
            x = wavfile.read(d / "fsdd" / "recordings" / "3_jackson_0.wav")[1]
            fr = CFG.frames(x)
            wav_frame = fr[len(fr) // 2].astype(np.int16)
    except (OSError, ValueError):
        pass
    frame = wav_frame if wav_frame is not None else rng.normal(0, 3000, CFG.n_fft).astype(np.int16)
    work = np.zeros(CFG.n_fft, np.int16)
    out = np.zeros(CFG.n_mels, np.int16)
    r = cyc("bench_logmel", (frame, work, out))
    base = cyc("bench_logmel_init")
    assert r.return_value == 0
    assert np.array_equal(r.buffers[2], CFG.logmel_q15(frame[None, :])[0]), "profiled log-mel differs from reference"
    lm_tables = ["benchlm_fft_q15_twiddle", "benchlm_window_q15_coeffs", "benchlm_band_start",
                 "benchlm_band_offset", "benchlm_mel_weights_q15", "benchlm_mel_log2_offset",
                 "benchlm_fft_q15", "benchlm_window_q15", "benchlm_mel_q15"]
    lm_code = ["emml_logmel_init_q15", "emml_logmel_frame_q15", "emml_fft_init_q15", "emml_fft_rfft_q15",
               "emml_window_check_q15", "emml_log2_q16", "emml_clz32", "log2_table_q16"]
    results.append({
        "what": f"{CFG.n_fft}-point / {CFG.n_mels}-band q15 log-mel frame ({CFG.sample_rate} Hz)",
        "cycles": r.cycles - base.cycles, "instructions": r.instructions - base.instructions,
        "flash_bytes": flash(sizes, [s for s in lm_code + lm_tables if s in sizes]),
        "flash_note": "code + twiddles + window + mel tables", "stack_bytes": r.stack_bytes,
        "ram_bytes": 2 * CFG.n_fft, "goal_cycles": 100000,
    })
    logmel = r.buffers[2].astype(np.int16)
    mf = np.zeros(CFG.n_mfcc, np.int16)
    r = cyc("bench_mfcc", (logmel, mf))
    assert np.array_equal(r.buffers[1], CFG.mfcc_q15(logmel[None, :])[0])
    results.append({
        "what": f"MFCC ({CFG.n_mfcc} of {CFG.n_mels}, q15 DCT-II) after the log-mel",
        "cycles": r.cycles, "instructions": r.instructions,
        "flash_bytes": flash(sizes, ["emml_mfcc_q15", "benchlm_dct_q15", "benchlm_mfcc_q15"]),
        "flash_note": "code + DCT table", "stack_bytes": r.stack_bytes,
    })
    n = 256
    xin = rng.normal(0, 5000, n).astype(np.int16)
    yout = np.zeros(n, np.int16)
    r = cyc("bench_iir", (xin, yout, n))
    base = cyc("bench_iir_init")
    coeffs, shifts = iir.quantize_sos(SOS)
    assert np.array_equal(r.buffers[1], iir.sosfilt_q15(coeffs, shifts, xin))
    results.append({
        "what": f"biquad cascade q15, {len(shifts)} sections (4th-order Butterworth), per sample",
        "cycles": round((r.cycles - base.cycles) / n, 1),
        "instructions": round((r.instructions - base.instructions) / n, 1),
        "flash_bytes": flash(sizes, ["emml_iir_init_q15", "emml_iir_process_q15", "bench_biquad_coeffs",
                                     "bench_biquad_shift", "bench_biquad"]),
        "flash_note": "code + coefficients", "stack_bytes": r.stack_bytes,
    })

    width = max(len(x["what"]) for x in results)
    print(f"{'benchmark (Cortex-M0+ estimate, emml.profile)':<{width}}  {'cycles':>9}  {'flash B':>8}")
    for x in results:
        print(f"{x['what']:<{width}}  {x['cycles']:>9}  {x['flash_bytes']:>8}")
    out_path = repo_root() / "bench" / "results" / "dsp.json"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps({
        "board": BOARD, "cycle_model": "Cortex-M0+ estimate from emml.profile (ARMv6-M timing table, "
        "zero wait states, single-cycle multiplier)", "config": CFG.__dict__ | {"fmax": CFG.fmax},
        "results": results,
        "emlearn": "not measured yet",
    }, indent=2, sort_keys=True) + "\n")
    print(f"wrote {out_path.relative_to(repo_root())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
