"""emml.profile: exact instruction counts and Cortex-M0+ cycle estimates.

The known-loop assets (tests/assets/known_loop_*.S) have a closed form for
their instruction count (and, on ARM, for the timing-table cycle count);
QEMU, run one instruction per translation block with an execution trace,
must count the same instructions as unicorn.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from emml.profile import ARMV6M_CYCLES, ProfileError, profile_function

ARCHES = ("arm", "riscv")


def _known_loop(cross_build, assets_dir, arch: str, n: int = 10) -> Path:
    src = assets_dir / ("known_loop_arm.S" if arch == "arm" else "known_loop_rv32e.S")
    return cross_build(arch, [src], f"known_loop_{arch}_{n}", defines=[f"KNOWN_LOOP_N={n}"])


@pytest.fixture(scope="module")
def c_elf(cross_build, assets_dir):
    return {
        arch: cross_build(arch, [assets_dir / "profile_c.c"], f"profile_c_{arch}", entry="weighted_sum",
                          cflags=("-O2",))
        for arch in ARCHES
    }


# --- known loop: exact closed forms -------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 10, 1000])
def test_known_loop_arm_exact(cross_build, assets_dir, n):
    elf = _known_loop(cross_build, assets_dir, "arm")
    x = np.arange(1, n + 1, dtype=np.uint32)
    out = np.zeros(n, dtype=np.uint32)
    r = profile_function(elf, "known_loop", (n, x, out))
    assert r.instructions == 8 * n + 7
    assert r.cycles == 11 * n + 14
    assert r.classes == {
        "stm": 1, "alu": 4 * n + 3, "load": n, "mul": n, "store": n,
        **({"branch_taken": n - 1} if n > 1 else {}), "branch_not_taken": 1,
        "bl": 1, "branch_indirect": 1, "pop_pc": 1,
    }
    assert sum(r.class_cycles.values()) == r.cycles
    assert r.class_cycles["stm"] == 3 and r.class_cycles["pop_pc"] == 4
    assert r.return_value == int(np.sum(x.astype(np.uint64) ** 2) + 7) & 0xFFFFFFFF
    np.testing.assert_array_equal(r.buffers[2], np.cumsum(x.astype(np.uint64) ** 2).astype(np.uint32))
    np.testing.assert_array_equal(r.buffers[1], x)  # input untouched
    assert r.stack_bytes == 8  # push {r4, lr}
    assert r.cpu == "cortex-m0" and "M0+" in r.cycle_model


@pytest.mark.parametrize("n", [1, 10, 1000])
def test_known_loop_riscv_exact(cross_build, assets_dir, n):
    elf = _known_loop(cross_build, assets_dir, "riscv")
    x = np.arange(1, n + 1, dtype=np.int32)
    out = np.zeros(n, dtype=np.int32)
    r = profile_function(elf, "known_loop", (n, x, out))
    assert r.instructions == 8 * n + 10
    assert r.cycles is None and "instructions only" in r.cycle_model
    assert r.classes["load"] == n + 1 and r.classes["store"] == n + 1
    assert r.classes["branch_not_taken"] == 1 and r.classes.get("branch_taken", 0) == n - 1
    assert r.return_value == n * (n + 1) + 7
    np.testing.assert_array_equal(r.buffers[2], np.cumsum(2 * x))
    assert r.stack_bytes == 4  # sw ra


@pytest.mark.parametrize("arch", ARCHES)
def test_block_and_instruction_hooks_agree(c_elf, arch):
    """Per-block counting (the fast default) equals per-instruction counting on
    soft-float and division code that runs through libgcc."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal(50).astype(np.float32)
    vals = rng.integers(-10**6, 10**6, 40).astype(np.int32)
    for fn, args in (("mean_f32", (x, 50)), ("divide_all", (vals, 40, -7))):
        a = profile_function(c_elf[arch], fn, args, mode="block")
        b = profile_function(c_elf[arch], fn, args, mode="instruction")
        assert (a.instructions, a.cycles, a.classes, a.class_cycles) == (
            b.instructions, b.cycles, b.classes, b.class_cycles)
        assert a.instructions > 500  # the libgcc routines were followed


# --- results, arguments and buffers -------------------------------------------------


@pytest.mark.parametrize("arch", ARCHES)
def test_soft_float_results(c_elf, arch):
    x = np.array([0.5, -1.25, 3.0, 1e-3, 7.5], dtype=np.float32)
    r = profile_function(c_elf[arch], "mean_f32", (x, len(x)))
    expected = np.float32(np.sum(x, dtype=np.float32)) / np.float32(len(x))
    assert r.return_float == pytest.approx(float(expected), rel=1e-6)

    vals = np.array([100, -100, 7, 70000, -1], dtype=np.int32)
    r = profile_function(c_elf[arch], "divide_all", (vals, len(vals), -7))
    q = np.trunc(vals / -7).astype(np.int32)  # C truncates toward zero
    np.testing.assert_array_equal(r.buffers[0], q)
    assert r.return_signed == int(q.sum())


@pytest.mark.parametrize("arch", ARCHES)
def test_global_buffers_and_float_return(c_elf, arch):
    w = np.array([1.0, 2.0, -0.5, 0.25], dtype=np.float32)
    x = np.array([4.0, 1.0, 2.0, 8.0], dtype=np.float32)
    r = profile_function(c_elf[arch], "weighted_sum", (x,), buffers={"weights": w})
    assert r.return_float == pytest.approx(4.0 + 2.0 - 1.0 + 2.0)
    np.testing.assert_array_equal(r.read_symbol("weights", np.float32), w)


@pytest.mark.parametrize("arch", ARCHES)
def test_stack_arguments_and_64bit_return(c_elf, arch):
    r = profile_function(c_elf[arch], "sum8", (1, 2, 3, 4, 5, 6, 7, -8))
    assert r.return_signed == 1 + 4 + 9 + 16 + 25 + 36 + 49 - 64
    r = profile_function(c_elf[arch], "widen", (-123456,))
    assert r.return_u64 == (-123456 * 1000000) & (2**64 - 1)


@pytest.mark.parametrize("arch", ARCHES)
def test_runaway_is_reported(c_elf, arch):
    with pytest.raises(ProfileError, match=r"did not return within 10,000 instructions"):
        profile_function(c_elf[arch], "spin_forever", max_instructions=10_000)


@pytest.mark.parametrize("arch", ARCHES)
def test_fault_is_reported(c_elf, arch):
    with pytest.raises(ProfileError, match=r"read_address faulted .* pc=0x"):
        profile_function(c_elf[arch], "read_address", (0x5000_0000,))


def test_user_errors(c_elf, tmp_path):
    with pytest.raises(ProfileError, match="'no_such' not found"):
        profile_function(c_elf["arm"], "no_such")
    with pytest.raises(ProfileError, match="is arm code, not riscv"):
        profile_function(c_elf["arm"], "sum8", arch="riscv")
    with pytest.raises(ProfileError, match="unsupported type float"):
        profile_function(c_elf["arm"], "widen", (1.5,))
    with pytest.raises(ProfileError, match="'nope' is not a global"):
        profile_function(c_elf["arm"], "widen", (1,), buffers={"nope": b"x"})
    bad = tmp_path / "x.elf"
    bad.write_bytes(b"not an elf")
    with pytest.raises(ProfileError, match="cannot read ELF"):
        profile_function(bad, "f")


def test_timing_table_is_documented():
    import emml.profile as p

    assert "estimate" in p.__doc__.lower()
    for cls in ("alu", "load", "store", "ldm", "stm", "pop_pc", "branch_taken",
                "branch_not_taken", "bl", "branch_indirect", "mul"):
        assert cls in ARMV6M_CYCLES


def test_speed_one_million_instructions(cross_build, assets_dir):
    n = 125_000  # 8n + 7 = 1,000,007 instructions
    elf = _known_loop(cross_build, assets_dir, "arm")
    x = np.ones(n, dtype=np.uint32)
    t0 = time.perf_counter()
    r = profile_function(elf, "known_loop", (n, x, np.zeros(n, np.uint32)))
    elapsed = time.perf_counter() - t0
    assert r.instructions == 1_000_007
    print(f"1,000,007 instructions profiled in {elapsed:.3f} s")
    assert elapsed < 10


# --- cross-check with QEMU ----------------------------------------------------------


def _symbol(elf: Path, name: str) -> int:
    from elftools.elf.elffile import ELFFile

    with open(elf, "rb") as f:
        (sym,) = ELFFile(f).get_section_by_name(".symtab").get_symbol_by_name(name)
        return sym["st_value"] & ~1


def _qemu_count(cmd: list[str], elf: Path, log: Path) -> int:
    """Run the image one instruction per TB with an exec trace; count the
    instructions from known_loop's entry until it returns."""
    start, stop = _symbol(elf, "known_loop"), _symbol(elf, "known_loop_return")
    proc = subprocess.run(
        [*cmd, "-nographic", "-monitor", "none", "-serial", "null",
         "-semihosting-config", "enable=on,target=native",
         "-singlestep", "-d", "exec,nochain", "-D", str(log), "-kernel", str(elf)],
        capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, f"image reported failure {proc.returncode}: {proc.stderr}"
    pcs = [int(m.group(1), 16) for m in re.finditer(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/", log.read_text(), re.M)]
    first = pcs.index(start)
    return pcs.index(stop, first) - first


@pytest.mark.parametrize("n", [10, 300])
def test_known_loop_matches_qemu_arm(cross_build, assets_dir, need_tool, tmp_path, n):
    need_tool("qemu-system-arm")
    elf = _known_loop(cross_build, assets_dir, "arm", n)
    x = np.arange(1, n + 1, dtype=np.uint32)
    r = profile_function(elf, "known_loop", (n, x, np.zeros(n, np.uint32)))
    qemu = _qemu_count(["qemu-system-arm", "-M", "mps2-an385"], elf, tmp_path / "exec.log")
    print(f"n={n}: unicorn {r.instructions}, qemu {qemu}, cycle estimate {r.cycles}")
    assert qemu == r.instructions == 8 * n + 7


@pytest.mark.parametrize("n", [10, 300])
def test_known_loop_matches_qemu_riscv(cross_build, assets_dir, need_tool, tmp_path, n):
    need_tool("qemu-system-riscv32")
    elf = _known_loop(cross_build, assets_dir, "riscv", n)
    x = np.arange(1, n + 1, dtype=np.int32)
    r = profile_function(elf, "known_loop", (n, x, np.zeros(n, np.int32)))
    qemu = _qemu_count(
        ["qemu-system-riscv32", "-M", "virt", "-bios", "none",
         "-cpu", "rv32,e=on,i=off,h=off,m=off,a=off,f=off,d=off"], elf, tmp_path / "exec.log")
    print(f"n={n}: unicorn {r.instructions}, qemu {qemu}")
    assert qemu == r.instructions == 8 * n + 10
