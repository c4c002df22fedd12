"""Zephyr build step: regenerate an app's model C from its training artifact.

zephyr/cmake/emml_model.cmake runs this once when CMake configures the app
and again, as a custom command that depends on the artifact, whenever the
artifact changes (a retrain), the same step scripts/pio_regen_model.py is
under PlatformIO. emml.prebuild does the work and keeps a stamp in OUT_DIR,
so an unchanged artifact writes nothing.

    python regen_model.py APP ARTIFACT OUT_DIR [--force]

Exit status: 0 done (one line says whether anything was written), 2 the
artifact is missing or its generator failed, 3 this Python cannot import
emml (emml_model.cmake then falls back to the C committed next to the
artifact, if it matches).
"""

from __future__ import annotations

import argparse
import sys

EXIT_FAILED = 2
EXIT_NO_EMML = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate an emml app's model C from its training artifact.")
    parser.add_argument("app", help="app name, a key of emml.prebuild.GENERATORS (har, kws)")
    parser.add_argument("artifact", help="the training artifact (e.g. apps/har/model/har_model.joblib)")
    parser.add_argument("out_dir", help="folder for the generated C (the build folder)")
    parser.add_argument("--force", action="store_true", help="regenerate even if the stamp says it is up to date")
    args = parser.parse_args(argv)
    try:
        from emml.prebuild import PrebuildError, regenerate
    except ImportError as exc:
        print(f"emml: error: {sys.executable} cannot import emml ({exc}); install emml into it "
              "(pip install -e <emml checkout>) or configure with -DEMML_PYTHON=<a python that has emml>",
              file=sys.stderr)
        return EXIT_NO_EMML
    try:
        result = regenerate(args.app, args.artifact, args.out_dir, force=args.force)
    except PrebuildError as exc:
        print(f"emml: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"emml: {args.app} model C {'regenerated' if result.changed else 'up to date'} in {result.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
