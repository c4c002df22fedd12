"""`emml size ELF [--board B]`: flash and RAM per section, checked against a board."""

from __future__ import annotations

import argparse

from emml import boards
from emml.size import check_board, elf_size, format_table


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "size",
        help="flash and RAM use of a firmware ELF",
        description="Flash and RAM use of a firmware ELF. With --board, exit status 1 "
        "when it does not fit the board's real flash or RAM.",
    )
    p.add_argument("elf", help="firmware ELF file")
    p.add_argument("--board", "-b", help="board to check against (see `emml boards`)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    board = boards.load(args.board) if args.board else None
    report = elf_size(args.elf)
    print(format_table(report, board))
    if board is not None and not check_board(report, board).fits:
        return 1
    return 0
