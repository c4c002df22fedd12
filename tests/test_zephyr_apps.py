"""emml's apps as Zephyr applications (apps/<app>/CMakeLists.txt, prj.conf,
sample.yaml, boards/, zephyr/).

Zephyr's tree cannot be fetched on these machines, so what runs everywhere:
- sample.yaml against twister's keys; the QEMU platforms named;
- every file the app's CMake names exists, and the Zephyr build compiles
  the same portable core as the bare-metal build;
- every CONFIG_ symbol in prj.conf / boards/*.conf is defined by emml's
  Kconfig, the app's Kconfig or is a well-known Zephyr symbol listed here;
  the app's Kconfig parses (kconfiglib) and picks the input from the devicetree;
- the model regeneration: its command line run directly, and the CMake
  custom command in a real CMake + Ninja build of the generated C (a
  retrain regenerates, an unchanged artifact does nothing);
- the Zephyr glue (board.h on Zephyr) compiled and run on the host against
  stand-in headers (tests/zephyr/host_stubs: NOT Zephyr), in polling and in
  interrupt mode: recordings through apps/har (classes as in Python), audio
  through apps/audio_kws (decisions as its bare-metal build in QEMU); the
  sensor and ADC sources compiled against declarations only.
`west build` itself, and the run in QEMU, only where ZEPHYR_BASE is set;
otherwise those tests are skipped, saying why.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HAR = ROOT / "apps" / "har"
KWS = ROOT / "apps" / "audio_kws"
STUBS = ROOT / "tests" / "zephyr" / "host_stubs"
SCHEMAS = ROOT / "tests" / "zephyr"
QEMU_PLATFORMS = {"qemu_cortex_m0", "qemu_cortex_m3", "qemu_riscv32e"}
APPS = [HAR, KWS]
#: each app's training artifact (its CMakeLists.txt default)
ARTIFACTS = {HAR: HAR / "model" / "har_model.joblib", KWS: KWS / "model" / "kws.json"}

#: Zephyr symbols the apps' .conf files may set, with where Zephyr defines them.
ZEPHYR_SYMBOLS = {
    "SERIAL": "drivers/serial/Kconfig",
    "CONSOLE": "drivers/console/Kconfig",
    "UART_CONSOLE": "drivers/console/Kconfig",
    "UART_INTERRUPT_DRIVEN": "drivers/serial/Kconfig",
    "MAIN_STACK_SIZE": "kernel/Kconfig",
    "THREAD_STACK_INFO": "kernel/Kconfig",
    "INIT_STACKS": "kernel/Kconfig",
    "SENSOR": "drivers/sensor/Kconfig",
    "I2C": "drivers/i2c/Kconfig",
    "ADC": "drivers/adc/Kconfig",
    "LIS2DH_OPER_MODE_HIGH_RES": "drivers/sensor/st/lis2dh/Kconfig",
    "SYS_CLOCK_TICKS_PER_SEC": "kernel/Kconfig",
}


# ---- helpers ----------------------------------------------------------------
def validate(data_file: Path, schema_file: Path) -> None:
    core = pytest.importorskip("pykwalify.core")
    core.Core(source_file=str(data_file), schema_files=[str(schema_file)]).validate(raise_exception=True)


def cmake_sources(app: Path) -> list[Path]:
    """Every file named in a target_sources() of the app's CMakeLists.txt and
    of the emml CMake helpers it includes, resolved to a path."""
    texts = [(app / "CMakeLists.txt").read_text(), (ROOT / "zephyr" / "cmake" / "emml_app.cmake").read_text()]
    variables = {"EMML_ROOT": str(ROOT), "EMML_ROOT_DIR": str(ROOT), "CMAKE_CURRENT_LIST_DIR": str(app)}
    found = []
    for text in texts:
        for block in re.findall(r"target_sources\(\s*\$?\{?\w+\}?\s+PRIVATE\s+([^)]*)\)", text):
            for word in block.split():
                word = re.sub(r"\$\{(\w+)\}", lambda m: variables.get(m.group(1), m.group(0)), word)
                assert "${" not in word, f"cannot resolve {word} in a target_sources() of {app}"
                path = Path(word)
                found.append(path if path.is_absolute() else app / path)
    return found


def conf_symbols(app: Path) -> dict[str, str]:
    """CONFIG_ name -> value over prj.conf and boards/*.conf; malformed lines fail."""
    symbols = {}
    for conf in [app / "prj.conf", *sorted((app / "boards").glob("*.conf"))]:
        for number, line in enumerate(conf.read_text().splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.fullmatch(r'CONFIG_([A-Z0-9_]+)=(y|n|-?\d+|0x[0-9a-fA-F]+|"[^"]*")', line)
            assert m, f"{conf.name}:{number}: not a Kconfig assignment: {line!r}"
            symbols[m.group(1)] = m.group(2)
    return symbols


def app_kconfig(app: Path, tmp_path: Path, monkeypatch, lis2dh: bool):
    """The app's Kconfig parsed with a stand-in Kconfig.zephyr that defines
    the Zephyr symbols it refers to (DT_HAS_ST_LIS2DH_ENABLED as if the
    devicetree had, or had not, an st,lis2dh node)."""
    kconfiglib = pytest.importorskip("kconfiglib")
    (tmp_path / "Kconfig.zephyr").write_text(
        "config DT_HAS_ST_LIS2DH_ENABLED\n\tdef_bool $(LIS2DH)\n"
        "config SERIAL_SUPPORT_INTERRUPT\n\tdef_bool y\n"
        "config UART_INTERRUPT_DRIVEN\n\tbool \"uart irq\"\n\tdepends on SERIAL_SUPPORT_INTERRUPT\n"
        "menuconfig SENSOR\n\tbool \"sensors\"\n"
        "menuconfig ADC\n\tbool \"adc\"\n"
        f'source "{ROOT / "zephyr" / "Kconfig"}"\n')
    monkeypatch.setenv("srctree", str(tmp_path))
    monkeypatch.setenv("LIS2DH", "y" if lis2dh else "n")
    return kconfiglib.Kconfig(str(app / "zephyr" / "Kconfig"), warn_to_stderr=False)


# ---- files and schemas ---------------------------------------------------------
@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_sample_yaml_matches_twister_keys_and_names_the_qemu_platforms(app):
    validate(app / "sample.yaml", SCHEMAS / "testcase-schema.yml")
    sample = yaml.safe_load((app / "sample.yaml").read_text())
    platforms = set()
    for scenario in sample["tests"].values():
        allow = scenario.get("platform_allow", sample.get("common", {}).get("platform_allow", []))
        platforms.update([allow] if isinstance(allow, str) else allow)
    assert QEMU_PLATFORMS <= platforms
    for regex in sample["common"]["harness_config"]["regex"]:
        re.compile(regex)


def test_module_yml_points_twister_at_every_app_sample():
    module = yaml.safe_load((ROOT / "zephyr" / "module.yml").read_text())
    roots = [ROOT / d for d in module.get("samples", [])]
    assert roots and all(r.is_dir() for r in roots)
    for app in APPS:
        assert any(r in (app / "sample.yaml").parents for r in roots), f"{app.name}/sample.yaml is under no samples root"
    assert all((ROOT / d).is_dir() for d in module.get("tests", []))


def test_twister_schema_rejects_a_misspelt_key(tmp_path):
    errors = pytest.importorskip("pykwalify.errors")
    bad = tmp_path / "sample.yaml"
    bad.write_text("tests:\n  emml.x:\n    platform_alow: [qemu_cortex_m3]\n")
    with pytest.raises(errors.SchemaError):
        validate(bad, SCHEMAS / "testcase-schema.yml")


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_every_file_the_zephyr_build_names_exists(app):
    sources = cmake_sources(app)
    assert sources
    missing = [str(p) for p in sources if not p.is_file()]
    assert not missing, missing
    cmake = (app / "CMakeLists.txt").read_text()
    for rel in re.findall(r"\$\{CMAKE_CURRENT_LIST_DIR\}/([^\s\")]+)", cmake):
        if (app / rel) != ARTIFACTS[app]:  # see test_the_default_artifact_is_committed
            assert (app / rel).exists(), f"{app.name}/CMakeLists.txt names {rel}, which does not exist"
    for included in re.findall(r"include\(\$\{EMML_ROOT\}/(\S+?)\)", cmake):
        assert (ROOT / included).is_file(), included
    assert "find_package(Zephyr" in cmake and "emml_model(" in cmake


def test_har_zephyr_build_compiles_the_portable_core_of_the_bare_metal_build():
    names = {p.resolve() for p in cmake_sources(HAR)}
    # the same main loop and host-stream parser the PlatformIO build compiles
    for shared in ("main.c", "sensor_uart.c"):
        assert (HAR / "src" / shared).resolve() in names
    # bare-metal board ports stay out: Zephyr's drivers replace them
    for port in (HAR / "src").glob("port_*.c"):
        assert port.resolve() not in names, port.name
    assert (ROOT / "boards" / "common" / "console.c").resolve() in names


def test_kws_zephyr_build_compiles_the_portable_core_of_the_bare_metal_build():
    names = {p.resolve() for p in cmake_sources(KWS)}
    for shared in ("main.c", "kws_stream.c", "audio_uart.c"):
        assert (KWS / "src" / shared).resolve() in names
    for adc in (KWS / "src").glob("audio_adc_*.c"):  # register-level sources of the bare-metal boards
        assert adc.resolve() not in names, adc.name


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_the_default_artifact_is_committed(app):
    """`west build` in a fresh clone needs the app's training artifact."""
    if not ARTIFACTS[app].is_file() and not any((app / "model").glob("*")):
        pytest.skip(f"{app.name}/model is still empty: its artifact is not committed yet (the app's own issue)")
    assert ARTIFACTS[app].is_file(), f"{ARTIFACTS[app]} missing: CMakeLists.txt builds the model from it"


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_cmake_lists_do_not_confuse_platformio(app):
    """PlatformIO builds the app from platformio.ini and src_dir; the Zephyr
    files sit beside it and outside src/ (boards_dir points elsewhere)."""
    ini = (app / "platformio.ini").read_text()
    assert re.search(r"^src_dir = src$", ini, re.M)
    assert re.search(r"^boards_dir = \.\./\.\./boards$", ini, re.M)
    assert not list((app / "src").glob("*zephyr*"))


# ---- Kconfig -------------------------------------------------------------------
@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_conf_files_set_only_known_symbols(app, tmp_path, monkeypatch):
    kconf = app_kconfig(app, tmp_path, monkeypatch, lis2dh=True)
    known = {name for name in kconf.syms if kconf.syms[name].nodes} | set(ZEPHYR_SYMBOLS)
    unknown = sorted(set(conf_symbols(app)) - known)
    assert not unknown, f"unknown Kconfig symbols in {app.name}: {unknown} (a typo, or add them to ZEPHYR_SYMBOLS " \
                        "with the Zephyr file that defines them)"
    assert conf_symbols(app)["EMML"] == "y"


def test_har_kconfig_streams_over_the_uart_unless_the_devicetree_has_a_lis2dh(tmp_path, monkeypatch):
    kconf = app_kconfig(HAR, tmp_path, monkeypatch, lis2dh=False)
    assert not kconf.warnings, kconf.warnings
    assert kconf.syms["HAR_INPUT_UART"].str_value == "y"
    assert kconf.syms["HAR_INPUT_SENSOR"].str_value == "n"
    assert kconf.syms["UART_INTERRUPT_DRIVEN"].str_value == "y"  # implied by the UART input

    kconf = app_kconfig(HAR, tmp_path, monkeypatch, lis2dh=True)
    assert kconf.syms["HAR_INPUT_SENSOR"].str_value == "y"
    assert kconf.syms["SENSOR"].str_value == "y"
    assert kconf.syms["HAR_INPUT_UART"].set_value("y") and kconf.syms["HAR_INPUT_UART"].str_value == "y"


def test_har_overlays_put_the_accelerometer_where_sample_yaml_builds_it():
    sample = yaml.safe_load((HAR / "sample.yaml").read_text())
    built = {p for s in sample["tests"].values() if s.get("build_only") for p in s["platform_allow"]}
    overlays = sorted((HAR / "boards").glob("*.overlay"))
    assert overlays and {o.stem for o in overlays} <= built
    for overlay in overlays:
        text = overlay.read_text()
        nodes = re.findall(r"(\w+)@([0-9a-f]+)\s*\{[^}]*compatible\s*=\s*\"st,lis2dh\";[^}]*reg\s*=\s*<0x([0-9a-f]+)>",
                           text)
        assert nodes, f"{overlay.name}: no st,lis2dh node with a reg"
        for _, unit, reg in nodes:
            assert int(unit, 16) == int(reg, 16), f"{overlay.name}: unit address {unit} but reg 0x{reg}"


def test_kws_kconfig_streams_over_the_uart_unless_a_board_picks_the_adc(tmp_path, monkeypatch):
    kconf = app_kconfig(KWS, tmp_path, monkeypatch, lis2dh=False)
    assert not kconf.warnings, kconf.warnings
    assert kconf.syms["KWS_AUDIO_UART"].str_value == "y"
    assert kconf.syms["UART_INTERRUPT_DRIVEN"].str_value == "y"
    kconf.load_config(str(KWS / "boards" / "rpi_pico.conf"), replace=False)
    assert kconf.syms["KWS_AUDIO_ADC"].str_value == "y"
    assert kconf.syms["ADC"].str_value == "y"


def test_kws_overlays_give_the_microphone_channel_they_configure():
    sample = yaml.safe_load((KWS / "sample.yaml").read_text())
    built = {p for s in sample["tests"].values() if s.get("build_only") for p in s["platform_allow"]}
    overlays = sorted((KWS / "boards").glob("*.overlay"))
    assert overlays and {o.stem for o in overlays} <= built
    for overlay in overlays:
        text = overlay.read_text()
        used = re.search(r"zephyr,user\s*\{[^}]*io-channels\s*=\s*<&(\w+)\s+(\d+)>", text)
        assert used, f"{overlay.name}: no io-channels in a zephyr,user node"
        channel = re.search(rf"&{used.group(1)}\s*\{{.*channel@{int(used.group(2)):x}\s*\{{[^}}]*reg\s*=\s*<(\d+)>", text,
                            re.S)
        assert channel and int(channel.group(1)) == int(used.group(2)), f"{overlay.name}: channel not configured"
        conf = (KWS / "boards" / f"{overlay.stem}.conf").read_text()
        assert "CONFIG_KWS_AUDIO_ADC=y" in conf


# ---- model regeneration ------------------------------------------------------------
REGEN = ROOT / "zephyr" / "cmake" / "regen_model.py"


def run_regen(*args, python=sys.executable):
    return subprocess.run([python, str(REGEN), *map(str, args)], capture_output=True, text=True, timeout=300)


def test_regen_command_line_writes_the_committed_c_and_then_nothing(tmp_path):
    artifact = HAR / "model" / "har_model.joblib"
    committed = HAR / "model" / "generated"
    first = run_regen("har", artifact, tmp_path / "out")
    assert first.returncode == 0, first.stderr
    assert "har model C regenerated" in first.stdout
    stamp = json.loads((committed / ".emml-stamp.json").read_text())
    assert stamp["artifact_sha256"] == hashlib.sha256(artifact.read_bytes()).hexdigest(), \
        "apps/har/model/generated is stale: run `emml har train` (or emml.prebuild) again"
    for name in stamp["files"]:
        assert (tmp_path / "out" / name).read_bytes() == (committed / name).read_bytes(), name
    again = run_regen("har", artifact, tmp_path / "out")
    assert again.returncode == 0 and "up to date" in again.stdout, again.stdout + again.stderr


def test_regen_command_line_says_what_is_wrong(tmp_path):
    missing = run_regen("har", tmp_path / "none.joblib", tmp_path / "out")
    assert missing.returncode == 2 and "not found; train one" in missing.stderr
    unknown = run_regen("trees", HAR / "model" / "har_model.joblib", tmp_path / "out")
    assert unknown.returncode == 2 and "no model generator for app 'trees'" in unknown.stderr


def python_without_emml(tmp_path: Path) -> Path:
    """This interpreter without site-packages: emml cannot be imported."""
    wrapper = tmp_path / "python-no-emml"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -I -S "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


def test_regen_command_line_without_emml_exits_3(tmp_path):
    proc = run_regen("har", HAR / "model" / "har_model.joblib", tmp_path / "out", python=python_without_emml(tmp_path))
    assert proc.returncode == 3 and "cannot import emml" in proc.stderr


def host_cmake_project(tmp_path: Path, artifact: Path) -> Path:
    """A host CMake project that uses emml_model() as the apps do; `app` is a
    static library so the generated C is compiled but needs no board."""
    src = tmp_path / "project"
    src.mkdir()
    (src / "stub.c").write_text("int stub;\n")
    (src / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.20)\nproject(emml_model_check C)\n"
        f'include("{ROOT}/zephyr/cmake/emml_model.cmake")\n'
        "add_library(app STATIC stub.c)\n"
        f'target_include_directories(app PRIVATE "{ROOT}/lib/emml/include")\n'
        f'emml_model(APP har ARTIFACT "{artifact}")\n')
    return src


def cmake(*args, cwd=None):
    return subprocess.run(["cmake", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=600)


def ninja(build: Path):
    return subprocess.run(["ninja", "-C", str(build)], capture_output=True, text=True, timeout=600)


def retrained(artifact: Path) -> None:
    """The same artifact file, now holding a different model (a shallow tree)."""
    from sklearn.tree import DecisionTreeClassifier

    from emml.har.artifact import HarArtifact

    art = HarArtifact.load(artifact)
    X = np.random.default_rng(0).normal(size=(60, art.features.n_features)).astype(np.float32)
    art.estimator = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, np.arange(60) % len(art.classes))
    art.save(artifact)


@pytest.mark.slow
def test_cmake_custom_command_regenerates_the_model_when_the_artifact_changes(tmp_path, need_tool):
    need_tool("cmake")
    need_tool("ninja")
    artifact = tmp_path / "har_model.joblib"
    shutil.copyfile(HAR / "model" / "har_model.joblib", artifact)
    build = tmp_path / "build"
    conf = cmake("-S", host_cmake_project(tmp_path, artifact), "-B", build, "-G", "Ninja",
                 f"-DEMML_PYTHON={sys.executable}")
    assert conf.returncode == 0, conf.stdout + conf.stderr
    assert "har model C regenerated" in conf.stdout
    first = ninja(build)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "har_model.c.o" in first.stdout
    model_c = build / "emml_har" / "har_model.c"
    before = model_c.read_text()
    assert ninja(build).stdout.strip().endswith("no work to do.")

    retrained(artifact)
    second = ninja(build)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "emml: regenerating the har model C" in second.stdout and "har_model.c.o" in second.stdout
    assert model_c.read_text() != before
    assert ninja(build).stdout.strip().endswith("no work to do.")


@pytest.mark.slow
def test_cmake_without_emml_uses_the_committed_c_only_if_it_matches(tmp_path, need_tool):
    need_tool("cmake")
    need_tool("ninja")
    python = python_without_emml(tmp_path)
    ok = cmake("-S", host_cmake_project(tmp_path, HAR / "model" / "har_model.joblib"), "-B", tmp_path / "b1",
               "-G", "Ninja", f"-DEMML_PYTHON={python}")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "using the committed" in ok.stderr
    assert ninja(tmp_path / "b1").returncode == 0

    other = tmp_path / "other" / "har_model.joblib"
    other.parent.mkdir()
    shutil.copyfile(HAR / "model" / "har_model.joblib", other)
    retrained(other)
    shutil.rmtree(tmp_path / "project")
    bad = cmake("-S", host_cmake_project(tmp_path, other), "-B", tmp_path / "b2", "-G", "Ninja",
                f"-DEMML_PYTHON={python}")
    assert bad.returncode != 0
    assert "cannot import emml" in bad.stderr and "there is no C for this model" in bad.stderr


def test_cmake_missing_artifact_stops_with_a_readable_message(tmp_path, need_tool):
    need_tool("cmake")
    proc = cmake("-S", host_cmake_project(tmp_path, tmp_path / "none.joblib"), "-B", tmp_path / "b",
                 f"-DEMML_PYTHON={sys.executable}")
    assert proc.returncode != 0
    assert "training artifact" in proc.stderr and "not found; train one" in proc.stderr
    assert "-DEMML_HAR_ARTIFACT=" in proc.stderr.replace("\n  ", " ").replace("\n", " ")


# ---- the Zephyr glue on the host (stand-in headers, NOT Zephyr) ----------------------------
def host_glue_build(tmp_path: Path, need_tool, app: Path, generated: Path, defines: list[str],
                    interrupts: bool) -> Path:
    """The app's UART-input Zephyr build (the sources its CMake names) for
    the host, against the stand-in headers."""
    gcc = need_tool("gcc")
    sources = [p for p in cmake_sources(app) if p.name not in ("sensor_zephyr.c", "audio_adc_zephyr.c")]
    sources += sorted(generated.glob("*.c")) + sorted((ROOT / "lib" / "emml" / "src").glob("*.c"))
    sources += [ROOT / "zephyr" / "emml_port_zephyr.c", STUBS / "zephyr_host.c"]
    defines = ['-DCONFIG_BOARD="host_stub"', "-DCONFIG_THREAD_STACK_INFO=1", "-DCONFIG_INIT_STACKS=1", *defines]
    defines += ["-DCONFIG_UART_INTERRUPT_DRIVEN=1"] if interrupts else []
    includes = [STUBS, app / "src", ROOT / "boards" / "common", ROOT / "lib" / "emml" / "include", generated]
    exe = tmp_path / f"{app.name}_zephyr_glue_{'irq' if interrupts else 'poll'}"
    proc = subprocess.run([gcc, "-std=c99", "-Wall", "-Wextra", "-Werror", "-O1", *defines,
                           *[f"-I{i}" for i in includes], *map(str, sources), "-lm", "-o", str(exe)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return exe


@pytest.mark.parametrize("interrupts", [False, True], ids=["polling", "interrupts"])
def test_har_zephyr_glue_streams_recordings_on_host_stand_ins(tmp_path, need_tool, interrupts):
    from emml.har import device
    from emml.har.artifact import HarArtifact
    from emml.har.data import windows_of

    exe = host_glue_build(tmp_path, need_tool, HAR, HAR / "model" / "generated", ["-DHAR_SENSOR_UART=1"], interrupts)
    art = HarArtifact.load(HAR / "model" / "har_model.joblib")
    rng = np.random.default_rng(7)
    recordings = [np.cumsum(rng.normal(0, 90, size=(n, 3)), axis=0).astype(np.int64) + [0, 0, 1000]
                  for n in (260, art.window + 3, art.window - 1, 150)]
    proc = subprocess.run([str(exe)], input=device.stream_text(recordings).encode(), capture_output=True, timeout=120)
    lines = proc.stdout.decode().replace("\r", "").splitlines()
    assert proc.returncode == 0, (proc.returncode, proc.stderr.decode(), lines[-5:])
    assert lines[0].startswith(f"har ready board=host_stub rate_millihz={round(art.rate_hz * 1000)} window={art.window} ")
    got = [m.group(1) for m in map(device.CLASS_LINE.match, lines) if m]
    want = [c for r in recordings for c in art.predict(windows_of(r, art.window, art.hop))]
    assert len(want) > 10 and got == list(want)
    assert lines[-1].startswith(f"done windows={len(want)} stack=")


@pytest.mark.parametrize("app,source,ticks", [
    (HAR, "sensor_zephyr.c", 10000),
    (KWS, "audio_adc_zephyr.c", 16000),
], ids=["har-sensor", "kws-adc"])
def test_zephyr_hardware_sources_compile_against_stand_in_declarations(tmp_path, need_tool, app, source, ticks):
    """The sensor and ADC sources need a board to run; here they are at
    least compiled, warning-free, against declarations of the Zephyr calls
    they make (tests/zephyr/host_stubs; types and names only, not Zephyr)."""
    gcc = need_tool("gcc")
    generated = app / "model" / "generated"
    if not (generated / ".emml-stamp.json").is_file():
        pytest.skip(f"{generated} is not committed yet")

    def compile_with(tick_rate):
        return subprocess.run([gcc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-c", "-DCONFIG_NUM_COOP_PRIORITIES=16",
                               f"-DCONFIG_SYS_CLOCK_TICKS_PER_SEC={tick_rate}", f"-I{STUBS}", f"-I{app / 'src'}",
                               f"-I{generated}", f"-I{ROOT / 'lib' / 'emml' / 'include'}",
                               f"-I{ROOT / 'boards' / 'common'}", str(app / "zephyr" / "src" / source),
                               "-o", str(tmp_path / "out.o")], capture_output=True, text=True, timeout=120)

    proc = compile_with(ticks)
    assert proc.returncode == 0, proc.stderr
    if app is KWS:  # a tick that does not divide the sample period is refused at build time
        late = compile_with(10000)
        assert late.returncode != 0 and "CONFIG_SYS_CLOCK_TICKS_PER_SEC" in late.stderr


def kws_session(samples: np.ndarray) -> bytes:
    """Host -> firmware bytes (src/audio_uart.c): reset, audio in packets,
    decide now, end. The samples include bytes 0x01, QEMU's escape byte."""
    out = bytearray(b"R")
    for start in range(0, len(samples), 1000):
        chunk = samples[start:start + 1000].astype("<i2")
        out += b"A" + len(chunk).to_bytes(2, "little") + chunk.tobytes()
    return bytes(out + b"DQ")


def kws_generated(tmp_path: Path) -> Path:
    if not ARTIFACTS[KWS].is_file():
        pytest.skip("apps/audio_kws/model/kws.json is not committed yet")
    out = tmp_path / "emml_kws"
    proc = run_regen("kws", ARTIFACTS[KWS], out)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.slow
@pytest.mark.parametrize("interrupts", [False, True], ids=["polling", "interrupts"])
def test_kws_zephyr_glue_decides_like_the_bare_metal_build_in_qemu(tmp_path, need_tool, interrupts):
    """The same session through the Zephyr glue on the host and through the
    bare-metal build in QEMU (qemu_m0): the same lines."""
    from emml import boards, dut, firmware

    generated = kws_generated(tmp_path)
    exe = host_glue_build(tmp_path, need_tool, KWS, generated, [], interrupts)
    rng = np.random.default_rng(5)
    tone = 6000 * np.sin(2 * np.pi * 440 * np.arange(12000) / 8000)
    samples = np.clip(tone + rng.normal(0, 2000, size=tone.size), -32768, 32767).astype(np.int16)
    session = kws_session(samples)
    assert b"\x01" in session
    host = subprocess.run([str(exe)], input=session, capture_output=True, timeout=120)
    assert host.returncode == 0, (host.returncode, host.stderr.decode())
    host_lines = host.stdout.decode().replace("\r", "").splitlines()

    need_tool("arm-none-eabi-gcc")
    need_tool(boards.load("qemu_m0").qemu[0])
    image = firmware.build("qemu_m0", sorted((KWS / "src").glob("*.c")) + sorted(generated.glob("*.c")),
                           include_dirs=[KWS / "src", generated], defines=["KWS_AUDIO_UART=1"], name="kws_zephyr_ref")
    status, text = dut.run("qemu_m0", image.elf, session, timeout=120)
    qemu_lines = text.replace("\r", "").splitlines()
    assert status == 0, qemu_lines[-5:]

    def decisions(lines):
        return [ln for ln in lines if ln == "r" or ln.startswith("d ")]

    assert host_lines[0].startswith("kws ready host_stub classes=")
    assert host_lines[0].split()[3:] == qemu_lines[0].split()[3:]
    assert len(decisions(host_lines)) >= 3 and decisions(host_lines) == decisions(qemu_lines)
    assert host_lines[-1] == "bye"


# ---- the real thing, where a Zephyr tree is available ---------------------------------
need_zephyr = pytest.mark.skipif(
    not os.environ.get("ZEPHYR_BASE"),
    reason="ZEPHYR_BASE not set: no Zephyr tree on this machine, so `west build` of the apps was not run")


def west(*args, timeout=900):
    exe = shutil.which("west") or str(Path(sys.executable).with_name("west"))
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=timeout)


@contextlib.contextmanager
def west_run(build: Path):
    """`west build -t run` with its stdin and stdout on pipes (a terminal would
    turn control bytes of a binary stream into signals), in its own process
    group so QEMU, two processes further down, ends with it."""
    popen_spawn = pytest.importorskip("pexpect.popen_spawn")
    exe = shutil.which("west") or str(Path(sys.executable).with_name("west"))
    child = popen_spawn.PopenSpawn([exe, "build", "-d", str(build), "-t", "run"], timeout=120,
                                   preexec_fn=os.setsid)
    try:
        yield child
    finally:
        try:
            os.killpg(child.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        child.proc.wait(timeout=30)


@need_zephyr
@pytest.mark.firmware
@pytest.mark.parametrize("board", sorted(QEMU_PLATFORMS))
def test_west_build_runs_har_in_qemu(board, tmp_path):
    from emml.har import device
    from emml.har.artifact import HarArtifact
    from emml.har.data import windows_of

    build = tmp_path / "build"
    made = west("build", "-p", "always", "-b", board, "-d", build, HAR, "--", f"-DEMML_PYTHON={sys.executable}")
    assert made.returncode == 0, made.stdout[-4000:] + made.stderr[-4000:]
    art = HarArtifact.load(HAR / "model" / "har_model.joblib")
    rng = np.random.default_rng(3)
    recordings = [np.cumsum(rng.normal(0, 90, size=(n, 3)), axis=0).astype(np.int64) for n in (200, 90)]
    want = [c for r in recordings for c in art.predict(windows_of(r, art.window, art.hop))]
    with west_run(build) as child:
        child.expect(rf"har ready board={board} rate_millihz=\d+ window={art.window} hop={art.hop}".encode())
        child.send(device.stream_text(recordings).encode())
        child.expect(rb"done windows=(\d+) stack=(\d+) of (\d+)\r?\n")
        assert int(child.match.group(1)) == len(want)
        output = child.before.decode()
    got = [m.group(1) for m in (device.CLASS_LINE.match(ln.strip()) for ln in output.splitlines()) if m]
    assert got == list(want)


@need_zephyr
@pytest.mark.firmware
def test_west_build_har_with_the_lis3dh_for_rpi_pico(tmp_path):
    made = west("build", "-p", "always", "-b", "rpi_pico", "-d", tmp_path / "build", HAR, "--",
                f"-DEMML_PYTHON={sys.executable}")
    assert made.returncode == 0, made.stdout[-4000:] + made.stderr[-4000:]
    config = (tmp_path / "build" / "zephyr" / ".config").read_text()
    assert "CONFIG_HAR_INPUT_SENSOR=y" in config and "CONFIG_LIS2DH=y" in config


def escape_qemu_mux(data: bytes) -> bytes:
    """`west build -t run` multiplexes QEMU's monitor onto stdio: byte 0x01
    (Ctrl-a) starts a command there, and Ctrl-a Ctrl-a sends one 0x01."""
    return data.replace(b"\x01", b"\x01\x01")


@need_zephyr
@pytest.mark.firmware
@pytest.mark.parametrize("board", sorted(QEMU_PLATFORMS))
def test_west_build_runs_kws_in_qemu(board, tmp_path):
    build = tmp_path / "build"
    made = west("build", "-p", "always", "-b", board, "-d", build, KWS, "--", f"-DEMML_PYTHON={sys.executable}")
    assert made.returncode == 0, made.stdout[-4000:] + made.stderr[-4000:]
    rng = np.random.default_rng(5)
    samples = rng.normal(0, 3000, size=8000).astype(np.int16)
    with west_run(build) as child:
        child.expect(rb"kws ready " + board.encode() + rb" classes=\d+")
        child.send(escape_qemu_mux(kws_session(samples)))
        child.expect(rb"\nr\r?\n")
        child.expect(rb"\nd \d+ -?\d+ -?\d+ \S*\r?\n")
        child.expect(rb"stack (\d+) (\d+)\r?\nbye")
        assert 0 < int(child.match.group(1)) < int(child.match.group(2))


@need_zephyr
@pytest.mark.firmware
def test_west_build_kws_with_the_adc_for_rpi_pico(tmp_path):
    made = west("build", "-p", "always", "-b", "rpi_pico", "-d", tmp_path / "build", KWS, "--",
                f"-DEMML_PYTHON={sys.executable}")
    assert made.returncode == 0, made.stdout[-4000:] + made.stderr[-4000:]
    config = (tmp_path / "build" / "zephyr" / ".config").read_text()
    assert "CONFIG_KWS_AUDIO_ADC=y" in config and "CONFIG_ADC=y" in config
