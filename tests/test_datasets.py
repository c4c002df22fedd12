"""emml.datasets on a machine without the shared data: downloads from a mirror
(a local HTTP server on 127.0.0.1 serving a copy of the sets) and from an
archive standing in for a public home, every file verified against the
committed sha256 manifests; corrupted, partial and missing sources are
refused in one line and leave nothing behind. The public homes themselves
cannot be reached from this machine and are not contacted here."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from emml import datasets
from emml.datasets import DataSetError
from emml.paths import repo_root

SMALL_SETS = ("st_har_26hz", "basicmotions")


class _Handler(http.server.SimpleHTTPRequestHandler):
    truncate: set[str] = set()
    requests: list[str] = []

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        if self.path in self.truncate:  # headers promise the whole file, the body stops half way
            body = Path(self.translate_path(self.path)).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def mirror_dir(tmp_path) -> Path:
    """A copy of the small sets laid out as a mirror: <set>/<path>."""
    root = tmp_path / "mirror"
    for name in SMALL_SETS:
        source = datasets.find(name)
        if source is None:
            pytest.skip(f"{name} is not on this machine to serve as a mirror")
        for rel in datasets.manifest(name):
            (root / name / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / rel, root / name / rel)
    return root


@pytest.fixture
def server(mirror_dir):
    handler = type("Handler", (_Handler,), {"truncate": set(), "requests": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            lambda *a, **k: handler(*a, directory=str(mirror_dir), **k))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def no_local_copy(monkeypatch, tmp_path):
    """A user's machine: no EMML_DATA_DIR, no shared data folder, an empty cache."""
    monkeypatch.delenv("EMML_DATA_DIR", raising=False)
    monkeypatch.delenv("EMML_DATA_MIRROR", raising=False)
    monkeypatch.setenv("EMML_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(datasets, "_local_candidates", lambda name: [])
    return tmp_path / "cache" / "datasets"


def _same_files(a: Path, b: Path, name: str) -> bool:
    return all((a / rel).read_bytes() == (b / rel).read_bytes() for rel in datasets.manifest(name))


def test_fetch_from_a_mirror_then_from_the_cache(server, mirror_dir, no_local_copy, monkeypatch):
    url, handler = server
    monkeypatch.setenv("EMML_DATA_MIRROR", url)
    root = datasets.fetch_st_har()
    assert root == no_local_copy / "st_har_26hz"
    assert _same_files(root, mirror_dir / "st_har_26hz", "st_har_26hz")
    assert len(handler.requests) == len(datasets.manifest("st_har_26hz"))
    assert sorted(p.name for p in (root / "dataset").iterdir() if p.is_dir()) == ["running", "stationary", "walking"]
    assert datasets.fetch_st_har() == root  # cached and verified: no request
    assert len(handler.requests) == len(datasets.manifest("st_har_26hz"))
    assert not list(root.rglob("*.part")) and not [p for p in root.rglob("tmp*") if p.is_file()]


def test_a_cached_file_that_changed_is_downloaded_again(server, mirror_dir, no_local_copy, monkeypatch):
    url, handler = server
    monkeypatch.setenv("EMML_DATA_MIRROR", url)
    root = datasets.fetch_basicmotions()
    damaged = root / "BasicMotions_TRAIN.ts"
    damaged.write_bytes(damaged.read_bytes()[:-10] + b"0000000000")
    before = len(handler.requests)
    assert datasets.find("basicmotions") is None  # a damaged cache is never used
    assert datasets.fetch_basicmotions() == root
    assert handler.requests[before:] == ["/basicmotions/BasicMotions_TRAIN.ts"]
    assert _same_files(root, mirror_dir / "basicmotions", "basicmotions")


def test_a_corrupted_source_file_is_refused_and_not_kept(server, mirror_dir, no_local_copy, monkeypatch):
    url, _ = server
    monkeypatch.setenv("EMML_DATA_MIRROR", url)
    bad = mirror_dir / "basicmotions" / "BasicMotions_TEST.ts"
    bad.write_bytes(bad.read_bytes().replace(b"Standing", b"Sitting!", 1))
    with pytest.raises(DataSetError, match=r"BasicMotions_TEST.ts does not match its sha256") as err:
        datasets.fetch_basicmotions()
    assert "\n" not in str(err.value)
    cache = no_local_copy / "basicmotions"
    assert not (cache / "BasicMotions_TEST.ts").exists()
    assert datasets.find("basicmotions") is None


def test_a_partial_download_is_refused_and_not_kept(server, no_local_copy, monkeypatch):
    url, handler = server
    monkeypatch.setenv("EMML_DATA_MIRROR", url)
    handler.truncate.add("/basicmotions/BasicMotions_TRAIN.ts")
    with pytest.raises(DataSetError, match="cannot download basicmotions"):
        datasets.fetch_basicmotions()
    leftovers = [p.name for p in (no_local_copy / "basicmotions").rglob("*") if p.is_file()]
    assert "BasicMotions_TRAIN.ts" not in leftovers
    handler.truncate.clear()  # the next fetch completes what is missing
    assert (datasets.fetch_basicmotions() / "BasicMotions_TRAIN.ts").is_file()


def test_no_source_fails_fast_in_one_line(no_local_copy, monkeypatch):
    monkeypatch.setenv("EMML_DATA_MIRROR", "http://127.0.0.1:9")  # nothing listens on the discard port
    start = time.monotonic()
    with pytest.raises(DataSetError) as err:
        datasets.fetch_basicmotions()
    assert time.monotonic() - start < 10
    message = str(err.value)
    assert "\n" not in message
    assert "http://127.0.0.1:9/basicmotions/" in message
    assert str(no_local_copy / "basicmotions") in message and "EMML_DATA_DIR" in message


def test_cli_error_without_a_source_is_one_line(tmp_path):
    env = dict(os.environ, EMML_CACHE_DIR=str(tmp_path / "cache"), EMML_DATA_MIRROR="http://127.0.0.1:9",
               EMML_DATA_DIR=str(tmp_path / "nothing"))
    # run from a copy of the package outside the checkout, so the shared data next to it is not found
    code = ("import sys; from emml import datasets; datasets._local_candidates = lambda n: []; "
            "from emml.cli import main; sys.exit(main(['data', 'fetch', 'basicmotions']))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("emml: error: cannot download basicmotions") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr


def test_emml_data_dir_comes_first(mirror_dir, no_local_copy, monkeypatch):
    monkeypatch.setattr(datasets, "_local_candidates",
                        lambda name: [mirror_dir / name])  # as EMML_DATA_DIR=mirror_dir would give
    assert datasets.find("st_har_26hz") == mirror_dir / "st_har_26hz"
    assert datasets.training_data("st_har_26hz") == mirror_dir / "st_har_26hz" / "dataset"
    assert datasets.training_data(str(mirror_dir)) == mirror_dir  # a folder is taken as it is
    monkeypatch.undo()
    monkeypatch.setenv("EMML_DATA_DIR", str(mirror_dir))
    assert datasets._local_candidates("fsdd")[0] == mirror_dir / "fsdd"


def test_public_home_archive_is_unpacked_and_verified(server, mirror_dir, no_local_copy, monkeypatch):
    """The public home of st_har_26hz is a zip (the set one folder down); a
    local copy of that shape stands in for it."""
    url, _ = server
    with zipfile.ZipFile(mirror_dir / "home.zip", "w") as z:
        for rel in datasets.manifest("st_har_26hz"):
            z.write(mirror_dir / "st_har_26hz" / rel, f"HAR/{rel}")
        z.writestr("HAR/notes.txt", "not part of the set")
    home = datasets.SETS["st_har_26hz"]
    monkeypatch.setitem(datasets.SETS, "st_har_26hz",
                        datasets.DataSet(home.name, home.title, home.include, home.training_folder,
                                         archive_url=f"{url}/home.zip"))
    root = datasets.fetch_st_har()
    assert _same_files(root, mirror_dir / "st_har_26hz", "st_har_26hz")
    assert not (root / "notes.txt").exists() and not (root / "HAR").exists()


def test_committed_manifests_match_the_shared_data():
    shared = repo_root().parent / "shared" / "data"
    if not shared.is_dir():
        pytest.skip("no shared data next to the checkout to check the manifests against")
    proc = subprocess.run([sys.executable, str(repo_root() / "scripts" / "make_data_manifests.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def test_unknown_set_is_refused():
    with pytest.raises(DataSetError, match="unknown data set 'mnist'; emml knows: st_har_26hz, fsdd, basicmotions"):
        datasets.fetch("mnist")
