"""The west manifest parses, pins a Zephyr release and makes emml the manifest repo.

`west manifest --validate` needs the imported Zephyr manifest cloned, which
cannot be fetched here, so this parses with imports ignored.
"""

from pathlib import Path

import pytest
import yaml

west_manifest = pytest.importorskip("west.manifest")

ROOT = Path(__file__).resolve().parent.parent


def test_west_manifest_parses_and_pins_zephyr():
    data = yaml.safe_load((ROOT / "west.yml").read_text())
    manifest = west_manifest.Manifest.from_data(data, import_flags=west_manifest.ImportFlag.IGNORE)
    projects = {p.name: p for p in manifest.projects}
    assert projects["manifest"].path == "emml"
    zephyr = projects["zephyr"]
    # a release tag, never a moving branch
    assert zephyr.revision.startswith("v") and zephyr.revision.count(".") == 2


def test_west_manifest_rejects_garbage():
    with pytest.raises(west_manifest.MalformedManifest):
        west_manifest.Manifest.from_data({"manifest": {"projects": [{"revision": "x"}]}},
                                         import_flags=west_manifest.ImportFlag.IGNORE)


#: Zephyr modules each board the apps and tests name needs (Zephyr v4.2:
#: Cortex-M uses cmsis_6; qemu_cortex_m0 emulates an nRF51822 whose drivers
#: come from hal_nordic; rpi_pico's from hal_rpi_pico).
BOARD_MODULES = {
    "qemu_cortex_m0": {"cmsis_6", "hal_nordic"},
    "qemu_cortex_m3": {"cmsis_6"},
    "qemu_riscv32e": set(),
    "rpi_pico": {"cmsis_6", "hal_rpi_pico"},
}


def test_manifest_imports_the_modules_of_every_board_the_apps_and_tests_name():
    data = yaml.safe_load((ROOT / "west.yml").read_text())
    zephyr = next(p for p in data["manifest"]["projects"] if p["name"] == "zephyr")
    allowed = set(zephyr["import"]["name-allowlist"])
    files = sorted(ROOT.glob("apps/*/sample.yaml")) + sorted(ROOT.glob("tests/zephyr/*/testcase.yaml"))
    assert files
    for path in files:
        spec = yaml.safe_load(path.read_text())
        scenarios = [spec.get("common", {}), *spec["tests"].values()]
        for scenario in scenarios:
            platforms = scenario.get("platform_allow", [])
            for board in [platforms] if isinstance(platforms, str) else platforms:
                assert board in BOARD_MODULES, f"{path}: {board} is not in BOARD_MODULES; add it with the modules it needs"
                missing = BOARD_MODULES[board] - allowed
                assert not missing, f"{path} builds {board}, which needs {missing} in west.yml's name-allowlist"
