"""`emml kws train` on users' folder layouts: Speech Commands (speaker ids in
the names, list files, _background_noise_), <speaker>/<class>/ folders,
--words with _unknown_ and _silence_, the speaker split by default, and too
little data refused in one line. The corpus is FSDD renamed into the Speech
Commands layout by scripts/make_messy_corpus.py."""

from __future__ import annotations

import importlib.util
import json
import shutil

import numpy as np
import pytest
from scipy.io import wavfile

from emml import datasets
from emml.cli import main
from emml.kws import train
from emml.kws.audio import SILENCE, UNKNOWN, load_folder
from emml.paths import repo_root


@pytest.fixture(scope="module")
def speech_commands(tmp_path_factory):
    if datasets.find("fsdd") is None:
        pytest.skip("FSDD not found (emml data fetch fsdd, or set EMML_DATA_DIR)")
    spec = importlib.util.spec_from_file_location("make_messy_corpus", repo_root() / "scripts" / "make_messy_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.kws_speech_commands(tmp_path_factory.mktemp("kws"), per_class=8)


def test_speech_commands_names_give_speakers_not_clip_indices(speech_commands):
    ds = load_folder(speech_commands, 8000)
    assert ds.layout == "class folders" and len(ds.noise) == 2
    assert len({c.speaker for c in ds.clips}) == 6 and all(c.index is None for c in ds.clips)
    testing = {ln for ln in (speech_commands / "testing_list.txt").read_text().split()}
    assert {c.path.relative_to(speech_commands).as_posix() for c in ds.clips if c.subset == "testing"} == testing
    sp = train.split(ds)  # auto: the list files
    assert sp.name == "lists" and len(sp.test) == len(testing)
    with pytest.raises(ValueError, match="split 'index' needs FSDD-style file names"):
        train.split(ds, "index")


def test_without_list_files_whole_speakers_are_held_out(speech_commands, tmp_path):
    shutil.copytree(speech_commands, tmp_path / "sc", ignore=shutil.ignore_patterns("*_list.txt"))
    ds = load_folder(tmp_path / "sc", 8000)
    sp = train.split(ds)
    assert sp.name == "speaker"
    held = {ds.clips[i].speaker for i in sp.test}
    assert held and not held & {ds.clips[i].speaker for i in sp.train}
    # the rule depends only on the speaker id: the same speakers on every machine
    assert held == {s for s in {c.speaker for c in ds.clips} if train.speaker_percent(s) < 20} or len(held) == 1


def test_fsdd_names_default_to_the_speaker_split_and_keep_the_usual_one(tmp_path):
    rng = np.random.default_rng(0)
    for digit in ("1", "2"):
        for speaker in ("ann", "bob", "cyd"):
            for index in range(10):
                wavfile.write(tmp_path / f"{digit}_{speaker}_{index}.wav", 8000,
                              rng.integers(-3000, 3000, 4000).astype(np.int16))
    ds = load_folder(tmp_path, 8000)
    assert train.split(ds).name == "speaker"
    usual = train.split(ds, "index")
    assert sorted({ds.clips[i].index for i in usual.test}) == [0, 1, 2, 3, 4]


def test_words_fold_the_rest_into_unknown_and_noise_into_silence(speech_commands):
    ds = load_folder(speech_commands, 8000, words=["one", "two"])
    assert ds.classes == [SILENCE, UNKNOWN, "one", "two"]
    count = {c: sum(x.label == c for x in ds.clips) for c in ds.classes}
    assert count[UNKNOWN] == count["one"] == count[SILENCE] == 48  # 8 clips x 6 speakers per word
    sp = train.split(ds)
    assert {ds.clips[i].label for i in sp.test} >= {SILENCE, UNKNOWN}


def test_speaker_folders_layout(tmp_path):
    rng = np.random.default_rng(1)
    for speaker in ("ann", "bob"):
        for word in ("on", "off"):
            (tmp_path / speaker / word).mkdir(parents=True)
            for k in range(6):
                wavfile.write(tmp_path / speaker / word / f"take{k}.wav", 16000,
                              rng.integers(-3000, 3000, 8000).astype(np.int16))
    ds = load_folder(tmp_path, 8000)
    assert ds.layout.startswith("speaker folders") and ds.classes == ["off", "on"]
    assert {c.speaker for c in ds.clips} == {"ann", "bob"}
    assert train.split(ds).name == "speaker"


def test_too_few_clips_are_refused_in_one_line(tmp_path, capsys):
    rng = np.random.default_rng(2)
    for word in ("yes", "no"):
        (tmp_path / word).mkdir()
        for k in range(3):
            wavfile.write(tmp_path / word / f"{k}.wav", 8000, rng.integers(-3000, 3000, 4000).astype(np.int16))
    status = main(["kws", "train", "--data", str(tmp_path), "--board", "py32f003", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("emml: error: too few training clips with the random split: no 2, yes 2")


@pytest.mark.firmware
@pytest.mark.slow
def test_speech_commands_layout_trains_firmware_that_fits_and_agrees(speech_commands, tmp_path, capsys, need_tool):
    """End to end on a small Speech Commands-shaped set (48 clips per word,
    one speaker held out by testing_list.txt). Floor: 0.2, twice chance on
    ten words: a network trained for 10 epochs on 5 speakers' 40 clips per
    word says little about accuracy, the test is about the workflow."""
    need_tool("qemu-system-arm")
    status = main(["kws", "train", "--data", str(speech_commands), "--board", "py32f003", "--out", str(tmp_path),
                   "--sizes", "8,16,16", "--epochs", "10", "--agreement-clips", "20", "--no-speaker-folds"])
    out, err = capsys.readouterr()
    assert status == 0, out + err
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["fits"] is True and m["device_agreement"] == 1.0 and m["device_agreement_clips"] == 20
    assert m["split_kind"] == "lists" and "testing_list.txt" in m["split"]
    assert m["accuracy"] >= 0.2
