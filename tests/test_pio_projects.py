"""PlatformIO projects outside this checkout: a user's own project that takes
emml by path builds a generated model and runs it in QEMU, and two emml
checkouts on one machine build side by side without touching each other's
PlatformIO state (each keeps its own core_dir, .pio-core/)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import emml
from emml.paths import repo_root

pytestmark = [pytest.mark.firmware, pytest.mark.slow]

REPO = repo_root()
PIO = Path(sys.executable).with_name("pio")


def pio(project: Path, *args: str, core_dir: Path | None = None, input_text: str = "") -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PLATFORMIO_CORE_DIR", "PLATFORMIO_BUILD_DIR")}
    env["PLATFORMIO_SETTING_ENABLE_TELEMETRY"] = "No"
    if core_dir is not None:
        env["PLATFORMIO_CORE_DIR"] = str(core_dir)
    proc = subprocess.run([str(PIO), *args], cwd=project, env=env, input=input_text, capture_output=True,
                          text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    return output


def prepare_offline(checkout: Path, core_dir: Path | None = None) -> None:
    """tool-scons for a core folder (PlatformIO's registry is not reachable here)."""
    cmd = [sys.executable, str(checkout / "scripts" / "pio_offline.py"), "--quiet"]
    if core_dir is not None:
        cmd += ["--core-dir", str(core_dir)]
    env = {k: v for k, v in os.environ.items() if k != "PLATFORMIO_CORE_DIR"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr


USER_MAIN = """\
#include "board.h"
#include "console.h"
#include "iris_tree.h"

static const float rows[%(n)d][4] = {%(rows)s};

int main(void)
{
    unsigned i;
    board_init();
    for (i = 0; i < %(n)du; i++) {
        console_puts("class=");
        console_put_int(iris_tree_predict(rows[i], 4));
        console_newline();
    }
    return 0;
}
"""


def test_user_project_outside_the_checkout_builds_and_runs_a_model(tmp_path):
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    X = X.astype(np.float32)
    model = emml.convert(DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y))
    project = tmp_path / "my_project"
    model.save(project / "src", "iris_tree")
    rows = X[::15]
    literal = ", ".join("{" + ", ".join(f"{v!r}f" for v in r.tolist()) + "}" for r in rows)
    (project / "src" / "main.c").write_text(USER_MAIN % {"n": len(rows), "rows": literal})
    # what `emml info` tells a user to write: the platform and the runtime by path, emml's boards by name
    (project / "platformio.ini").write_text(
        "[env]\n"
        f"platform = symlink://{REPO / 'platform' / 'emml'}\n"
        f"lib_deps = symlink://{emml.runtime_dir()}\n\n"
        "[env:py32f003]\nboard = py32f003\n\n[env:qemu_m0]\nboard = qemu_m0\n"
    )
    core = tmp_path / "core"
    prepare_offline(REPO, core)

    built = pio(project, "run", "-e", "py32f003", core_dir=core)
    assert re.search(r"Flash: .*used \d+ bytes from 32768 bytes", built), built
    ran = pio(project, "run", "-e", "qemu_m0", "-t", "upload", core_dir=core)
    classes = [int(c) for c in re.findall(r"^class=(-?\d+)\r?$", ran, flags=re.M)]
    assert classes == model.predict(rows).tolist()


def _checkout_copy(dest: Path) -> Path:
    """The parts of a checkout a PlatformIO build reads."""
    for rel in ("platform", "boards", "lib", "apps/hello", "scripts/pio_offline.py", "platformio.ini"):
        src = REPO / rel
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dest / rel, ignore=shutil.ignore_patterns("__pycache__", ".pio"))
        else:
            shutil.copy2(src, dest / rel)
    return dest


def test_two_checkouts_build_side_by_side(tmp_path):
    a = _checkout_copy(tmp_path / "a")
    b = _checkout_copy(tmp_path / "b")
    marker = "emml checkout b's platform"
    builder = b / "platform" / "emml" / "builder" / "main.py"
    builder.write_text(builder.read_text() + f"\nprint({marker!r})\n")
    for checkout in (a, b):
        prepare_offline(checkout)

    first = pio(a, "run", "-e", "qemu_m0")
    from_b = pio(b, "run", "-e", "qemu_m0")
    again = pio(a, "run", "-e", "qemu_m0")
    assert marker not in first and marker not in again
    assert marker in from_b
    for checkout in (a, b):
        link = (checkout / ".pio-core" / "platforms" / "emml.pio-link").read_text()
        assert f"symlink://{checkout / 'platform' / 'emml'}" in link
