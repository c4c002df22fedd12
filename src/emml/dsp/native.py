"""ctypes access to lib/emml's DSP functions compiled for the host, so tests
and notebooks run the very C the MCU runs (host parity)."""

from __future__ import annotations

import ctypes as C
import functools

import numpy as np

from emml.host import compile_c

I16P = C.POINTER(C.c_int16)
U16P = C.POINTER(C.c_uint16)
I32P = C.POINTER(C.c_int32)
U32P = C.POINTER(C.c_uint32)
F32P = C.POINTER(C.c_float)
_PTR = {np.int16: I16P, np.uint16: U16P, np.int32: I32P, np.uint32: U32P, np.float32: F32P}


def ptr(a: np.ndarray):
    """Pointer to a C-contiguous numpy array (keep the array alive)."""
    assert a.flags["C_CONTIGUOUS"]
    return a.ctypes.data_as(_PTR[a.dtype.type])


class FftQ15(C.Structure):
    _fields_ = [("n", C.c_uint16), ("stride", C.c_uint16), ("twiddle", I16P)]


class FftF32(C.Structure):
    _fields_ = [("n", C.c_uint16), ("stride", C.c_uint16), ("twiddle", F32P)]


class FftTableQ15(C.Structure):
    _fields_ = [("n", C.c_uint16), ("twiddle", I16P)]


class FftTableF32(C.Structure):
    _fields_ = [("n", C.c_uint16), ("twiddle", F32P)]


class WindowQ15(C.Structure):
    _fields_ = [("n", C.c_uint16), ("mirror", C.c_uint16), ("coeffs", I16P)]


class WindowF32(C.Structure):
    _fields_ = [("n", C.c_uint16), ("mirror", C.c_uint16), ("coeffs", F32P)]


@functools.lru_cache(maxsize=None)
def lib() -> C.CDLL:
    """lib/emml as a host shared library (built once, cached by content)."""
    so = compile_c([], output_name="libemml_dsp", shared=True)
    L = C.CDLL(str(so))
    L.emml_log2_f32.restype = C.c_float
    L.emml_log2_f32.argtypes = [C.c_float]
    L.emml_sqrt_f32.restype = C.c_float
    L.emml_sqrt_f32.argtypes = [C.c_float]
    L.emml_isqrt_u64.argtypes = [C.c_uint64]
    L.emml_isqrt_u64.restype = C.c_uint32
    L.emml_isqrt_u32.argtypes = [C.c_uint32]
    L.emml_isqrt_u32.restype = C.c_uint32
    L.emml_log2_q16.argtypes = [C.c_uint32]
    L.emml_log2_q16.restype = C.c_int32
    L.emml_ln_q16.argtypes = [C.c_uint32]
    L.emml_ln_q16.restype = C.c_int32
    L.emml_clz32.argtypes = [C.c_uint32]
    L.emml_clz32.restype = C.c_uint
    return L


class _Keep:
    """Holds numpy arrays that C structs point into."""

    def __init__(self, *arrays):
        self.arrays = arrays


def fft_q15(n: int, table_n: int | None = None):
    from .fft import twiddle_q15

    table_n = table_n or n
    tw = np.ascontiguousarray(twiddle_q15(table_n).reshape(-1))
    table = FftTableQ15(table_n, ptr(tw))
    inst = FftQ15()
    st = lib().emml_fft_init_q15(C.byref(inst), C.byref(table), n)
    if st != 0:
        raise ValueError(f"emml_fft_init_q15 returned {st}")
    inst._keep = _Keep(tw)
    return inst


def fft_f32(n: int, table_n: int | None = None):
    from .fft import twiddle_f32

    table_n = table_n or n
    tw = np.ascontiguousarray(twiddle_f32(table_n).reshape(-1))
    table = FftTableF32(table_n, ptr(tw))
    inst = FftF32()
    st = lib().emml_fft_init_f32(C.byref(inst), C.byref(table), n)
    if st != 0:
        raise ValueError(f"emml_fft_init_f32 returned {st}")
    inst._keep = _Keep(tw)
    return inst


def rfft_q15(x, table_n: int | None = None) -> np.ndarray:
    x = np.asarray(x, dtype=np.int16)
    inst = fft_q15(x.shape[-1], table_n)
    out = np.array(x, dtype=np.int16, copy=True).reshape(-1, x.shape[-1])
    for row in out:
        lib().emml_fft_rfft_q15(C.byref(inst), ptr(row))
    return out.reshape(x.shape)


def rfft_f32(x, table_n: int | None = None) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    inst = fft_f32(x.shape[-1], table_n)
    out = np.array(x, dtype=np.float32, copy=True).reshape(-1, x.shape[-1])
    for row in out:
        lib().emml_fft_rfft_f32(C.byref(inst), ptr(row))
    return out.reshape(x.shape)


class IirCoeffsQ15(C.Structure):
    _fields_ = [("n_sections", C.c_uint16), ("coeffs", I16P), ("shift", C.POINTER(C.c_uint8))]


class IirQ15(C.Structure):
    _fields_ = [("coeffs", C.POINTER(IirCoeffsQ15)), ("state", I16P)]


class IirCoeffsF32(C.Structure):
    _fields_ = [("n_sections", C.c_uint16), ("coeffs", F32P)]


class IirF32(C.Structure):
    _fields_ = [("coeffs", C.POINTER(IirCoeffsF32)), ("state", F32P)]


class DcBlockQ15(C.Structure):
    _fields_ = [("r", C.c_int16), ("x1", C.c_int16), ("y", C.c_int32)]


class GravityQ15(C.Structure):
    _fields_ = [("alpha", C.c_int16), ("primed", C.c_uint8), ("g", C.c_int32 * 3)]


class IirFilterQ15:
    """A streaming emml_iir_q15_t on the host."""

    def __init__(self, coeffs: np.ndarray, shifts: np.ndarray):
        self._c = np.ascontiguousarray(coeffs, dtype=np.int16).reshape(-1)
        self._s = np.ascontiguousarray(shifts, dtype=np.uint8)
        self._state = np.zeros(4 * len(self._s), np.int16)
        self._coeffs = IirCoeffsQ15(len(self._s), ptr(self._c), self._s.ctypes.data_as(C.POINTER(C.c_uint8)))
        self._inst = IirQ15()
        st = lib().emml_iir_init_q15(C.byref(self._inst), C.byref(self._coeffs), ptr(self._state),
                                     C.c_uint32(len(self._state)))
        if st != 0:
            raise ValueError(f"emml_iir_init_q15 returned {st}")

    def __call__(self, x) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.int16)
        out = np.zeros_like(x)
        lib().emml_iir_process_q15(C.byref(self._inst), ptr(x), ptr(out), C.c_uint32(len(x)))
        return out


class IirFilterF32:
    def __init__(self, sos):
        sos = np.asarray(sos, dtype=np.float64)
        c = np.concatenate([sos[:, :3], sos[:, 4:6]], axis=1) / sos[:, 3:4]
        self._c = np.ascontiguousarray(c, dtype=np.float32).reshape(-1)
        self._state = np.zeros(2 * len(sos), np.float32)
        self._coeffs = IirCoeffsF32(len(sos), ptr(self._c))
        self._inst = IirF32()
        st = lib().emml_iir_init_f32(C.byref(self._inst), C.byref(self._coeffs), ptr(self._state),
                                     C.c_uint32(len(self._state)))
        if st != 0:
            raise ValueError(f"emml_iir_init_f32 returned {st}")

    def __call__(self, x) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float32)
        out = np.zeros_like(x)
        lib().emml_iir_process_f32(C.byref(self._inst), ptr(x), ptr(out), C.c_uint32(len(x)))
        return out


def _sym(L: C.CDLL, name: str) -> C.c_void_p:
    return C.c_void_p(C.addressof(C.c_char.in_dll(L, name)))


class LogMelNative:
    """The generated tables of a LogMelConfig compiled with lib/emml for the
    host; runs emml_logmel_frame_q15/_f32 and emml_mfcc_q15/_f32."""

    # emml_logmel_q15_t / _f32_t: an FFT instance, 2 pointers, 1 scalar: 64 bytes is plenty
    _INST_BYTES = 64

    def __init__(self, config, name: str = "dspcfg", sanitize: bool = False):
        import tempfile
        from pathlib import Path

        from emml.paths import build_dir

        self.config = config
        out = Path(build_dir()) / "dsp_gen" / config.digest()
        config.write_c(name, out)
        self.lib = C.CDLL(str(compile_c([out / f"{name}.c"], output_name=f"{name}_{config.digest()}",
                                        shared=True, include_dirs=[out], sanitize=sanitize)))
        L = self.lib
        self._q15 = C.create_string_buffer(self._INST_BYTES)
        self._f32 = C.create_string_buffer(self._INST_BYTES)
        st = L.emml_logmel_init_q15(self._q15, _sym(L, f"{name}_fft_q15"), _sym(L, f"{name}_window_q15"),
                                    _sym(L, f"{name}_mel_q15"), C.c_int16(config.floor_db_q8))
        if st != 0:
            raise ValueError(f"emml_logmel_init_q15 returned {st}")
        st = L.emml_logmel_init_f32(self._f32, _sym(L, f"{name}_fft_f32"), _sym(L, f"{name}_window_f32"),
                                    _sym(L, f"{name}_mel_f32"), C.c_float(config.amin))
        if st != 0:
            raise ValueError(f"emml_logmel_init_f32 returned {st}")
        self._mfcc_q15 = _sym(L, f"{name}_mfcc_q15") if config.n_mfcc else None
        self._mfcc_f32 = _sym(L, f"{name}_mfcc_f32") if config.n_mfcc else None

    def logmel_q15(self, frames) -> np.ndarray:
        n, nm = self.config.n_fft, self.config.n_mels
        frames = np.ascontiguousarray(frames, dtype=np.int16).reshape(-1, n)
        out = np.zeros((len(frames), nm), np.int16)
        work = np.zeros(n, np.int16)
        for i in range(len(frames)):
            self.lib.emml_logmel_frame_q15(self._q15, ptr(frames[i]), ptr(work), ptr(out[i]))
        return out

    def logmel_f32(self, frames) -> np.ndarray:
        n, nm = self.config.n_fft, self.config.n_mels
        frames = np.ascontiguousarray(frames, dtype=np.float32).reshape(-1, n)
        out = np.zeros((len(frames), nm), np.float32)
        work = np.zeros(n, np.float32)
        for i in range(len(frames)):
            self.lib.emml_logmel_frame_f32(self._f32, ptr(frames[i]), ptr(work), ptr(out[i]))
        return out

    def mfcc_q15(self, logmel) -> np.ndarray:
        logmel = np.ascontiguousarray(logmel, dtype=np.int16).reshape(-1, self.config.n_mels)
        out = np.zeros((len(logmel), self.config.n_mfcc), np.int16)
        for i in range(len(logmel)):
            self.lib.emml_mfcc_q15(self._mfcc_q15, ptr(logmel[i]), ptr(out[i]))
        return out

    def mfcc_f32(self, logmel) -> np.ndarray:
        logmel = np.ascontiguousarray(logmel, dtype=np.float32).reshape(-1, self.config.n_mels)
        out = np.zeros((len(logmel), self.config.n_mfcc), np.float32)
        for i in range(len(logmel)):
            self.lib.emml_mfcc_f32(self._mfcc_f32, ptr(logmel[i]), ptr(out[i]))
        return out


class HarNative:
    """The generated C of a HarConfig compiled with lib/emml for the host:
    runs emml_har_compute (through the generated <name>_features) and
    emml_har_to_f32."""

    def __init__(self, config, name: str = "harcfg", sanitize: bool = False):
        from pathlib import Path

        from emml.paths import build_dir

        self.config = config
        out = Path(build_dir()) / "dsp_gen" / f"har_{config.digest()}"
        config.write_c(name, out)
        self.lib = C.CDLL(str(compile_c([out / f"{name}.c"], output_name=f"{name}_{config.digest()}",
                                        shared=True, include_dirs=[out], sanitize=sanitize)))
        self._name = name
        self._cfg = _sym(self.lib, f"{name}_har")
        st = getattr(self.lib, f"{name}_check")()
        if st != 0:
            raise ValueError(f"{name}_check returned {st}")
        self.n_features = self.lib.emml_har_n_features(self._cfg)
        if self.n_features != config.n_features:
            raise ValueError(f"C has {self.n_features} features, the config {config.n_features}")

    def features(self, windows) -> np.ndarray:
        n = self.config.window
        w = np.ascontiguousarray(windows, dtype=np.int16).reshape(-1, n * 3)
        out = np.zeros((len(w), self.n_features), np.int32)
        scratch = np.zeros(self.config.scratch_len, np.int16)
        fn = getattr(self.lib, f"{self._name}_features")
        for i in range(len(w)):
            fn(ptr(w[i]), ptr(scratch), ptr(out[i]))
        return out

    def to_f32(self, features) -> np.ndarray:
        f = np.ascontiguousarray(features, dtype=np.int32).reshape(-1, self.n_features)
        out = np.zeros(f.shape, np.float32)
        for i in range(len(f)):
            self.lib.emml_har_to_f32(self._cfg, ptr(f[i]), ptr(out[i]))
        return out
