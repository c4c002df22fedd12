"""HAR features (emml.dsp.HarConfig / HarFeatures) as MicroPython.

The module computes the int32 features of emml_har_compute with the integer
formulas of HarConfig.features (the bit-exact reference of the C): per
channel mean, std, min, max, rms, energy, mean crossings and quartiles, with
"none", "mean" or "filter" gravity handling. Python integers are exact, so
the features are identical to the C's on every port.

Frequency-band energies need emml's q15 FFT, which has no MicroPython form
yet: a configuration with bands_hz raises UnsupportedError (use bands_hz=()).
"""

from __future__ import annotations

from emml.micropython.emit import PyModule
from emml.model import UnsupportedError

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
    if cfg.bands_hz:
        raise UnsupportedError(
            "HAR band energies need emml's q15 FFT, which has no MicroPython form yet; "
            "use HarConfig(bands_hz=()) for MicroPython, or the C features (emml.dsp) on the device")
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
    m.code.append(_CODE % ("\n".join(lines), gravity, mag))
    return m.text()
