"""PlatformIO pre-build script: regenerate an app's model C from its
training artifact when the artifact changed (emml.prebuild does the work).

Use in an app's platformio.ini:

    extra_scripts = pre:<emml checkout>/scripts/pio_regen_model.py
    custom_emml_app = har                          ; see emml.prebuild.GENERATORS
    custom_emml_artifact = model/har_model.joblib  ; relative to the project folder

The C goes to $BUILD_DIR/emml_<app>/ and is compiled with the app; the
build also gets -DEMML_BOARD_<BOARD> so the app can pick its board port.
When this Python cannot import emml (PlatformIO installed outside emml's
virtual environment), the C that `emml <app> train` wrote next to the
artifact (<artifact folder>/generated/) is used if its stamp matches the
artifact; otherwise the build stops and says what to do.
"""

import hashlib
import json
import os
import sys

Import("env")  # noqa: F821  (SCons)



def option(name, default=None):
    try:
        return env.GetProjectOption(name, default)  # noqa: F821
    except Exception:  # older PlatformIO: unknown option
        return default


def fail(message):
    sys.stderr.write("Error: emml pre-build: %s\n" % message)
    env.Exit(1)  # noqa: F821


def committed_copy(artifact):
    """<artifact dir>/generated when its stamp names this artifact."""
    folder = os.path.join(os.path.dirname(artifact), "generated")
    try:
        with open(os.path.join(folder, ".emml-stamp.json"), encoding="utf-8") as fp:
            stamp = json.load(fp)
        with open(artifact, "rb") as fp:
            digest = hashlib.sha256(fp.read()).hexdigest()
    except (OSError, ValueError):
        return None
    return folder if stamp.get("artifact_sha256") == digest else None


def runtime_includes():
    """lib/emml/include of the emml library named in lib_deps (symlink:// or file://)."""
    found = []
    for dep in option("lib_deps", []) or []:
        for scheme in ("symlink://", "file://"):
            if dep.startswith(scheme):
                inc = os.path.join(env.subst(dep[len(scheme):]), "include")  # noqa: F821
                if os.path.isfile(os.path.join(inc, "emml", "emml.h")):
                    found.append(inc)
    if not found:
        try:
            from emml.paths import runtime_dir

            found.append(str(runtime_dir() / "include"))
        except (ImportError, FileNotFoundError):
            pass
    return found


app = option("custom_emml_app")
artifact = option("custom_emml_artifact")
board = env.subst("$BOARD")  # noqa: F821
env.Append(CPPDEFINES=["EMML_BOARD_" + board.upper()])  # noqa: F821
if app:
    if not artifact:
        fail("custom_emml_app = %s needs custom_emml_artifact (the training artifact's path)" % app)
    project_dir = env.subst("$PROJECT_DIR")  # noqa: F821
    artifact = artifact if os.path.isabs(artifact) else os.path.join(project_dir, artifact)
    out_dir = os.path.join(env.subst("$BUILD_DIR"), "emml_" + app)  # noqa: F821
    try:
        from emml.prebuild import PrebuildError, regenerate
    except ImportError as exc:
        gen_dir = committed_copy(artifact)
        if gen_dir is None:
            fail("cannot import emml (%s) to regenerate the model C for %s, and %s/generated does not match "
                 "the artifact. Run PlatformIO from emml's virtual environment (.venv/bin/pio), or run "
                 "`emml %s train` again." % (exc, app, os.path.dirname(artifact), app))
        print("emml: using %s (emml is not importable here)" % gen_dir)
    else:
        try:
            result = regenerate(app, artifact, out_dir)
        except PrebuildError as exc:
            fail(str(exc))
        gen_dir = str(result.out_dir)
        print("emml: %s model C %s in %s" % (app, "regenerated" if result.changed else "up to date", gen_dir))
    # The generated C includes emml headers; sources added here are built in
    # the global environment, which does not see the library's include path.
    env.Append(CPPPATH=[gen_dir] + runtime_includes())  # noqa: F821
    env.BuildSources(os.path.join("$BUILD_DIR", "emml_%s_obj" % app), gen_dir)  # noqa: F821
