"""emml.har data handling: the lenient folder loader (messy folders give
warnings, never crashes), units, windows, the split by recording, and the
prebuild registry. Pure Python, no firmware."""

from __future__ import annotations

import numpy as np
import pytest

from emml.har.data import HarDataError, Units, load_folder, windows_of
from emml.har.train import bands_for, split_by_file

RNG = np.random.default_rng(0)
MG = Units("mg")  # the random rows below have no gravity to find the units from


def write_csv(path, rows, header=None, sep=","):
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (header + "\n" if header else "") + "\n".join(sep.join(str(int(v)) for v in r) for r in rows) + "\n"
    path.write_text(text)


def rows(n, scale=100):
    return RNG.integers(-scale, scale, size=(n, 3))


@pytest.fixture
def messy(tmp_path):
    root = tmp_path / "data"
    write_csv(root / "walk" / "a.csv", rows(80))
    write_csv(root / "walk" / "b.csv", rows(80), header="x,y,z")           # header
    write_csv(root / "walk" / "c.csv", rows(70), sep=" ")                   # space separated
    (root / "walk" / "d.csv").write_text("")                                # empty
    (root / "walk" / "notes.txt").write_text("recorded on Monday\n")        # stray non-data file
    (root / "walk" / "e.csv").write_text("\n".join(f"{i},{i},{i}" for i in range(60)) + "\n61,62\n")  # truncated
    (root / "walk" / "f.csv").write_text("1,2,3,4\n5,6,7,8\n")              # wrong column count
    write_csv(root / "walk" / "short.csv", rows(10))                        # shorter than a window
    (root / "sit").mkdir()
    np.save(root / "sit" / "a.npy", rows(90).astype(np.int16))
    np.save(root / "sit" / "b.npy", rows(90).astype(np.float32))
    np.save(root / "sit" / "bad.npy", np.zeros((10, 2)))                    # not (n, 3)
    write_csv(root / "jump" / "only.csv", rows(75))                         # a class with one file
    (root / "empty_class").mkdir()
    (root / "README.md").write_text("my recordings\n")                      # stray file at the top
    return root


def test_messy_folder_uses_what_it_can_and_says_why(messy):
    rep = load_folder(messy, MG, min_samples=20)
    used = sorted(str(r.path.relative_to(messy)) for r in rep.used)
    assert used == ["jump/only.csv", "sit/a.npy", "sit/b.npy", "walk/a.csv", "walk/b.csv", "walk/c.csv", "walk/e.csv"]
    text = "\n".join(rep.warnings)
    for expected in ("walk/d.csv: empty file", "walk/notes.txt: not a .csv or .npy", "walk/f.csv: line 1 has 4 columns",
                     "walk/short.csv: 10 samples, shorter than one window", "sit/bad.npy: array of shape (10, 2)",
                     "README.md: a file next to the class folders", "class jump has only 1 usable file",
                     "empty_class/ has no usable recording", "walk/e.csv: dropped its last line"):
        assert expected in text, f"missing warning {expected!r} in:\n{text}"
    assert rep.classes() == ["jump", "sit", "walk"]
    e = next(r for r in rep.used if r.path.name == "e.csv")
    assert len(e.samples) == 60 and e.samples.dtype == np.int16
    b = next(r for r in rep.used if r.path.name == "b.csv")
    assert len(b.samples) == 80  # the header is not a sample


def test_header_and_no_header_give_the_same_samples(tmp_path):
    data = rows(50)
    write_csv(tmp_path / "d" / "x" / "h.csv", data, header="acc_x, acc_y, acc_z")
    write_csv(tmp_path / "d" / "x" / "n.csv", data)
    write_csv(tmp_path / "d" / "y" / "t.csv", data, sep="\t")
    rep = load_folder(tmp_path / "d", MG)
    got = {r.path.name: r.samples for r in rep.used}
    np.testing.assert_array_equal(got["h.csv"], data)
    np.testing.assert_array_equal(got["n.csv"], data)
    np.testing.assert_array_equal(got["t.csv"], data)


def test_units_g_and_counts_become_clipped_milli_g(tmp_path):
    np.save(tmp_path / "g.npy", np.array([[0.5, -1.25, 9.0]]))
    assert Units("g", range_g=4).to_mg(np.load(tmp_path / "g.npy")).tolist() == [[500, -1250, 4000]]
    assert Units("counts", counts_per_g=8192).to_mg(np.array([[8192, -4096, 0]])).tolist() == [[1000, -500, 0]]
    with pytest.raises(HarDataError, match="counts-per-g"):
        Units("counts")
    assert Units("m/s2").to_mg(np.array([[9.80665, -4.903325, 0]])).tolist() == [[1000, -500, 0]]
    with pytest.raises(HarDataError, match="units must be one of"):
        Units("furlongs")


def test_clipping_is_reported(tmp_path):
    write_csv(tmp_path / "a" / "1.csv", [[5000, 0, 0]] * 30)
    write_csv(tmp_path / "b" / "1.csv", rows(30))
    rep = load_folder(tmp_path, MG)
    assert any("30 values (33%) beyond +-4 g clipped" in w for w in rep.warnings), rep.warnings


def test_nothing_usable_is_a_clear_error(tmp_path):
    with pytest.raises(HarDataError, match="no such folder"):
        load_folder(tmp_path / "missing", MG)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text("hi")
    with pytest.raises(HarDataError, match=r"no usable recordings.*<class>/<file>.csv"):
        load_folder(tmp_path, MG)
    write_csv(tmp_path / "a" / "1.csv", rows(30))
    with pytest.raises(HarDataError, match="only one class"):
        load_folder(tmp_path, MG)


def test_wrapper_folder_is_accepted(tmp_path):
    write_csv(tmp_path / "dataset" / "a" / "1.csv", rows(30))
    write_csv(tmp_path / "dataset" / "b" / "1.csv", rows(30))
    rep = load_folder(tmp_path, MG)
    assert rep.root == tmp_path / "dataset"
    assert "one level down" in rep.warnings[0]


def test_windows_start_every_hop():
    s = np.arange(30).repeat(3).reshape(30, 3)
    w = windows_of(s, 10, 4)
    assert w.shape == (6, 10, 3)  # starts 0, 4, ..., 20
    assert w[:, 0, 0].tolist() == [0, 4, 8, 12, 16, 20]
    assert windows_of(s[:9], 10, 4).shape == (0, 10, 3)


def test_split_is_by_recording(messy):
    rep = load_folder(messy, MG, min_samples=20)
    train, test, notes = split_by_file(rep.used, 0.34, seed=0)
    assert not set(train) & set(test)
    assert sorted(train + test) == list(range(len(rep.used)))
    test_labels = {rep.used[i].label for i in test}
    assert test_labels == {"sit", "walk"}  # jump has one file: training only
    assert any("jump" in n for n in notes)


@pytest.mark.parametrize("rate", [10.0, 26.0, 50.0, 100.0])
def test_bands_fit_every_rate(rate):
    from emml.dsp import HarConfig

    cfg = HarConfig(window=int(2 * rate), sample_rate=rate, bands_hz=bands_for(rate))
    assert all(hi <= rate / 2 for _, hi in cfg.bands_hz)
    assert cfg.n_features > 0


def test_prebuild_registry_names_unknown_apps(tmp_path):
    from emml.prebuild import PrebuildError, regenerate

    with pytest.raises(PrebuildError, match="known apps: .*har"):
        regenerate("nope", tmp_path / "a.joblib", tmp_path / "out")
    with pytest.raises(PrebuildError, match="not found; train one"):
        regenerate("har", tmp_path / "a.joblib", tmp_path / "out")
