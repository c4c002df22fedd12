"""Fuzz the emml runtime for longer than CI does, and record the numbers.

    python tests/fuzz/run_fuzz.py                 # every harness, 60 s each
    python tests/fuzz/run_fuzz.py blob -t 600     # one harness, 10 minutes

Prints executions and crashes per harness, keeps crash inputs in
build/fuzz/<harness>/artifacts/ (add a fixed one to tests/fuzz/regressions/
<harness>/ so CI replays it), and writes bench/results/fuzz.json, which
scripts/reliability_report.py puts in the README.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fuzzing  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("harness", nargs="*", help=f"harnesses to run (default all: {', '.join(fuzzing.HARNESSES)})")
    parser.add_argument("-t", "--seconds", type=int, default=60, help="fuzzing time per harness (default 60)")
    parser.add_argument("--json", type=Path, default=fuzzing.REPO / "bench" / "results" / "fuzz.json")
    args = parser.parse_args(argv)
    problem = fuzzing.libfuzzer_problem()
    if problem:
        print(f"run_fuzz: {problem}", file=sys.stderr)
        return 2
    names = args.harness or list(fuzzing.HARNESSES)
    unknown = [n for n in names if n not in fuzzing.HARNESSES]
    if unknown:
        parser.error(f"unknown harness {', '.join(unknown)}; choose from {', '.join(fuzzing.HARNESSES)}")
    root = fuzzing.REPO / "build" / "fuzz"
    rows = []
    print(f"{'harness':10} {'seconds':>8} {'executions':>12} {'exec/s':>8} {'crashes':>8}")
    for name in names:
        work = root / name
        shutil.rmtree(work, ignore_errors=True)
        exe = fuzzing.build(name, root / "bin")
        start = time.monotonic()
        r = fuzzing.fuzz(exe, name, work, seconds=args.seconds)
        took = time.monotonic() - start
        rows.append({"harness": name, "seconds": round(took, 1), "executions": r.executions, "crashes": r.crashes,
                     "artifacts": [str(p.relative_to(fuzzing.REPO)) for p in r.artifacts]})
        print(f"{name:10} {took:8.0f} {r.executions:12d} {r.executions / max(took, 1e-9):8.0f} {r.crashes:8d}")
        for p in r.artifacts:
            print(f"    crash input: {p}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"tool": "libFuzzer (clang, ASan + UBSan)", "runs": rows}, indent=2) + "\n")
    print(f"wrote {args.json}")
    return 1 if any(r["crashes"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
