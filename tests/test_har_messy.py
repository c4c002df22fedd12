"""`emml har train` on recordings shaped the way users' loggers write them
(scripts/make_messy_corpus.py derives them from ST HAR and BasicMotions):
other rates, raw counts, g and m/s^2, timestamps instead of --rate, labels in
file names, 6-axis files, empty and truncated files. Each trains firmware that
fits the board and agrees with Python on every held-out window in QEMU, or
is refused in one line; never a traceback.

Accuracy floors: the corpora here are small (6 recordings of 40 s per class),
so the floors are loose: 0.6 on the three ST HAR classes (chance 0.33), 0.8 on
BasicMotions' four (whose classes are far apart)."""

from __future__ import annotations

import importlib.util
import json
import re

import pytest

from emml import datasets
from emml.cli import main
from emml.paths import repo_root

pytestmark = [pytest.mark.firmware, pytest.mark.slow]


def _corpus_module():
    spec = importlib.util.spec_from_file_location("make_messy_corpus",
                                                  repo_root() / "scripts" / "make_messy_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    if datasets.find("st_har_26hz") is None or datasets.find("basicmotions") is None:
        pytest.skip("ST HAR or BasicMotions not found (emml data fetch ..., or set EMML_DATA_DIR)")
    out = tmp_path_factory.mktemp("messy")
    m = _corpus_module()
    for variant in ("har_100hz_counts", "har_50hz_g_csv", "har_200hz_ms2", "har_400hz_suffix", "har_basicmotions"):
        m.VARIANTS[variant](out, per_class=6, seconds=40)
    return out


def train(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["har", "train", "--quiet", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return status, out, err


CASES = [
    # variant, options, board, model rate, units found
    ("har_100hz_counts", ["--rate", "100"], "ch32v003", 50.0, "counts (16384 per g)"),
    ("har_100hz_counts", ["--rate", "100"], "py32f003", 100.0, "counts (16384 per g)"),
    ("har_50hz_g_csv", [], "py32f003", 50.0, "g"),
    ("har_200hz_ms2", ["--rate", "200"], "ch32v003", 50.0, "m/s2"),
    ("har_400hz_suffix", ["--rate", "400"], "py32f003", 100.0, "counts (4096 per g)"),
    ("har_basicmotions", ["--rate", "10", "--units", "m/s2"], "ch32v003", 10.0, "m/s2"),
]


@pytest.mark.parametrize("variant,options,board,model_rate,units", CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_messy_recordings_train_firmware_that_fits_and_agrees(corpus, tmp_path, capsys, need_tool, variant, options,
                                                              board, model_rate, units):
    need_tool("qemu-system-riscv32" if board == "ch32v003" else "qemu-system-arm")
    status, out, err = train(capsys, "--data", str(corpus / variant), "--board", board, "--out", str(tmp_path),
                             *options)
    assert status == 0, out + err
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["fits"] is True and m["flash_bytes"] <= m["flash_limit"] and m["ram_bytes"] <= m["ram_limit"]
    assert m["device_agreement"] == 1.0 and m["device_windows"] > 0
    assert m["rate_hz"] == model_rate and m["resampled"] == (model_rate != m["data_rate_hz"])
    assert m["data"]["units"] == units
    floor = 0.8 if variant == "har_basicmotions" else 0.6
    assert m["accuracy"] >= floor, m["accuracy"]
    # every file is accounted for: used, or skipped with the reason
    assert all(v.startswith(("used", "skipped: ")) for v in m["data"]["files"].values())
    if variant == "har_100hz_counts":
        files = m["data"]["files"]
        assert files["running/empty.npy"] == "skipped: empty file"
        assert files["running/session.log"].startswith("skipped: not a .csv or .npy")
        assert files["walking/logger_stopped.npy"].startswith("used")
        assert any("logger_stopped.npy: truncated: read the" in w for w in m["data"]["warnings"])
    if m["resampled"]:
        assert f"resampled from {m['data_rate_hz']:g} Hz" in m["rate_note"]
        assert "resampled" in (tmp_path / "report.md").read_text()


def test_units_that_the_data_cannot_decide_are_refused_in_one_line(corpus, tmp_path, capsys):
    status, out, err = train(capsys, "--data", str(corpus / "har_basicmotions"), "--rate", "10", "--board",
                             "ch32v003", "--out", str(tmp_path))
    assert status == 2
    assert re.fullmatch(r"emml: error: cannot find the units: no quiet stretch .*pass --units .*\n", err), err


@pytest.mark.parametrize("variant,options,message", [
    ("har_100hz_counts", [], r"the sample rate is needed: pass --rate HZ"),
    ("har_100hz_counts", ["--rate", "100", "--window", "30"],
     r"a 30 s window does not fit ch32v003 at any sensor rate down to 10 Hz: at 10 Hz the firmware needs [\d,]+ B "
     r"RAM \(stack included\) of 2,048; options that fit: --window [\d.]+"),
    ("har_400hz_suffix", ["--rate", "400", "--label-from", "folder"], r"no usable recordings"),
    ("har_100hz_counts", ["--rate", "5"], r"no sensor rate from 10 Hz up gives 8\.\.1024 samples"),
], ids=["no-rate", "window-too-long", "wrong-label-source", "rate-too-low"])
def test_options_that_cannot_work_are_refused_in_one_line(corpus, tmp_path, capsys, variant, options, message):
    status, out, err = train(capsys, "--data", str(corpus / variant), "--board", "ch32v003", "--out",
                             str(tmp_path), *options)
    assert status == 2, out + err
    assert err.startswith("emml: error: ") and err.count("\n") == 1, err
    assert re.search(message, err), err
