"""The `emml` command line.

Each sub-command lives in its own module, ``emml.commands.<name>``, with a
``register(subparsers)`` function that adds its parser and sets
``func=run``; ``run(args) -> int`` returns the exit status. To add a command,
write the module and append its name to COMMANDS.

User errors (a missing file, an unknown board, a function that faults) are
printed as one line, ``emml: error: ...``, with exit status 2; anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

import emml

#: Sub-command modules under emml.commands, in the order `emml --help` lists them.
COMMANDS: list[str] = ["info", "boards", "size", "profile", "convert", "har", "kws", "stack", "data"]


def _user_errors() -> tuple[type[BaseException], ...]:
    from emml.boards import UnknownBoardError
    from emml.commands import CommandError
    from emml.datasets import DataSetError
    from emml.extras import MissingExtraError
    from emml.profile import ProfileError
    from emml.size import SizeError

    return (CommandError, UnknownBoardError, ProfileError, SizeError, DataSetError, MissingExtraError, OSError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="emml",
        description="Machine learning for microcontrollers: convert, size and profile firmware.",
    )
    parser.add_argument("--version", action="version", version=f"emml {emml.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"emml.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # `emml info | head`: the reader left, nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except _user_errors() as e:
        message = str(e) if not isinstance(e, OSError) or not e.filename else f"{e.filename}: {e.strerror}"
        print(f"emml: error: {message.splitlines()[0] if message else type(e).__name__}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
