"""`emml data`: list emml's data sets, or fetch one (see emml.datasets)."""

from __future__ import annotations

import argparse

from emml import datasets


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="list the data sets, or fetch one into the cache and print its folder")
    p.add_argument("action", choices=("list", "fetch"))
    p.add_argument("name", nargs="?", choices=tuple(datasets.SETS), help="the set to fetch")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        for name, s in datasets.SETS.items():
            here = datasets.find(name)
            print(f"{name:<13} {len(datasets.manifest(name)):>5} files  {s.title}; "
                  f"{'here: ' + str(here) if here else 'not fetched yet'}")
        return 0
    if args.name is None:
        raise datasets.DataSetError("emml data fetch needs a set name: " + ", ".join(datasets.SETS))
    print(datasets.fetch(args.name))
    return 0
