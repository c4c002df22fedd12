"""emml as users install it: the wheel carries an identical copy of the C
runtime, boards, platform and app sources, and installed into a fresh virtual
environment outside the checkout it converts, saves, compiles, host-predicts
and sizes a model of every family: first with the core dependencies alone
(cycle estimates and PlatformIO then say which extra to install), then with
``emml[firmware]`` (cycles, and a PlatformIO project built from the wheel's
own platform)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from emml.paths import BUNDLED, PACKAGED_RESOURCES, repo_root

REPO = repo_root()
IGNORED_PARTS = {"__pycache__"}


def _checkout_files(rel: str) -> dict[str, bytes]:
    """{path relative to the repository: bytes} of one BUNDLED entry."""
    src = REPO / rel
    if src.is_file():
        return {rel: src.read_bytes()}
    return {p.relative_to(REPO).as_posix(): p.read_bytes() for p in sorted(src.rglob("*"))
            if p.is_file() and not IGNORED_PARTS & set(p.parts) and p.suffix != ".pyc"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "--disable-pip-version-check", "-w", str(out), str(REPO)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (found,) = out.glob("emml-*.whl")
    return found


def test_manifest_in_grafts_what_the_wheel_bundles():
    """The sdist must carry what setup.py copies into the wheel (emml.paths.BUNDLED)."""
    lines = (REPO / "MANIFEST.in").read_text().splitlines()
    named = {ln.split()[1] for ln in lines if ln.split() and ln.split()[0] in ("graft", "include")}
    assert named == set(BUNDLED)


def test_wheel_carries_an_identical_copy_of_the_resources(wheel):
    prefix = f"emml/{PACKAGED_RESOURCES}/"
    with zipfile.ZipFile(wheel) as z:
        packaged = {n[len(prefix):]: z.read(n) for n in z.namelist() if n.startswith(prefix) and not n.endswith("/")}
        names = set(z.namelist())
    expected: dict[str, bytes] = {}
    for rel in BUNDLED:
        expected.update(_checkout_files(rel))
    assert sorted(packaged) == sorted(expected)
    differing = [rel for rel in expected if packaged[rel] != expected[rel]]
    assert not differing, differing
    assert "emml/_resources/lib/emml/include/emml/emml.h" in names
    for needed in ("emml/templates/trees.c.j2", "emml/datasets/manifests/fsdd.sha256", "emml/py.typed"):
        assert needed in names


# One model per family, checked against its framework through the saved C, in a
# process that runs from a folder with no checkout in sight.
USER_SCRIPT = textwrap.dedent("""
    import json, subprocess, sys
    from pathlib import Path
    import numpy as np
    import emml
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.mixture import GaussianMixture
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.neural_network import MLPClassifier
    from sklearn.svm import SVC

    X, y = load_iris(return_X_y=True)
    X = X.astype(np.float32)
    families = {
        "forest": RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0),
        "linear": LogisticRegression(max_iter=500),
        "svm": SVC(kernel="rbf"),
        "bayes": GaussianNB(),
        "knn": KNeighborsClassifier(n_neighbors=3),
        "mixture": GaussianMixture(n_components=3, random_state=0),
        "mlp": MLPClassifier(hidden_layer_sizes=(8,), max_iter=400, random_state=0),
    }
    runtime = emml.runtime_dir()
    out = {"runtime": str(runtime), "agree": {}, "compiled": []}
    for name, est in families.items():
        est.fit(X, y)
        model = emml.convert(est)
        saved = model.save("generated", name)
        c_file = next(p for p in saved if p.suffix == ".c")
        subprocess.run(["gcc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-I", str(runtime / "include"),
                        "-c", str(c_file), "-o", f"{name}.o"], check=True)
        out["compiled"].append(name)
        out["agree"][name] = float(np.mean(model.predict(X) == est.predict(X)))
    rep = emml.convert(families["forest"]).report("py32f003", X=X[:3])
    out["report"] = {k: rep[k] for k in ("flash_bytes", "ram_static_bytes", "stack_bytes", "cycles_mean", "note")}
    print("RESULT " + json.dumps(out))
""")


def _run(cmd, cwd, timeout=900, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMML_", "PYTHON", "VIRTUAL_ENV"))}
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    if check:
        assert proc.returncode == 0, f"$ {' '.join(map(str, cmd))}\n{proc.stdout[-4000:]}{proc.stderr[-4000:]}"
    return proc


def _result(proc) -> dict:
    (line,) = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    return json.loads(line[len("RESULT "):])


@pytest.mark.slow
def test_installed_wheel_works_outside_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    user = tmp_path / "user"
    user.mkdir()
    _run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(venv)], tmp_path)
    py = venv / "bin" / "python"
    pip = [str(py), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    _run([*pip, str(wheel)], tmp_path)
    (user / "use_emml.py").write_text(USER_SCRIPT)

    # core install: every family converts, compiles with the packaged runtime and agrees
    core = _result(_run([str(py), "use_emml.py"], user))
    assert Path(core["runtime"]).is_relative_to(venv), core["runtime"]
    assert (Path(core["runtime"]) / "include" / "emml" / "emml.h").is_file()
    assert core["compiled"] == ["forest", "linear", "svm", "bayes", "knn", "mixture", "mlp"]
    assert all(v == 1.0 for v in core["agree"].values()), core["agree"]
    assert core["report"]["flash_bytes"] > 0 and core["report"]["stack_bytes"] > 0
    assert core["report"]["cycles_mean"] is None and "emml[firmware]" in core["report"]["note"]
    emml_cli = venv / "bin" / "emml"
    profile = _run([str(emml_cli), "profile", "generated/forest.o", "forest_predict"], user, check=False)
    assert profile.returncode == 2 and "Traceback" not in profile.stderr
    assert re.fullmatch(r"emml: error: .*pip install 'emml\[firmware\]'\n", profile.stderr), profile.stderr
    for args in (["data", "fetch", "fsdd"],
                 ["har", "train", "--data", "x", "--rate", "26", "--board", "py32f003", "--out", "o"]):
        missing = _run([str(emml_cli), *args], user, check=False)
        assert missing.returncode == 2 and "Traceback" not in missing.stderr, missing.stderr
        assert re.fullmatch(r"emml: error: .*pip install 'emml\[apps\]'\n", missing.stderr), missing.stderr

    # with the firmware extra: cycle estimates, and PlatformIO builds from the wheel's own platform
    _run([*pip, f"{wheel}[firmware]"], tmp_path)
    full = _result(_run([str(py), "use_emml.py"], user))
    assert full["report"]["cycles_mean"] > 0
    info = _run([str(emml_cli), "info"], user).stdout
    platform_line, lib_line = re.findall(r"^  ((?:platform|lib_deps) = symlink://\S+)$", info, flags=re.M)
    assert f"{venv}" in platform_line and f"{venv}" in lib_line
    project = user / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "main.c").write_text('#include "board.h"\n#include "forest.h"\n'
                                            "static const float x[4] = {5.1f, 3.5f, 1.4f, 0.2f};\n"
                                            "int main(void)\n{\n    board_init();\n"
                                            "    return (int)forest_predict(x, 4);\n}\n")
    for f in ("forest.h", "forest.c"):
        (project / "src" / f).write_bytes((user / "generated" / f).read_bytes())
    (project / "platformio.ini").write_text(f"[env:py32f003]\n{platform_line}\n{lib_line}\nboard = py32f003\n")
    core_dir = tmp_path / "pio-core"
    _run([str(py), str(REPO / "scripts" / "pio_offline.py"), "--quiet", "--core-dir", str(core_dir)], user)
    env_pio = dict(os.environ, PLATFORMIO_CORE_DIR=str(core_dir), PLATFORMIO_SETTING_ENABLE_TELEMETRY="No")
    built = subprocess.run([str(venv / "bin" / "pio"), "run", "-d", str(project)], cwd=user, env=env_pio,
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    assert re.search(r"Flash: .*used \d+ bytes from 32768 bytes", built.stdout), built.stdout
