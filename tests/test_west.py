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
