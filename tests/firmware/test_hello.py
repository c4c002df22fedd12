"""The smallest app on every emulated board: boot, UART out, UART in, exit status."""

import re

import pytest

from emml.dut import EmulatorError, QemuDut

from .conftest import EMULATED_BOARDS

LINE_MAX = 64  # HELLO_LINE_MAX in apps/hello/src/main.c


def fnv1a_lines(lines):
    """The running checksum hello prints, computed independently in Python."""
    h = 0x811C9DC5
    sums = []
    for line in lines:
        for b in line.encode()[: LINE_MAX - 1] + b"\n":
            h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
        sums.append(h)
    return sums


@pytest.mark.firmware
@pytest.mark.parametrize("board", EMULATED_BOARDS)
def test_hello_streams_input_and_exits_cleanly(run_app, board):
    lines = ["abc", "", "x" * 100, "sensor 1 -2 3"]
    with run_app("hello", board) as dut:
        dut.expect(rf"hello from {board} \(emml \d+\.\d+\.\d+\)")
        for n, (line, expected_sum) in enumerate(zip(lines, fnv1a_lines(lines)), start=1):
            dut.write_line(line)
            got = dut.expect(r"line (\d+) len=(\d+) sum=0x([0-9a-f]{8})")
            assert int(got.group(1)) == n
            assert int(got.group(2)) == len(line.encode())
            assert int(got.group(3), 16) == expected_sum, f"checksum of line {n} differs"
        dut.write_line("end")
        work = dut.expect(r"work result=0x([0-9a-f]{8}) cycles=(\d+) hz=(\d+)\r?\n")
        stack = dut.expect(r"stack used=(\d+) of (\d+)\r?\n")
        dut.expect("done")
        assert dut.wait_exit() == 0
    # the workload is fixed, so its result is the same on every core
    assert work.group(1) == "c4a2b16c"
    assert int(work.group(3)) > 0
    used, size = int(stack.group(1)), int(stack.group(2))
    assert 0 < used < size


@pytest.mark.firmware
@pytest.mark.parametrize("board", EMULATED_BOARDS)
def test_exit_status_reaches_the_test(run_app, board):
    with run_app("hello", board, defines=["HELLO_EXIT_STATUS=3"]) as dut:
        dut.write_line("end")
        dut.expect("done")
        assert dut.wait_exit() == 3


@pytest.mark.firmware
def test_dut_reports_timeout_with_output(run_app):
    # hello waits for input forever: the harness must stop it and say what it printed
    with run_app("hello", "qemu_m0", timeout=1.0) as dut:
        with pytest.raises(EmulatorError, match=r"(?s)still running.*hello from qemu_m0"):
            dut.wait_exit(timeout=1.0)


def test_build_only_board_cannot_run():
    with pytest.raises(EmulatorError, match="builds only.*qemu_m0"):
        QemuDut("py32f003", "unused.elf").start()
