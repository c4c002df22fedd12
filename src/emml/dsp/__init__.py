"""emml.dsp: the signal-processing front end (FFT, windows, IIR filters, mel
features) as Python references of lib/emml's C, the generators that write
its tables as C, and host bindings of the C (emml.dsp.native).

Every q15 function here is an integer model of the C that matches it bit for
bit; the f32/f64 ones are plain numpy/scipy.

    cfg = LogMelConfig(sample_rate=8000, n_fft=512, n_mels=40)
    cfg.write_c("kws", out_dir)          # kws.h / kws.c: tables for lib/emml
    cfg.logmel_q15(cfg.frames(int16_audio))   # exactly what the MCU computes

    har = HarConfig(window=52, sample_rate=26)  # activity features (emml/features.h)
    har.features(windows)                        # (W, 52, 3) int16 -> int32, bit-exact

    HarFeatures(har) / LogMel(cfg): scikit-learn transformers for a Pipeline;
    their save(directory, name) writes the C from the same config.
"""

from .codegen import c_array, fft_table_c, iir_c, window_c  # noqa: F401
from .config import LogMelConfig  # noqa: F401
from .har import HarConfig  # noqa: F401
from .transformers import HarFeatures, LogMel  # noqa: F401
from .fft import power_q15, rfft_q15, twiddle_f32, twiddle_q15, unpack  # noqa: F401
from .iir import (  # noqa: F401
    dcblock_q15,
    dcblock_r_q15,
    gravity_alpha_q15,
    gravity_q15,
    quantize_sos,
    sosfilt_q15,
)
from .mel import dct_matrix, mel_filterbank  # noqa: F401
