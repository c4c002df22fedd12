"""Activity-recognition (HAR) features: the configuration object that writes
the C (emml/features.h) and the bit-exact integer reference of
emml_har_compute, plus a float64 reference of the same definitions.

    cfg = HarConfig(window=52, sample_rate=26)      # 2 s at 26 Hz
    cfg.features(windows)        # (W, 52, 3) int16 -> (W, F) int32, what the MCU computes
    cfg.features_f32(windows)    # the same in input units (emml_har_to_f32)
    cfg.write_c("har", out_dir)  # har.h / har.c: config, tables, har_features()

Definitions, formats and scaling are in lib/emml/include/emml/features.h.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from emml.runtime import minor_version_guard

from . import codegen
from . import fft as _fft
from . import fixedpoint as fx
from . import iir as _iir

CHANNELS = ("x", "y", "z", "mag")
STATS = ("mean", "std", "min", "max", "rms", "energy", "crossings", "q25", "median", "q75")
GRAVITY = ("none", "mean", "filter")
MAX_LEN = 1024
MAX_BANDS = 32
INT32_MAX = 2**31 - 1
DEFAULT_BANDS = ((0.0, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, 5.0), (5.0, 8.0), (8.0, 13.0))


@dataclass(frozen=True)
class HarConfig:
    """HAR feature extractor for windows of `window` frames of (x, y, z).

    channels: subset of ("x", "y", "z", "mag"), output in that order.
    stats: subset of STATS, output in STATS order, then the band energies.
    bands_hz: (low, high) pairs in Hz; bin k (frequency k fs / n_fft) is in a
        band when low <= f < high (high >= fs/2 includes the Nyquist bin).
    gravity: "none", "mean" (per-window mean removal) or "filter" (one-pole
        gravity filter with cutoff gravity_cutoff_hz, body acceleration).
    energy_frac: fraction bits of energy and band energies (0..8).
    n_fft: FFT size (default: next power of two >= max(window, 32)).
    """

    window: int = 52
    sample_rate: float = 26.0
    channels: tuple = CHANNELS
    stats: tuple = STATS
    bands_hz: tuple = DEFAULT_BANDS
    gravity: str = "none"
    gravity_cutoff_hz: float = 0.3
    energy_frac: int = 0
    n_fft: int | None = None

    def __post_init__(self):
        object.__setattr__(self, "channels", tuple(self.channels))
        object.__setattr__(self, "stats", tuple(self.stats))
        object.__setattr__(self, "bands_hz", tuple((float(a), float(b)) for a, b in self.bands_hz))
        if not 1 <= int(self.window) <= MAX_LEN:
            raise ValueError(f"window must be 1..{MAX_LEN} frames, not {self.window}")
        bad = [c for c in self.channels if c not in CHANNELS]
        if bad or not self.channels or len(set(self.channels)) != len(self.channels):
            raise ValueError(f"channels must be distinct names from {CHANNELS}, got {self.channels}")
        bad = [s for s in self.stats if s not in STATS]
        if bad or len(set(self.stats)) != len(self.stats):
            raise ValueError(f"stats must be distinct names from {STATS}, got {self.stats}")
        if self.gravity not in GRAVITY:
            raise ValueError(f"gravity must be one of {GRAVITY}")
        if not 0 <= self.energy_frac <= 8:
            raise ValueError("energy_frac must be 0..8")
        if len(self.bands_hz) > MAX_BANDS:
            raise ValueError(f"at most {MAX_BANDS} bands")
        nf = self.fft_size
        if nf < self.window:
            raise ValueError("n_fft must be >= window")
        _fft.check_size(nf)
        self.band_bins()  # validates the bands

    # ---- derived ------------------------------------------------------
    @property
    def fft_size(self) -> int:
        if self.n_fft:
            return int(self.n_fft)
        return max(_fft.MIN_SIZE, 1 << (int(self.window) - 1).bit_length())

    def band_bins(self) -> list[tuple[int, int]]:
        """(first bin, end bin) per band, end exclusive."""
        nf, fs = self.fft_size, float(self.sample_rate)
        f = np.arange(nf // 2 + 1) * fs / nf
        out = []
        for lo, hi in self.bands_hz:
            sel = (f >= lo) & ((f < hi) | ((hi >= fs / 2) & (np.arange(len(f)) == nf // 2)))
            k = np.flatnonzero(sel)
            if len(k) == 0:
                raise ValueError(f"band {lo}-{hi} Hz holds no FFT bin (bin spacing {fs / nf:.3g} Hz); "
                                 "widen it or raise n_fft")
            out.append((int(k[0]), int(k[-1]) + 1))
        return out

    @property
    def gravity_alpha_q15(self) -> int:
        return _iir.gravity_alpha_q15(self.gravity_cutoff_hz, self.sample_rate)

    @property
    def n_features(self) -> int:
        return len(self.channels) * (len(self.stats) + len(self.bands_hz))

    @property
    def scratch_len(self) -> int:
        """int16 elements of scratch (EMML_HAR_SCRATCH_LEN)."""
        n = int(self.window)
        return self.fft_size + n + (3 * n if self.gravity == "filter" else 0)

    def _ordered_stats(self):
        return [s for s in STATS if s in self.stats]

    def _ordered_channels(self):
        return [c for c in CHANNELS if c in self.channels]

    def feature_names(self) -> list[str]:
        names = []
        for c in self._ordered_channels():
            names += [f"{c}_{s}" for s in self._ordered_stats()]
            names += [f"{c}_band_{lo:g}_{hi:g}hz" for lo, hi in self.bands_hz]
        return names

    def feature_scales(self) -> np.ndarray:
        """Float view = int32 feature * scale (emml_har_to_f32)."""
        e = 2.0 ** -self.energy_frac
        per = [e if s == "energy" else 1.0 if s == "crossings" else 1.0 / 16 for s in self._ordered_stats()]
        per += [e] * len(self.bands_hz)
        return np.array(per * len(self.channels), dtype=np.float64)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]

    # ---- references ---------------------------------------------------
    def _check_windows(self, windows) -> np.ndarray:
        w = np.asarray(windows)
        if w.ndim == 2 and w.shape[-1] == 3 * self.window:
            w = w.reshape(len(w), self.window, 3)
        if w.ndim != 3 or w.shape[1:] != (self.window, 3):
            raise ValueError(f"windows must have shape (n_windows, {self.window}, 3), not {w.shape}")
        if w.dtype.kind not in "iu" or w.min(initial=0) < -32768 or w.max(initial=0) > 32767:
            raise ValueError("windows must hold int16 values")
        return w.astype(np.int64)

    def _sources(self, w: np.ndarray) -> np.ndarray:
        if self.gravity == "filter":
            alpha = self.gravity_alpha_q15
            return np.stack([_iir.gravity_q15(x, alpha)[0] for x in w]).astype(np.int64)
        return w

    def features(self, windows) -> np.ndarray:
        """Bit-exact model of emml_har_compute: (W, n, 3) int16 -> (W, F) int64
        (every value fits int32)."""
        w = self._sources(self._check_windows(windows))
        cols = []
        for c in self._ordered_channels():
            if c == "mag":
                s = (w * w).sum(axis=2)
                r = fx.isqrt(s).astype(np.int64)
                u, bias = r + (s - r * r > r), 0  # rounded to nearest
            else:
                u, bias = w[:, :, CHANNELS.index(c)] + 32768, 32768
            cols.append(self._channel(u, bias))
        return np.concatenate(cols, axis=1) if cols else np.zeros((len(w), 0), np.int64)

    def _channel(self, u: np.ndarray, bias: int) -> np.ndarray:
        n, nw = int(self.window), len(u)
        ef = self.energy_frac
        s1 = u.sum(axis=1)
        s2 = (u * u).sum(axis=1)
        mq = (32 * s1 + n) // (2 * n)
        d = mq if self.gravity == "mean" else np.full(nw, 16 * bias, np.int64)
        out = []
        st = set(self.stats)
        if "mean" in st:
            out.append(mq - 16 * bias)
        if "std" in st:
            out.append(fx.isqrt((n * s2 - s1 * s1) << 8) // n)
        if "min" in st:
            out.append(16 * u.min(axis=1) - d)
        if "max" in st:
            out.append(16 * u.max(axis=1) - d)
        if "rms" in st or "energy" in st:
            a = (s2 << 8) - ((d * s1) << 5) + n * d * d
            ms = a // n
            if "rms" in st:
                out.append(fx.isqrt(ms))
            if "energy" in st:
                out.append(np.minimum(ms >> (8 - ef), INT32_MAX))
        if "crossings" in st:
            pos = 16 * u >= mq[:, None]
            out.append((pos[:, 1:] != pos[:, :-1]).sum(axis=1).astype(np.int64))
        if {"q25", "median", "q75"} & st:
            srt = np.sort(u, axis=1)
            for k, name in ((1, "q25"), (2, "median"), (3, "q75")):
                if name not in st:
                    continue
                p = k * (n - 1)
                lo, r = p >> 2, p & 3
                s_lo = srt[:, lo]
                s_hi = srt[:, lo + 1] if r else s_lo
                out.append(16 * s_lo + 4 * r * (s_hi - s_lo) - d)
        if self.bands_hz:
            out += list(self._bands(u, mq).T)
        return np.stack(out, axis=1) if out else np.zeros((nw, 0), np.int64)

    def _bands(self, u: np.ndarray, mq: np.ndarray) -> np.ndarray:
        n, nf, ef = int(self.window), self.fft_size, self.energy_frac
        c = 16 * u - mq[:, None]
        maxabs = np.abs(c).max(axis=1)
        sh = np.where(maxabs == 0, 0, fx.clz32(maxabs) - 18)
        left = np.maximum(sh, 0)[:, None]
        right = np.maximum(-sh, 0)[:, None]
        rnd = np.where(right > 0, np.left_shift(1, np.maximum(right - 1, 0)), 0)
        x = np.where(sh[:, None] >= 0, c << left, (c + rnd) >> right)
        buf = np.zeros((len(u), nf), np.int64)
        buf[:, :n] = x
        spec = _fft.rfft_q15(buf.astype(np.int16)).astype(np.int64)
        p = _fft.power_q15(spec)  # (W, nf/2 + 1)
        g = np.full(nf // 2 + 1, 2, np.int64)
        g[0] = g[-1] = 1
        e = ef - 2 * sh - 8 + (nf.bit_length() - 1)
        out = np.zeros((len(u), len(self.bands_hz)), np.int64)
        for b, (k0, k1) in enumerate(self.band_bins()):
            P = (p[:, k0:k1] * g[k0:k1]).sum(axis=1)
            pos = np.left_shift(P, np.maximum(e, 0)) // n
            neg = (P // n) >> np.minimum(np.maximum(-e, 0), 63)
            q = np.where(e >= 0, pos, neg)
            out[:, b] = np.minimum(np.where(maxabs == 0, 0, q), INT32_MAX)
        return out

    def features_f32(self, windows) -> np.ndarray:
        """The float view of the integer features (emml_har_to_f32), float32."""
        return (self.features(windows) * self.feature_scales()).astype(np.float32)

    def features_f64(self, windows) -> np.ndarray:
        """The same definitions in float64 numpy (no rounding anywhere):
        what the integer features approximate."""
        w = self._check_windows(windows).astype(np.float64)
        if self.gravity == "filter":
            w = self._sources(w.astype(np.int64)).astype(np.float64)  # the filter is defined in q15
        n, nf = int(self.window), self.fft_size
        cols = []
        for c in self._ordered_channels():
            v = np.sqrt((w * w).sum(axis=2)) if c == "mag" else w[:, :, CHANNELS.index(c)]
            mean = v.mean(axis=1)
            cen = mean if self.gravity == "mean" else np.zeros_like(mean)
            vc = v - cen[:, None]
            f = {}
            f["mean"] = mean
            f["std"] = v.std(axis=1)
            f["min"], f["max"] = vc.min(axis=1), vc.max(axis=1)
            ms = (vc * vc).mean(axis=1)
            f["rms"], f["energy"] = np.sqrt(ms), ms
            pos = v >= mean[:, None]
            f["crossings"] = (pos[:, 1:] != pos[:, :-1]).sum(axis=1).astype(np.float64)
            for q, name in ((25, "q25"), (50, "median"), (75, "q75")):
                f[name] = np.percentile(vc, q, axis=1)
            out = [f[s] for s in self._ordered_stats()]
            if self.bands_hz:
                X = np.fft.rfft(v - mean[:, None], n=nf, axis=1)
                g = np.full(nf // 2 + 1, 2.0)
                g[0] = g[-1] = 1.0
                pw = np.abs(X) ** 2 * g / (nf * n)
                out += [pw[:, k0:k1].sum(axis=1) for k0, k1 in self.band_bins()]
            cols.append(np.stack(out, axis=1))
        return np.concatenate(cols, axis=1)

    # ---- C ------------------------------------------------------------
    def _masks(self) -> tuple[int, int]:
        ch = sum(1 << CHANNELS.index(c) for c in self.channels)
        st = sum(1 << STATS.index(s) for s in self.stats)
        return ch, st

    @property
    def _gravity_c(self) -> str:
        return "EMML_HAR_GRAVITY_" + self.gravity.upper()

    def header_c(self, name: str) -> str:
        P = codegen.c_ident(name).upper()
        names = self.feature_names()
        scales = self.feature_scales()
        table = "\n".join(f" *   {i:3d}  {nm:<24s} x {sc:g}" for i, (nm, sc) in enumerate(zip(names, scales)))
        g = self._gravity_c
        return "\n".join([
            f"/* Generated by emml.dsp.HarConfig (config {self.digest()}). Do not edit.",
            f" * HAR features of a {self.window}-frame window (x, y, z interleaved int16) at "
            f"{self.sample_rate:g} Hz, gravity {self.gravity}, {self.fft_size}-point FFT.",
            " * Features (int32; float value = int32 x scale, see emml/features.h):",
            table, " */",
            f"#ifndef {P}_HAR_H", f"#define {P}_HAR_H", "", minor_version_guard(name),
            '#include "emml/features.h"', "",
            f"#define {P}_WINDOW {self.window}u",
            f"#define {P}_N_FFT {self.fft_size}u",
            f"#define {P}_N_FEATURES {self.n_features}u",
            f"#define {P}_GRAVITY {g}",
            f"#define {P}_ENERGY_FRAC {self.energy_frac}u",
            f"/* RAM: scratch {self.scratch_len} x int16 = {2 * self.scratch_len} bytes, "
            f"output {self.n_features} x int32 = {4 * self.n_features} bytes */",
            f"#define {P}_SCRATCH_LEN EMML_HAR_SCRATCH_LEN({P}_WINDOW, {P}_N_FFT, {P}_GRAVITY)", "",
            "#ifdef __cplusplus", 'extern "C" {', "#endif",
            f"extern const emml_har_config_t {name}_har;", "",
            f"/* emml_har_check(&{name}_har): call once, EMML_OK expected. */",
            f"emml_status_t {name}_check(void);", "",
            f"/* xyz[3 * {P}_WINDOW] -> out[{P}_N_FEATURES]; scratch[{P}_SCRATCH_LEN]. */",
            f"void {name}_features(const int16_t *xyz, int16_t *scratch, int32_t *out);",
            "#ifdef __cplusplus", "}", "#endif", "", f"#endif /* {P}_HAR_H */", "",
        ])

    def source_c(self, name: str) -> str:
        codegen.c_ident(name)
        nf = self.fft_size
        ch, st = self._masks()
        bins = np.array(self.band_bins(), dtype=np.uint16).reshape(-1)
        parts = [
            codegen.c_array(f"{name}_twiddle", _fft.twiddle_q15(nf), np.int16,
                            f"W[k] = (cos, -sin)(2 pi k / {nf}), k < {nf // 2}; q15"),
        ]
        if len(bins):
            parts.append(codegen.c_array(f"{name}_bands", bins, np.uint16,
                                         "(first bin, end bin) per band: "
                                         + ", ".join(f"{lo:g}-{hi:g} Hz" for lo, hi in self.bands_hz)))
        parts.append(
            f"const emml_har_config_t {name}_har = {{\n"
            f"    {self.window}u, 0x{st:03X}u, 0x{ch:X}u, {self._gravity_c}, "
            f"{self.energy_frac}u, {len(self.bands_hz)}u,\n"
            f"    {self.gravity_alpha_q15 if self.gravity == 'filter' else 0}, "
            f"{f'{name}_bands' if len(bins) else 'NULL'},\n"
            f"    {{ {nf}u, 1u, {name}_twiddle }},\n}};\n"
        )
        parts.append(
            f"emml_status_t {name}_check(void)\n{{\n    return emml_har_check(&{name}_har);\n}}\n\n"
            f"void {name}_features(const int16_t *xyz, int16_t *scratch, int32_t *out)\n{{\n"
            f"    emml_har_compute(&{name}_har, xyz, scratch, out);\n}}\n"
        )
        opts = json.dumps(asdict(self), sort_keys=True)
        return codegen.source_file(parts, [f"{name}.h"], f"HarConfig {opts}")

    def write_c(self, name: str, out_dir) -> tuple[Path, Path]:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        h, c = out / f"{name}.h", out / f"{name}.c"
        h.write_text(self.header_c(name))
        c.write_text(self.source_c(name))
        return h, c
