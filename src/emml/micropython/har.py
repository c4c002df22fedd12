"""HAR features (emml.dsp.HarConfig / HarFeatures) as MicroPython.

The module computes the int32 features of emml_har_compute with the integer
formulas of HarConfig.features (the bit-exact reference of the C): per
channel mean, std, min, max, rms, energy, mean crossings, quartiles and
frequency-band energies, with "none", "mean" or "filter" gravity handling.
Python integers are exact, so the features are identical to the C's on
every port.

Band energies run emml's q15 real FFT (lib/emml/src/fft.c, Python reference
emml.dsp.fft.rfft_q15) operation by operation on a list of ints: the same
stage plan (a radix-2 stage with W = 1 when log2(n_fft / 2) is odd, then
radix-4 stages), the same (p + 2^14) >> 15 product rounding, halving and
int16 saturation, and the same q15 twiddle table, so every bin is the C's.
"""

from __future__ import annotations

import numpy as np

from emml.micropython.emit import PyModule

_GRAVITY_CODE = """
def _gravity(xyz):
    # body acceleration: input minus the one-pole low-pass gravity estimate
    # (emml_gravity_process_q15, primed with the first frame)
    g = [xyz[0] * 32768, xyz[1] * 32768, xyz[2] * 32768]
    out = [0] * len(xyz)
    for t in range(0, len(xyz), 3):
        for a in range(3):
            y = xyz[t + a] * 32768 - g[a]
            g[a] += 2 * ALPHA * (y >> 16) + ((ALPHA * (y & 0xFFFF)) >> 15)
            v = xyz[t + a] - ((g[a] >> 15) + ((g[a] >> 14) & 1))
            out[t + a] = -32768 if v < -32768 else 32767 if v > 32767 else v
    return out
"""

_FFT_CODE = """
def _sat(v):
    return -32768 if v < -32768 else 32767 if v > 32767 else v


def _radix2(d):
    # odd log2(NF / 2): the FFT starts with a radix-2 stage, W = 1
    for p in range(0, NF, 4):
        ar = d[p]
        ai = d[p + 1]
        br = d[p + 2]
        bi = d[p + 3]
        d[p] = _sat((ar + br + 1) >> 1)
        d[p + 1] = _sat((ai + bi + 1) >> 1)
        d[p + 2] = _sat((ar - br + 1) >> 1)
        d[p + 3] = _sat((ai - bi + 1) >> 1)


def _radix4(d, p, q, w0, w1, w2, w3, w4, w5):
    # radix-4 butterflies from p on, every 4 q: A0 at p, A2 at p + q, A1 at
    # p + 2 q, A3 at p + 3 q; twiddles W^j (w0, w1), W^2j (w2, w3), W^3j (w4, w5)
    while p < NF:
        p1 = p + q
        p2 = p1 + q
        p3 = p2 + q
        xr = d[p2]
        xi = d[p2 + 1]
        ur = (w0 * xr - w1 * xi + 0x4000) >> 15
        ui = (w0 * xi + w1 * xr + 0x4000) >> 15
        xr = d[p3]
        xi = d[p3 + 1]
        vr = (w4 * xr - w5 * xi + 0x4000) >> 15
        vi = (w4 * xi + w5 * xr + 0x4000) >> 15
        ur, vr = ur + vr, ur - vr
        ui, vi = ui + vi, ui - vi
        xr = d[p1]
        xi = d[p1 + 1]
        tr = (w2 * xr - w3 * xi + 0x4000) >> 15
        ti = (w2 * xi + w3 * xr + 0x4000) >> 15
        ar = d[p] + 2  # + 2 rounds the >> 2
        ai = d[p + 1] + 2
        sr = ar + tr
        si = ai + ti
        ar -= tr
        ai -= ti
        d[p] = _sat((sr + ur) >> 2)
        d[p + 1] = _sat((si + ui) >> 2)
        d[p1] = _sat((ar + vi) >> 2)
        d[p1 + 1] = _sat((ai - vr) >> 2)
        d[p2] = _sat((sr - ur) >> 2)
        d[p2 + 1] = _sat((si - ui) >> 2)
        d[p3] = _sat((ar - vi) >> 2)
        d[p3 + 1] = _sat((ai + vr) >> 2)
        p += 4 * q


def _split(d):
    # the real signal's spectrum from the NF/2-point complex one
    ar = d[0]
    ai = d[1]
    d[0] = _sat((ar + ai + 1) >> 1)
    d[1] = _sat((ar - ai + 1) >> 1)
    a = 2
    b = NF - 2
    while a <= b:
        wr = TW[a]
        wi = TW[a + 1]
        ar = d[a]
        ai = d[a + 1]
        br = d[b]
        bi = d[b + 1]
        er = (ar + br + 1) >> 1
        ei = (ai - bi + 1) >> 1
        xr = (ai + bi + 1) >> 1
        xi = (br - ar + 1) >> 1
        tr = (wr * xr - wi * xi + 0x4000) >> 15
        ti = (wr * xi + wi * xr + 0x4000) >> 15
        d[a] = _sat((er + tr + 1) >> 1)
        d[a + 1] = _sat((ei + ti + 1) >> 1)
        d[b] = _sat((er - tr + 1) >> 1)  # a == b (k = NF/4): this write wins, as in the C
        d[b + 1] = _sat((ti - ei + 1) >> 1)
        a += 2
        b -= 2


def _rfft(d):
    # emml_fft_rfft_bitrev_q15: NF ints, complex pairs in bit-reversed order
    # -> packed spectrum X / NF in q15 (d[0] bin 0, d[1] bin NF/2, then re, im)
    m = NF >> 1
    h = 1
    if RADIX2_FIRST:
        _radix2(d)
        h = 2
    while h < m:
        # radix-4 stage: four h-point transforms -> one of 4h points
        step = m // (2 * h)
        for j in range(h):
            k = j * step
            if h == 1:
                _radix4(d, 0, 2, 32768, 0, 32768, 0, 32768, 0)  # W = 1 exactly, as the C
                continue
            k3 = 3 * k
            if k3 < m:
                w4 = TW[2 * k3]
                w5 = TW[2 * k3 + 1]
            else:  # W^(k + NF/2) = -W^k: the table holds k < NF/2
                w4 = -TW[2 * k3 - NF]
                w5 = -TW[2 * k3 - NF + 1]
            _radix4(d, 2 * j, 2 * h, TW[2 * k], TW[2 * k + 1], TW[4 * k], TW[4 * k + 1], w4, w5)
        h *= 4
    _split(d)


_WORK = [0] * NF


def _bands(u, mq, out):
    # band energies: 16 u - mq block-scaled so the largest |value| is in
    # [2^13, 2^14), zero padded to NF, real FFT, power summed per band
    top = 0
    for v in u:
        v = abs(16 * v - mq)
        if v > top:
            top = v
    if top == 0:
        out.extend([0] * (len(BANDS) // 2))
        return
    sh = 0
    while top >= 16384:
        top >>= 1
        sh -= 1
    while top < 8192:
        top <<= 1
        sh += 1
    rnd = 1 << (-sh - 1) if sh < 0 else 0
    d = _WORK  # allocated once: the micro:bit's small heap fragments
    for i in range(WINDOW, NF):
        d[2 * BITREV[i >> 1] + (i & 1)] = 0
    for i in range(WINDOW):
        v = 16 * u[i] - mq
        d[2 * BITREV[i >> 1] + (i & 1)] = v << sh if sh >= 0 else (v + rnd) >> -sh
    _rfft(d)
    e = EXP0 - 2 * sh
    m = NF >> 1
    for b in range(0, len(BANDS), 2):
        k0 = BANDS[b]
        k1 = BANDS[b + 1]
        p = 0
        for k in range(max(k0, 1), min(k1, m)):
            p += d[2 * k] * d[2 * k] + d[2 * k + 1] * d[2 * k + 1]
        p *= 2  # bins 0 and NF/2 count once, the others twice
        if k0 == 0:
            p += d[0] * d[0]
        if k1 > m:
            p += d[1] * d[1]
        p = (p << e) // WINDOW if e >= 0 else (p // WINDOW) >> -e
        out.append(min(p, 0x7FFFFFFF))
"""

_CODE = """
def _isqrt(v):
    # floor(sqrt(v)) of a non-negative integer (Newton from above)
    if v < 2:
        return v
    x = v
    y = (x + 1) >> 1
    while y < x:
        x = y
        y = (x + v // x) >> 1
    return x


def _channel(u, bias, out):
    n = WINDOW
    s1 = 0
    s2 = 0
    for v in u:
        s1 += v
        s2 += v * v
    mq = (32 * s1 + n) // (2 * n)
    d = mq if GRAVITY == 'mean' else 16 * bias
%s


def features(xyz):
    # xyz: 3 * WINDOW int16 samples, x, y, z interleaved -> N_FEATURES int32 features
    if len(xyz) != 3 * WINDOW:
        raise ValueError('features() takes 3 * WINDOW samples (x, y, z interleaved)')
%s
    out = []
    for c in CHANNELS:
%s
        a = 'xyz'.index(c)
        _channel([xyz[3 * t + a] + 32768 for t in range(WINDOW)], 32768, out)
    return out


def features_f32(xyz):
    # the float view (emml_har_to_f32): feature * SCALES
    f = features(xyz)
    return array('f', [f[i] * SCALES[i] for i in range(N_FEATURES)])
"""


def generate(config, name: str) -> str:
    from emml.dsp.har import STATS, HarConfig

    cfg = config
    if not isinstance(cfg, HarConfig):  # HarFeatures
        cfg = cfg._cfg()
    stats = [s for s in STATS if s in cfg.stats]
    lines = []
    if "mean" in stats:
        lines.append("    out.append(mq - 16 * bias)")
    if "std" in stats:
        lines.append("    out.append(_isqrt((n * s2 - s1 * s1) << 8) // n)")
    if "min" in stats:
        lines.append("    out.append(16 * min(u) - d)")
    if "max" in stats:
        lines.append("    out.append(16 * max(u) - d)")
    if "rms" in stats or "energy" in stats:
        lines.append("    ms = ((s2 << 8) - ((d * s1) << 5) + n * d * d) // n")
        if "rms" in stats:
            lines.append("    out.append(_isqrt(ms))")
        if "energy" in stats:
            lines.append(f"    out.append(min(ms >> {8 - cfg.energy_frac}, 0x7FFFFFFF))")
    if "crossings" in stats:
        lines += ["    crossings = 0", "    above = 16 * u[0] >= mq", "    for v in u:",
                  "        a = 16 * v >= mq", "        if a != above:", "            crossings += 1",
                  "        above = a", "    out.append(crossings)"]
    quart = [(k, s) for k, s in ((1, "q25"), (2, "median"), (3, "q75")) if s in stats]
    if quart:
        lines.append("    srt = sorted(u)")
        for k, s in quart:
            p = k * (cfg.window - 1)
            lo, r = p >> 2, p & 3
            hi = f"srt[{lo + 1}]" if r else f"srt[{lo}]"
            lines.append(f"    out.append(16 * srt[{lo}] + {4 * r} * ({hi} - srt[{lo}]) - d)  # {s}")
    if cfg.bands_hz:
        if quart:
            lines.append("    srt = None")
        lines.append("    _bands(u, mq, out)")
    if not lines:
        lines.append("    pass")
    names = cfg.feature_names()
    summary = [f"HAR features of a {cfg.window}-frame window at {cfg.sample_rate:g} Hz, gravity {cfg.gravity}:",
               f"{cfg.n_features} int32 features, identical to emml_har_compute:"]
    summary += [f"  {i:3d} {nm}" for i, nm in enumerate(names)]
    m = PyModule(name, summary, "HarConfig", cfg.digest(), {})
    m.constant("WINDOW", cfg.window)
    m.constant("N_FEATURES", cfg.n_features)
    m.constant("CHANNELS", repr(tuple(c for c in ("x", "y", "z", "mag") if c in cfg.channels)))
    m.constant("GRAVITY", repr(cfg.gravity))
    if cfg.gravity == "filter":
        m.constant("ALPHA", cfg.gravity_alpha_q15, "gravity filter alpha, q15")
    m.f32("SCALES", cfg.feature_scales(), "float value = int32 feature * scale")
    if cfg.bands_hz:
        _fft_data(m, cfg)
    gravity = "    xyz = _gravity(xyz)" if cfg.gravity == "filter" else ""
    mag = ("        if c == 'mag':\n"
           "            u = [0] * WINDOW\n"
           "            for t in range(WINDOW):\n"
           "                s = xyz[3 * t] ** 2 + xyz[3 * t + 1] ** 2 + xyz[3 * t + 2] ** 2\n"
           "                r = _isqrt(s)\n"
           "                u[t] = r + 1 if s - r * r > r else r\n"
           "            _channel(u, 0, out)\n"
           "            continue") if "mag" in cfg.channels else ""
    if cfg.gravity == "filter":
        m.code.append(_GRAVITY_CODE)
    if cfg.bands_hz:
        m.code.append(_FFT_CODE)
    m.code.append(_CODE % ("\n".join(lines), gravity, mag))
    return m.text()


def _fft_data(m: PyModule, cfg) -> None:
    """Constants and tables of the band energies: the C's q15 twiddles and band bins."""
    from emml.dsp import fft

    nf = cfg.fft_size
    half = nf // 2
    bits = half.bit_length() - 1
    bitrev = [int(f"{i:0{bits}b}"[::-1], 2) for i in range(half)]
    m.constant("NF", nf, "FFT size")
    m.constant("RADIX2_FIRST", int(bits & 1), "odd log2(NF / 2): the FFT starts with a radix-2 stage")
    m.constant("EXP0", cfg.energy_frac - 8 + (nf.bit_length() - 1), "band energy scaling: shift EXP0 - 2 sh")
    m.array("TW", "h", fft.twiddle_q15(nf).reshape(-1), f"(cos, -sin)(2 pi k / {nf}), k < {half}; q15")
    m.array("BITREV", "B" if half <= 256 else "H", bitrev, f"bit reversal of {bits}-bit pair indices")
    m.array("BANDS", "B" if half < 256 else "H", np.array(cfg.band_bins()).reshape(-1),
            "(first bin, end bin) per band: " + ", ".join(f"{lo:g}-{hi:g} Hz" for lo, hi in cfg.bands_hz))
