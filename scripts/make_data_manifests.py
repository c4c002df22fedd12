#!/usr/bin/env python3
"""Write the sha256 manifests of emml's data sets (src/emml/datasets/manifests/<set>.sha256)
from a trusted copy of the sets (default: ../shared/data next to the checkout).

Run it only when a set's pinned version changes: emml.datasets checks every
downloaded or cached file against these manifests. The format is sha256sum's,
so `cd <set> && sha256sum -c <set>.sha256` checks a copy by hand.

Usage: python scripts/make_data_manifests.py [--from DIR] [--check]
  --check  exit 1 if a committed manifest differs from DIR (used by the tests)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from emml.datasets import SETS, manifest_path, manifest_text  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path,
                        default=Path(__file__).resolve().parent.parent.parent / "shared" / "data")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    stale = []
    for name in SETS:
        text = manifest_text(name, args.source / name)
        path = manifest_path(name)
        if args.check:
            if not path.is_file() or path.read_text() != text:
                stale.append(name)
        elif not path.is_file() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path}")
    if stale:
        print(f"stale manifests: {', '.join(stale)}; run scripts/make_data_manifests.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
