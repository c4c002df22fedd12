"""DSP front-end benchmark: estimated Cortex-M0+ cycles (emml.profile, an
emulator-based ESTIMATE, zero wait states) and flash (code + const tables,
from the ELF's symbol sizes: the functions of the library files each job
uses, plus its tables) for the q15 FFT, log-mel frame, MFCC, biquad cascade
and HAR feature vector; built for qemu_m0 (Cortex-M0, -Os as the firmware
builds). The same jobs built for qemu_rv32e (RV32EC, no multiply
instruction) give exact instruction counts (no cycle model for that core).

    python bench/bench_dsp.py            # prints a table, writes bench/results/dsp.json

emlearn 0.23.2 (pip install emlearn==0.23.2; bench-only) is measured side by
side: its FFT (eml_fft.h, float complex radix-2), IIR (eml_iir.h, float
biquads) and mel spectrogram (eml_audio.h: Hann, FFT, power, mel filters)
compiled the same way (Cortex-M0+ firmware for qemu_m0, -Os, soft float: the
dollar chips have no FPU) and profiled with the same profiler. Its headers
define functions and miss casts, so they are built in their own image with
warnings off (-w), the code unchanged.
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
from emml.dsp.har import HarConfig
from emml.paths import build_dir, repo_root
from emml.profile import profile_function

BOARD = "qemu_m0"
CFG = LogMelConfig(sample_rate=16000, n_fft=512, hop_length=256, n_mels=40, n_mfcc=13)
SOS = signal.butter(4, 0.1, output="sos")  # 2 sections
HAR = HarConfig(window=52, sample_rate=26)  # 2 s at 26 Hz, x/y/z/mag, all stats, 6 bands

BENCH_C = r"""
#include <stddef.h>

#include "board.h"
#include "bench_iir.h"
#include "benchhar.h"
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
void bench_har(const int16_t *xyz, int16_t *scratch, int32_t *out);

void bench_har(const int16_t *xyz, int16_t *scratch, int32_t *out)
{
    benchhar_features(xyz, scratch, out);
}

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
        bench_har(NULL, NULL, NULL);
    }
    return (int)(bench_fft_init(256) + bench_logmel_init() + bench_iir_init());
}
"""


def build(board: str = BOARD):
    out = build_dir() / "bench_dsp" / CFG.digest()
    out.mkdir(parents=True, exist_ok=True)
    CFG.write_c("benchlm", out, f32=False)
    HAR.write_c("benchhar", out)
    coeffs, shifts = iir.quantize_sos(SOS)
    (out / "bench_iir.h").write_text(
        '#include "emml/iir.h"\n'
        f"#define BENCH_IIR_SECTIONS {len(shifts)}\nextern const emml_iir_coeffs_q15_t bench_biquad;\n")
    (out / "bench_iir.c").write_text('#include "bench_iir.h"\n' + codegen.iir_c("bench_biquad", SOS))
    (out / "bench_main.c").write_text(BENCH_C)
    image = firmware.build(board, [out / "bench_main.c", out / "benchlm.c", out / "bench_iir.c", out / "benchhar.c"],
                           include_dirs=[out], name="bench_dsp")
    return image.elf


EML_C = r"""
#include <stddef.h>
#include <stdint.h>

#include "board.h"
#include "eml_audio.h"
#include "eml_iir.h"

#define N_FFT 512
#define N_MELS 40

static float fft_sin[N_FFT / 2], fft_cos[N_FFT / 2];
static float re[N_FFT], im[N_FFT], tmp[N_FFT];
static float iir_states[4 * 2];
static const float sos[12] = { SOS_COEFFS };

int32_t eml_bench_fft_init(uint32_t n);
int32_t eml_bench_fft(const int16_t *x, uint32_t n);
int32_t eml_bench_mel_init(void);
int32_t eml_bench_mel(const int16_t *x);
int32_t eml_bench_iir_init(void);
int32_t eml_bench_iir(const int16_t *x, uint32_t n);

int32_t eml_bench_fft_init(uint32_t n)
{
    EmlFFT fft = { (int)(n / 2u), fft_sin, fft_cos };
    uint32_t i;
    for (i = 0; i < n; i++) { re[i] = 0.0f; im[i] = 0.0f; }
    return (int32_t)eml_fft_fill(fft, n);
}

/* the time of the FFT alone: the caller subtracts eml_bench_fft_init (same
 * table fill, same input copy) */
int32_t eml_bench_fft(const int16_t *x, uint32_t n)
{
    EmlFFT fft = { (int)(n / 2u), fft_sin, fft_cos };
    uint32_t i;
    EmlError e = eml_fft_fill(fft, n);
    for (i = 0; i < n; i++) { re[i] = 0.0f; im[i] = 0.0f; }
    for (i = 0; i < n; i++) { re[i] = (float)x[i] * (1.0f / 32768.0f); }
    return (int32_t)e + (int32_t)eml_fft_forward(fft, re, im, n);
}

int32_t eml_bench_mel_init(void)
{
    EmlFFT fft = { N_FFT / 2, fft_sin, fft_cos };
    uint32_t i;
    for (i = 0; i < N_FFT; i++) { re[i] = 0.0f; }
    return (int32_t)eml_fft_fill(fft, N_FFT);
}

int32_t eml_bench_mel(const int16_t *x)
{
    EmlFFT fft = { N_FFT / 2, fft_sin, fft_cos };
    EmlAudioMel mel = { N_MELS, 0.0f, SAMPLE_RATE / 2.0f, N_FFT, SAMPLE_RATE };
    EmlVector inout = { re, N_FFT }, temp = { tmp, N_FFT };
    uint32_t i;
    EmlError e = eml_fft_fill(fft, N_FFT);
    for (i = 0; i < N_FFT; i++) { re[i] = 0.0f; }
    for (i = 0; i < N_FFT; i++) { re[i] = (float)x[i] * (1.0f / 32768.0f); }
    return (int32_t)e + (int32_t)eml_audio_melspectrogram(mel, fft, inout, temp);
}

int32_t eml_bench_iir_init(void)
{
    uint32_t i;
    for (i = 0; i < 8u; i++) { iir_states[i] = 0.0f; }
    return 0;
}

int32_t eml_bench_iir(const int16_t *x, uint32_t n)
{
    EmlIIR f = { 2, iir_states, 8, sos, 12 };
    uint32_t i;
    float acc = 0.0f;
    for (i = 0; i < 8u; i++) { iir_states[i] = 0.0f; }
    for (i = 0; i < n; i++) { acc += eml_iir_filter(f, (float)x[i]); }
    return (int32_t)acc;
}

int main(void)
{
    volatile int run = 0;
    board_init();
    if (run) {
        (void)eml_bench_fft(NULL, 256u);
        (void)eml_bench_mel(NULL);
        (void)eml_bench_iir(NULL, 0u);
    }
    return (int)(eml_bench_fft_init(256u) + eml_bench_mel_init() + eml_bench_iir_init());
}
"""


def build_emlearn():
    """emlearn's FFT / IIR / mel in a qemu_m0 image, or None when emlearn is absent."""
    try:
        import emlearn
    except ImportError:
        return None
    out = build_dir() / "bench_dsp" / "emlearn"
    out.mkdir(parents=True, exist_ok=True)
    coeffs = ", ".join(codegen._fmt(v, "float") for v in np.asarray(SOS, dtype=np.float64).reshape(-1))
    (out / "eml_bench.c").write_text(EML_C.replace("SOS_COEFFS", coeffs))
    image = firmware.build(BOARD, [out / "eml_bench.c"], include_dirs=[Path(emlearn.includedir)],
                           defines=["M_PI=3.14159265358979323846", f"SAMPLE_RATE={CFG.sample_rate}"],
                           extra_cflags=["-w"], name="bench_emlearn")
    (out / "empty.c").write_text('#include "board.h"\nint main(void)\n{\n    board_init();\n    return 0;\n}\n')
    empty = firmware.build(BOARD, [out / "empty.c"], name="bench_empty")
    return image.elf, image.flash_bytes - empty.flash_bytes, image.ram_bytes - empty.ram_bytes


def _nm(path, *flags) -> list[list[str]]:
    b = boards.load(BOARD)
    text = subprocess.run([b.toolchain_prefix + "nm", "-S", *flags, str(path)],
                          capture_output=True, text=True, check=True).stdout
    return [line.split() for line in text.splitlines()]


def symbol_sizes(elf) -> dict[str, int]:
    sizes = {}
    for parts in _nm(elf, "--size-sort"):
        if len(parts) == 4:
            sizes[parts[3]] = sizes.get(parts[3], 0) + int(parts[1], 16)
    return sizes


def library_functions(elf) -> dict[str, set[str]]:
    """{library file ("fft.c"): the names of its functions} from the
    image's object files (static helpers and assembly loops included)."""
    out: dict[str, set[str]] = {}
    for obj in sorted((Path(elf).parent / "obj").glob("*.o")):
        src = obj.name.split("_", 1)[1][: -len(".o")]
        out[src] = {p[3] for p in _nm(obj, "--defined-only") if len(p) == 4 and p[2] in "tT"}
    return out


def flash(sizes, names) -> int:
    missing = [n for n in names if n not in sizes]
    if missing:
        raise KeyError(f"symbols not in the ELF: {missing}")
    return sum(sizes[n] for n in names)


def code_of(sizes, funcs, files, exclude=()) -> list[str]:
    """The functions of `files` that the linked image kept (minus exclude)."""
    names = set().union(*(funcs.get(f, set()) for f in files)) - set(exclude)
    return sorted(n for n in names if n in sizes)


def _har_window(rng) -> np.ndarray:
    from emml import datasets

    d = datasets.find("st_har_26hz")
    csv = None if d is None else d / "dataset" / "walking" / "walking_01_26Hz_4g_mg.csv"
    if csv is not None and csv.is_file():
        return np.loadtxt(csv, delimiter=",", dtype=np.int64)[:HAR.window].astype(np.int16)
    return rng.normal(0, 500, (HAR.window, 3)).astype(np.int16)


def measure_emlearn(rng, frame, iir_in, results) -> dict | str:
    """emlearn's cycles for the same jobs; results[i]['emlearn_*'] filled in."""
    built = build_emlearn()
    if built is None:
        return "not measured: emlearn is not installed (pip install emlearn==0.23.2)"
    elf, flash_all, ram_all = built
    import emlearn

    out = {"version": getattr(emlearn, "__version__", "0.23.2"), "results": {},
           "flash_bytes_all": flash_all, "ram_bytes_all": ram_all,
           "flash_note": "the whole emlearn image (FFT, IIR, mel together) minus an empty one: its code, "
                         "soft float and the libm functions it calls (sinf, cosf, powf, log10); its FFT "
                         "tables and buffers are filled at run time in RAM (ram_bytes_all)"}
    limit = 200_000_000

    def run(fn, args=()):
        r = profile_function(elf, fn, args, max_instructions=limit)
        assert r.return_value == 0 or fn == "eml_bench_iir", f"{fn} returned {r.return_signed}"
        return r

    by_what = {x["what"]: x for x in results}
    for n in (256, 512):
        x = rng.integers(-32768, 32768, n).astype(np.int16)
        r, base = run("eml_bench_fft", (x, n)), run("eml_bench_fft_init", (n,))
        what = f"{n}-point real FFT, q15"
        out["results"][what] = {"cycles": r.cycles - base.cycles, "what": f"eml_fft_forward, {n}-point float complex "
                                "(real input, zero imaginary part)"}
    r, base = run("eml_bench_mel", (frame,)), run("eml_bench_mel_init")
    what = next(w for w in by_what if "log-mel frame" in w)
    out["results"][what] = {"cycles": r.cycles - base.cycles, "what": "eml_audio_melspectrogram, 512 float, "
                            "40 HTK mels (Hann, FFT, power, mel; no log)"}
    n = len(iir_in)
    r, base = run("eml_bench_iir", (iir_in, n)), run("eml_bench_iir_init")
    what = next(w for w in by_what if "biquad" in w)
    out["results"][what] = {"cycles": round((r.cycles - base.cycles) / n, 1),
                            "what": "eml_iir_filter, 2 float sections, per sample"}
    for what, e in out["results"].items():
        by_what[what]["emlearn_cycles"] = e["cycles"]
        by_what[what]["ratio_to_emlearn"] = round(by_what[what]["cycles"] / e["cycles"], 4)
    return out


#: libgcc helpers the jobs may call (integer division, 64-bit arithmetic)
LIBGCC = ("__udivsi3", "__aeabi_uidiv", "__aeabi_uidivmod", "__divsi3", "__aeabi_idiv", "__aeabi_idivmod",
          "__aeabi_uldivmod", "__udivmoddi4", "__aeabi_lmul", "__muldi3", "__aeabi_llsr", "__lshrdi3",
          "__aeabi_llsl", "__ashldi3", "__clzsi2", "__clzdi2", "__aeabi_ldiv0", "__aeabi_idiv0")


def _speech_frame(rng) -> np.ndarray:
    try:
        from scipy.io import wavfile

        from emml import datasets

        d = datasets.find("fsdd")
        if d is not None:
            x = wavfile.read(d / "recordings" / "3_jackson_0.wav")[1]
            fr = CFG.frames(x)
            return fr[len(fr) // 2].astype(np.int16)
    except (OSError, ValueError):
        pass
    return rng.normal(0, 3000, CFG.n_fft).astype(np.int16)


def main() -> int:
    elf = build()
    sizes = symbol_sizes(elf)
    funcs = library_functions(elf)
    libgcc = [n for n in LIBGCC if n in sizes]
    try:
        rv_elf = build("qemu_rv32e")
    except Exception as e:  # noqa: BLE001 - the RISC-V toolchain is optional for the table
        rv_elf, rv_note = None, f"not measured: {e}"
    rng = np.random.default_rng(0)
    results = []

    def run(fn, args=(), base=None, base_args=(), per=1):
        """(M0+ cycles, M0+ instructions, RV32E instructions, stack, result) of fn minus base."""
        r = profile_function(elf, fn, args)
        c, i = r.cycles, r.instructions
        if base:
            b = profile_function(elf, base, base_args)
            c, i = c - b.cycles, i - b.instructions
        rv = None
        if rv_elf is not None:
            q = profile_function(rv_elf, fn, args, max_instructions=100_000_000)
            rv = q.instructions - (profile_function(rv_elf, base, base_args).instructions if base else 0)
            assert all(np.array_equal(q.buffers[k], v) for k, v in r.buffers.items()), f"{fn}: RV32E differs"
        f = (lambda v: v if per == 1 else round(v / per, 1))
        return f(c), f(i), (None if rv is None else f(rv)), r.stack_bytes, r

    fft_files = ["fft.c"]
    for n in (256, 512):
        x = rng.integers(-32768, 32768, n).astype(np.int16)
        c, i, rv, st, r = run("bench_fft", (x, n), "bench_fft_init", (n,))
        assert r.return_value == 0
        code = code_of(sizes, funcs, fft_files) + ["emml_clz32"]
        results.append({
            "what": f"{n}-point real FFT, q15", "cycles": c, "instructions": i, "rv32e_instructions": rv,
            "flash_bytes": flash(sizes, code) + 2 * n,
            "flash_note": "fft.c code (radix-4 + split; the assembly loops on ARMv6-M) + a twiddle table "
                          "for this size", "stack_bytes": st,
        })

    frame = _speech_frame(rng)
    work = np.zeros(CFG.n_fft, np.int16)
    out = np.zeros(CFG.n_mels, np.int16)
    c, i, rv, st, r = run("bench_logmel", (frame, work, out), "bench_logmel_init")
    assert r.return_value == 0
    assert np.array_equal(r.buffers[2], CFG.logmel_q15(frame[None, :])[0]), "profiled log-mel differs from reference"
    lm_tables = ["benchlm_fft_q15_twiddle", "benchlm_window_q15_coeffs", "benchlm_band_start",
                 "benchlm_band_offset", "benchlm_mel_weights_q15", "benchlm_mel_log2_offset",
                 "benchlm_fft_q15", "benchlm_window_q15", "benchlm_mel_q15", "log2_table_q16"]
    lm_code = (code_of(sizes, funcs, ["fft.c", "mel.c", "window.c"], exclude=["emml_mfcc_q15", "emml_mfcc_check_q15"])
               + ["emml_log2_q16", "emml_clz32"])
    results.append({
        "what": f"{CFG.n_fft}-point / {CFG.n_mels}-band q15 log-mel frame ({CFG.sample_rate} Hz)",
        "cycles": c, "instructions": i, "rv32e_instructions": rv,
        "flash_bytes": flash(sizes, lm_code + [t for t in lm_tables if t in sizes]),
        "flash_note": "code + twiddles + window + mel tables", "stack_bytes": st,
        "ram_bytes": 2 * CFG.n_fft, "goal_cycles": 100000,
    })
    logmel = r.buffers[2].astype(np.int16)
    mf = np.zeros(CFG.n_mfcc, np.int16)
    c, i, rv, st, r = run("bench_mfcc", (logmel, mf))
    assert np.array_equal(r.buffers[1], CFG.mfcc_q15(logmel[None, :])[0])
    results.append({
        "what": f"MFCC ({CFG.n_mfcc} of {CFG.n_mels}, q15 DCT-II) after the log-mel",
        "cycles": c, "instructions": i, "rv32e_instructions": rv,
        "flash_bytes": flash(sizes, ["emml_mfcc_q15", "benchlm_dct_q15", "benchlm_mfcc_q15"]),
        "flash_note": "code + DCT table", "stack_bytes": st,
    })
    n = 256
    xin = rng.normal(0, 5000, n).astype(np.int16)
    yout = np.zeros(n, np.int16)
    c, i, rv, st, r = run("bench_iir", (xin, yout, n), "bench_iir_init", per=n)
    coeffs, shifts = iir.quantize_sos(SOS)
    assert np.array_equal(r.buffers[1], iir.sosfilt_q15(coeffs, shifts, xin))
    results.append({
        "what": f"biquad cascade q15, {len(shifts)} sections (4th-order Butterworth), per sample",
        "cycles": c, "instructions": i, "rv32e_instructions": rv,
        "flash_bytes": flash(sizes, ["emml_iir_init_q15", "emml_iir_process_q15", "bench_biquad_coeffs",
                                     "bench_biquad_shift", "bench_biquad"]),
        "flash_note": "code + coefficients", "stack_bytes": st,
    })

    xyz = _har_window(rng)
    scratch = np.zeros(HAR.scratch_len, np.int16)
    feats = np.zeros(HAR.n_features, np.int32)
    c, i, rv, st, r = run("benchhar_features", (xyz, scratch, feats))
    assert np.array_equal(r.buffers[2], HAR.features(xyz[None])[0]), "profiled HAR features differ"
    har_code = (code_of(sizes, funcs, ["features.c", "fft.c"], exclude=["emml_har_to_f32"])
                + ["emml_isqrt_u64", "emml_isqrt_u32", "emml_clz32", "benchhar_features"] + libgcc)
    results.append({
        "what": f"HAR feature vector, {HAR.window} frames at {HAR.sample_rate:g} Hz "
                f"({HAR.n_features} features, {HAR.fft_size}-pt FFT x 4)",
        "cycles": c, "instructions": i, "rv32e_instructions": rv,
        "flash_bytes": flash(sizes, har_code + ["benchhar_twiddle", "benchhar_bands", "benchhar_har"]),
        "flash_note": "code (features, FFT, isqrt, libgcc division helpers) + twiddles + bands",
        "stack_bytes": st, "ram_bytes": 2 * HAR.scratch_len + 4 * HAR.n_features,
    })

    eml = measure_emlearn(rng, frame, xin, results)

    width = max(len(x["what"]) for x in results)
    print(f"{'benchmark (Cortex-M0+ estimate, emml.profile)':<{width}}  {'cycles':>9}  {'flash B':>8}"
          f"  {'RV32E instr':>11}  {'emlearn':>10}  {'ratio':>6}")
    for x in results:
        e = eml.get("results", {}).get(x["what"]) if isinstance(eml, dict) else None
        extra = f"  {e['cycles']:>10}  {x['cycles'] / e['cycles']:>6.3f}" if e else ""
        rv = "-" if x["rv32e_instructions"] is None else x["rv32e_instructions"]
        print(f"{x['what']:<{width}}  {x['cycles']:>9}  {x['flash_bytes']:>8}  {rv:>11}{extra}")
    out_path = repo_root() / "bench" / "results" / "dsp.json"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps({
        "board": BOARD, "cycle_model": "Cortex-M0+ estimate from emml.profile (ARMv6-M timing table, "
        "zero wait states, single-cycle multiplier)",
        "rv32e": "instructions on qemu_rv32e (RV32EC, no multiply instruction), exact counts from emml.profile"
                 if rv_elf is not None else rv_note,
        "config": CFG.__dict__ | {"fmax": CFG.fmax},
        "results": results,
        "emlearn": eml,
    }, indent=2, sort_keys=True) + "\n")
    print(f"wrote {out_path.relative_to(repo_root())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
