"""`emml profile ELF FUNCTION [--arg A ...] [--board B]`: run one function in
the emulator and print its instruction count and estimated cycles."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from emml import boards
from emml.commands import CommandError
from emml.profile import profile_function

_DTYPES = {"i8": "<i1", "u8": "<u1", "i16": "<i2", "u16": "<u2", "i32": "<i4", "u32": "<u4", "f32": "<f4"}

ARG_HELP = (
    "one argument, in order: an integer (42, -3, 0x10); f32:1.5 (a float in an integer "
    "register, soft-float ABI); zeros:N (an N-byte output buffer); TYPE:v1,v2,... an array "
    "(TYPE one of " + ", ".join(_DTYPES) + ") passed as a pointer; @FILE the bytes of a file, "
    "passed as a pointer"
)


def parse_arg(text: str) -> object:
    """Turn one --arg value into what profile_function takes."""
    if text.startswith("@"):
        return Path(text[1:]).read_bytes()
    kind, sep, rest = text.partition(":")
    if sep:
        try:
            if kind == "zeros":
                return bytearray(int(rest, 0))
            if kind == "f32" and "," not in rest:
                return np.float32(float(rest))
            if kind in _DTYPES:
                values = [v for v in rest.split(",") if v.strip()]
                if kind == "f32":
                    return np.array([float(v) for v in values], dtype=_DTYPES[kind])
                return np.array([int(v, 0) for v in values], dtype=_DTYPES[kind])
        except (ValueError, OverflowError) as e:
            raise CommandError(f"--arg {text!r}: {e}") from None
        raise CommandError(f"--arg {text!r}: unknown kind '{kind}' (use zeros, f32 or one of {', '.join(_DTYPES)})")
    try:
        return int(text, 0)
    except ValueError:
        raise CommandError(f"--arg {text!r} is not an integer; see `emml profile --help`") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "profile",
        help="count the instructions (and estimate the cycles) of one function",
        description="Run FUNCTION of a firmware ELF once in the unicorn emulator and print "
        "the exact instruction count and, for Cortex-M0+ code, an ESTIMATE of its cycles "
        "(ARMv6-M timing table, no flash wait states).",
    )
    p.add_argument("elf", help="firmware ELF file")
    p.add_argument("function", help="name of the function to call")
    p.add_argument("--arg", "-a", action="append", default=[], metavar="ARG", help=ARG_HELP)
    p.add_argument("--board", "-b", help="board whose clock turns cycles into time")
    p.add_argument("--max-instructions", type=int, default=20_000_000, help="runaway limit (default 20,000,000)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    board = boards.load(args.board) if args.board else None
    values = [parse_arg(a) for a in args.arg]
    r = profile_function(
        args.elf, args.function, values,
        max_instructions=args.max_instructions,
        arch=board.arch if board else None,
    )
    print(f"function      {r.function} ({r.arch}, emulated as {r.cpu})")
    print(f"instructions  {r.instructions:,}")
    if r.cycles is not None:
        print(f"cycles        {r.cycles:,} (estimate: {r.cycle_model})")
        if board is not None:
            print(f"time          {r.cycles / board.f_cpu_hz * 1e6:,.1f} us at {board.f_cpu_hz / 1e6:g} MHz on {board.name} (estimate)")
    else:
        print(f"cycles        not estimated: {r.cycle_model}")
    print(f"stack         {r.stack_bytes:,} bytes")
    print(f"returned      {r.return_value} (0x{r.return_value:08x}, signed {r.return_signed})")
    print("by class:")
    for name, count in sorted(r.classes.items(), key=lambda kv: -kv[1]):
        cyc = r.class_cycles.get(name)
        print(f"  {name:<18} {count:>12,}" + (f"  {cyc:>12,} cycles" if cyc is not None else ""))
    return 0
