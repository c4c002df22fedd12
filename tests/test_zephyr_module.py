"""emml as a Zephyr module: module.yml, Kconfig, CMake glue and the ZTEST suite.

Zephyr itself (about 1.5 GB) cannot be fetched on these machines, so the
checks that need no Zephyr tree always run (schemas, Kconfig parsed by
kconfiglib, Kconfig-to-macro mapping) and the real build runs only when
ZEPHYR_BASE points at a Zephyr tree; otherwise it is skipped, saying why.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ZEPHYR = ROOT / "zephyr"
ZTEST = ROOT / "tests" / "zephyr" / "emml_lib"
SCHEMAS = ROOT / "tests" / "zephyr"


def validate(data_file: Path, schema_file: Path) -> None:
    core = pytest.importorskip("pykwalify.core")
    core.Core(source_file=str(data_file), schema_files=[str(schema_file)]).validate(raise_exception=True)


def test_module_yml_matches_schema_and_points_at_real_files():
    validate(ZEPHYR / "module.yml", SCHEMAS / "module-schema.yml")
    module = yaml.safe_load((ZEPHYR / "module.yml").read_text())
    assert (ROOT / module["build"]["cmake"] / "CMakeLists.txt").is_file()
    assert (ROOT / module["build"]["kconfig"]).is_file()


def test_schema_rejects_a_misspelt_key(tmp_path):
    errors = pytest.importorskip("pykwalify.errors")
    bad = tmp_path / "module.yml"
    bad.write_text("name: emml\nbuild:\n  cmake: zephyr\n  kconfg: zephyr/Kconfig\n")
    with pytest.raises(errors.SchemaError):
        validate(bad, SCHEMAS / "module-schema.yml")


def test_testcase_yaml_names_the_qemu_platforms():
    validate(ZTEST / "testcase.yaml", SCHEMAS / "testcase-schema.yml")
    testcase = yaml.safe_load((ZTEST / "testcase.yaml").read_text())
    assert set(testcase["common"]["platform_allow"]) == {"qemu_cortex_m0", "qemu_cortex_m3", "qemu_riscv32e"}


def _kconfig():
    kconfiglib = pytest.importorskip("kconfiglib")
    return kconfiglib.Kconfig(str(ZEPHYR / "Kconfig"), warn_to_stderr=False)


def test_kconfig_parses_cleanly_and_options_depend_on_emml():
    kconf = _kconfig()
    assert not kconf.warnings, kconf.warnings
    emml = kconf.syms["EMML"]
    assert emml.str_value == "n"  # off unless the app asks for it
    assert kconf.syms["EMML_STATUS_STRINGS"].str_value == "n"  # hidden while EMML=n
    emml.set_value("y")
    assert kconf.syms["EMML_STATUS_STRINGS"].str_value == "y"
    assert kconf.syms["EMML_FLOAT"].str_value == "y"
    assert kconf.syms["EMML_LOG"].str_value == "n"


def test_every_kconfig_option_maps_onto_a_config_macro():
    kconf = _kconfig()
    cmake = (ZEPHYR / "CMakeLists.txt").read_text()
    config_h = (ROOT / "lib" / "emml" / "include" / "emml" / "config.h").read_text()
    options = [name for name in kconf.syms if name.startswith("EMML_")]
    assert options
    for option in options:
        m = re.search(rf"(EMML_\w+)=\$<IF:\$<BOOL:\${{CONFIG_{option}}}>", cmake)
        assert m, f"CONFIG_{option} is not passed to the compiler in zephyr/CMakeLists.txt"
        assert f"#ifndef {m.group(1)}" in config_h, f"{m.group(1)} is not an option of emml/config.h"


@pytest.mark.skipif(not os.environ.get("ZEPHYR_BASE"), reason="ZEPHYR_BASE not set: no Zephyr tree on this machine, so the Zephyr build of the ZTEST suite was not run")
@pytest.mark.firmware
def test_ztest_suite_builds_and_passes_in_qemu(tmp_path):
    west = shutil.which("west")
    assert west, "west not on PATH"
    build = tmp_path / "build"
    subprocess.run([west, "build", "-p", "always", "-b", "qemu_cortex_m3", "-d", str(build), str(ZTEST),
                    "--", f"-DZEPHYR_EXTRA_MODULES={ROOT}"], check=True)
    run = subprocess.run([west, "build", "-d", str(build), "-t", "run"], capture_output=True, text=True, timeout=300)
    assert "PROJECT EXECUTION SUCCESSFUL" in run.stdout, run.stdout[-3000:]
