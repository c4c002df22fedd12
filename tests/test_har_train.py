"""`emml har train` end to end on a slice of the ST HAR recordings (with
some mess added): metrics.json, the artifact, the generated C, the report,
and the firmware run in QEMU agreeing with Python; the committed default
model of apps/har is fresh; bad input gives one clear error line."""

from __future__ import annotations

import json
import shutil

import pytest

from emml.cli import main
from emml import datasets
from emml.paths import repo_root

REQUIRED_KEYS = {"accuracy", "device_agreement", "flash_bytes", "ram_bytes", "fits", "board",
                 "cycles_per_window", "instructions_per_window", "duty_cycle", "per_class", "candidates",
                 "confusion_matrix", "stack_used_bytes", "stack_reserved_bytes"}


def st_har():
    root = datasets.find("st_har_26hz")
    if root is None:
        pytest.skip("ST HAR recordings not found (emml data fetch st_har_26hz, or set EMML_DATA_DIR)")
    return root / "dataset"


@pytest.fixture(scope="module")
def small_messy_set(tmp_path_factory):
    """6 recordings per class, plus an empty file, a stray note and a truncated copy."""
    src = st_har()
    dst = tmp_path_factory.mktemp("har") / "recordings"
    for cls in ("running", "stationary", "walking"):
        (dst / cls).mkdir(parents=True)
        for f in sorted((src / cls).glob("*.csv"))[:6]:
            shutil.copy(f, dst / cls / f.name)
    (dst / "walking" / "empty.csv").write_text("")
    (dst / "running" / "notes.txt").write_text("left wrist\n")
    text = sorted((src / "stationary").glob("*.csv"))[6].read_text()
    (dst / "stationary" / "truncated.csv").write_text(text[: len(text) // 2].rsplit(",", 1)[0] + "\n")
    return dst


@pytest.mark.firmware
@pytest.mark.slow
def test_cli_train_writes_metrics_model_and_report(small_messy_set, tmp_path, capsys, need_tool):
    need_tool("qemu-system-riscv32")
    need_tool("riscv64-unknown-elf-gcc")
    out = tmp_path / "out"
    status = main(["har", "train", "--data", str(small_messy_set), "--rate", "26", "--board", "ch32v003",
                   "--out", str(out), "--search", "tiny", "--cv", "2", "--quiet"])
    printed = capsys.readouterr().out
    assert status == 0, printed
    m = json.loads((out / "metrics.json").read_text())
    assert REQUIRED_KEYS <= set(m), REQUIRED_KEYS - set(m)
    assert m["board"] == "ch32v003" and m["fits"] is True
    assert m["flash_bytes"] <= 16384 and m["ram_bytes"] <= 2048
    assert m["device_agreement"] == 1.0 and m["device_windows"] > 0
    assert 0.6 <= m["accuracy"] <= 1.0
    assert m["stack_used_bytes"] < m["stack_reserved_bytes"]
    assert m["instructions_per_window"] > 1000 and 0 < m["duty_cycle"] < 0.5
    assert set(m["per_class"]) == {"running", "stationary", "walking"}
    assert all(v["test_files"] >= 1 and v["train_files"] >= 1 for v in m["per_class"].values())
    assert len(m["candidates"]) == 2
    warnings = "\n".join(m["data"]["warnings"])
    assert "walking/empty.csv: empty file" in warnings and "running/notes.txt" in warnings
    assert "stationary/truncated.csv: dropped its last line" in warnings
    assert m["data"]["recordings_used"] == 19  # 18 + the truncated one
    for name in ("har_model.joblib", "report.md", "confusion.png", "accuracy_vs_flash.png",
                 "generated/har_model.c", "generated/har_dsp.c", "generated/har_app.h"):
        assert (out / name).is_file(), name
    assert "device_agreement 1.0000" in printed


def test_cli_bad_data_is_one_clear_line(tmp_path, capsys):
    (tmp_path / "walk").mkdir()
    (tmp_path / "walk" / "a.txt").write_text("x")
    status = main(["har", "train", "--data", str(tmp_path), "--rate", "26", "--board", "ch32v003",
                   "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("emml: error:") and "no usable recordings" in err and len(err.strip().splitlines()) == 1


def test_cli_unknown_board_is_one_clear_line(tmp_path, capsys):
    status = main(["har", "train", "--data", str(tmp_path), "--rate", "26", "--board", "esp32",
                   "--out", str(tmp_path / "o")])
    assert status == 2
    assert "esp32" in capsys.readouterr().err


def test_committed_default_model_is_fresh():
    """apps/har/model/generated is what the committed artifact generates today
    (if this fails after a generator change: emml har train again, or run
    emml.har.codegen.write on the artifact)."""
    from emml.har import codegen
    from emml.har.artifact import HarArtifact

    model = repo_root() / "apps" / "har" / "model"
    art = HarArtifact.load(model / "har_model.joblib")
    for name, text in codegen.sources(art).items():
        assert (model / "generated" / name).read_text() == text, f"apps/har/model/generated/{name} is stale"
    m = json.loads((model / "metrics.json").read_text())
    assert m["board"] == art.board and m["fits"] is True and m["device_agreement"] == 1.0
