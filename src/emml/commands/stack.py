"""`emml stack ELF --board B`: worst-case stack from the call graph, checked
against the stack region the board's linker script reserves."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from emml import boards
from emml.commands import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "stack",
        help="worst-case stack of a firmware ELF from its call graph",
        description="Worst-case stack depth of a firmware ELF: per-function frames from gcc's "
        "-fstack-usage (.su files; without them, from the disassembly) summed along the deepest "
        "call path, plus the deepest interrupt. Exit status 1 when it exceeds the stack the "
        "linker script reserves; 2 when no bound exists (recursion, calls through pointers).",
    )
    p.add_argument("elf", help="firmware ELF file")
    p.add_argument("--board", "-b", required=True, help="board the ELF was built for (see `emml boards`)")
    p.add_argument("--su-dir", action="append", default=[],
                   help="folder searched (recursively) for the .su files of the build; default: "
                        "obj/ next to the ELF (where emml.firmware.build puts them)")
    p.add_argument("--indirect", action="append", default=[], metavar="CALLER=CALLEE[,CALLEE...]",
                   help="functions a caller may call through a pointer")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from emml.stack import StackError, analyse, format_report, su_files_of

    boards.load(args.board)  # an unknown board is a user error with the list of boards
    elf = Path(args.elf)
    su = [f for d in args.su_dir for f in sorted(Path(d).rglob("*.su"))] if args.su_dir else su_files_of(elf)
    indirect = {}
    for item in args.indirect:
        caller, sep, callees = item.partition("=")
        if not sep or not caller or not callees:
            raise CommandError(f"--indirect {item!r}: expected CALLER=CALLEE[,CALLEE...]")
        indirect[caller] = [c for c in callees.split(",") if c]
    try:
        report = analyse(elf, args.board, su, indirect=indirect)
    except StackError as e:
        raise CommandError(str(e)) from None
    print(json.dumps(report.as_dict(), indent=2) if args.json else format_report(report))
    return 0 if report.fits else 1
