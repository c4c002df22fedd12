"""The real data sets emml's demo, apps and tests use, found locally or
fetched on first use (like scikit-learn's ``fetch_*``).

Each ``fetch_*`` returns the set's root folder, with its files at the same
relative paths as in the shared copy (``st_har_26hz/dataset/<class>/*.csv``,
``fsdd/recordings/*.wav``, ``basicmotions/*.ts``). The first of these that
has every file wins:

1. ``$EMML_DATA_DIR/<set>``;
2. ``../shared/data/<set>`` next to an emml checkout;
3. the cache, ``$EMML_CACHE_DIR/datasets/<set>`` (default: the user cache
   folder), every file checked against the committed sha256 manifest
   (``manifests/<set>.sha256``); files that fail are deleted and fetched again;
4. a download: from ``$EMML_DATA_MIRROR/<set>/<path>`` when that is set
   (``python -m http.server`` in a copy of the shared data folder is a
   mirror), else from the set's public home pinned to a commit or tag.
   Every downloaded file is checked before it is kept; a partial or
   corrupted one is discarded, never used.

Downloads need pooch (``pip install 'emml[apps]'``).
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from emml.paths import cache_dir, checkout_root

#: Seconds a download may wait for the server before it gives up.
TIMEOUT_S = 20


class DataSetError(RuntimeError):
    """A data set could not be found or fetched; the message says where emml looked and what to do."""


@dataclass(frozen=True)
class DataSet:
    name: str
    title: str
    #: The files emml needs (shell patterns over paths relative to the set root).
    include: tuple[str, ...]
    #: The folder under the root that `emml har|kws train --data NAME` reads.
    training_folder: str = ""
    #: The public home: one archive holding the files (matched by path suffix) ...
    archive_url: str | None = None
    #: ... or one URL per file.
    file_urls: dict[str, str] = field(default_factory=dict)


_ST_COMMIT = "5ed628af9aa8c884bdf7086bf0b947e76355f83d"
_FSDD_COMMIT = "26eb9aaf76e81b692f806f9140c2d2777410d7a1"
_AEON_TAG = "v1.0.0"
_AEON_RAW = f"https://raw.githubusercontent.com/aeon-toolkit/aeon/{_AEON_TAG}"

SETS: dict[str, DataSet] = {
    s.name: s for s in (
        DataSet(
            "st_har_26hz", "ST human activity recordings (3-axis accelerometer, milli-g, 26 Hz)",
            include=("dataset/*",), training_folder="dataset",
            archive_url=f"https://github.com/STMicroelectronics/stm32ai/raw/{_ST_COMMIT}/AI_resources/HAR/dataset.zip",
        ),
        DataSet(
            "fsdd", "Free Spoken Digit Dataset (8 kHz WAV, 10 digits, 6 speakers)",
            include=("recordings/*.wav",), training_folder="recordings",
            archive_url=f"https://github.com/Jakobovski/free-spoken-digit-dataset/archive/{_FSDD_COMMIT}.tar.gz",
        ),
        DataSet(
            "basicmotions", "BasicMotions (UEA; 6-axis smart-watch IMU, 10 Hz)",
            include=("*.ts", "LICENSE*"),
            file_urls={
                "BasicMotions_TRAIN.ts": f"{_AEON_RAW}/aeon/datasets/data/BasicMotions/BasicMotions_TRAIN.ts",
                "BasicMotions_TEST.ts": f"{_AEON_RAW}/aeon/datasets/data/BasicMotions/BasicMotions_TEST.ts",
                "LICENSE.aeon-BSD-3-Clause": f"{_AEON_RAW}/LICENSE",
            },
        ),
    )
}


def _get(name: str) -> DataSet:
    if name not in SETS:
        raise DataSetError(f"unknown data set '{name}'; emml knows: {', '.join(SETS)}")
    return SETS[name]


# ---- manifests ------------------------------------------------------------------

def manifest_path(name: str) -> Path:
    return Path(__file__).resolve().parent / "manifests" / f"{name}.sha256"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def manifest_text(name: str, root: Path) -> str:
    """The manifest of a trusted copy of the set at root (sha256sum's format)."""
    s = _get(name)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    chosen = [f for f in files if any(fnmatch(f, pattern) for pattern in s.include)]
    if not chosen:
        raise DataSetError(f"{root} holds none of the files of {name} ({', '.join(s.include)})")
    return "".join(f"{_sha256(root / f)}  {f}\n" for f in chosen)


def manifest(name: str) -> dict[str, str]:
    """{relative path: sha256} of every file of the set."""
    _get(name)
    out = {}
    for line in manifest_path(name).read_text().splitlines():
        digest, rel = line.split(maxsplit=1)
        out[rel] = digest
    return out


# ---- finding a copy ---------------------------------------------------------------

def _local_candidates(name: str) -> list[Path]:
    found = []
    env = os.environ.get("EMML_DATA_DIR")
    if env:
        found.append(Path(env).expanduser() / name)
    root = checkout_root()
    if root is not None:
        found.append(root.parent / "shared" / "data" / name)
    return found


def _cache_root(name: str) -> Path:
    return cache_dir() / "datasets" / name


def _bad_files(root: Path, files: dict[str, str]) -> list[str]:
    """Files missing under root or not matching their sha256; those that do
    not match are deleted so that nothing ever reads them."""
    bad = []
    for rel, digest in files.items():
        path = root / rel
        if not path.is_file():
            bad.append(rel)
        elif _sha256(path) != digest:
            path.unlink()
            bad.append(rel)
    return bad


def find(name: str) -> Path | None:
    """The set's root if a complete copy is here (EMML_DATA_DIR, the shared
    folder next to the checkout, or a verified cache), without downloading."""
    files = manifest(name)
    for root in _local_candidates(name):
        if root.is_dir() and all((root / rel).is_file() for rel in files):
            return root
    cache = _cache_root(name)
    if cache.is_dir() and not _bad_files(cache, files):
        return cache
    return None


def fetch(name: str) -> Path:
    """The set's root folder, downloading (and verifying) what is missing."""
    found = find(name)
    if found is not None:
        return found
    files = manifest(name)
    cache = _cache_root(name)
    cache.mkdir(parents=True, exist_ok=True)
    missing = _bad_files(cache, files)
    mirror = os.environ.get("EMML_DATA_MIRROR")
    source = f"{mirror.rstrip('/')}/{name}/" if mirror else None
    s = _get(name)
    print(f"emml: fetching {name} ({len(missing)} files) from {source or 'its public home'} into {cache}",
          flush=True)
    if source:
        _download_files(name, cache, {rel: source + rel for rel in missing}, files)
    elif s.file_urls:
        _download_files(name, cache, {rel: s.file_urls[rel] for rel in missing}, files)
    else:
        assert s.archive_url is not None
        _download_archive(name, cache, s.archive_url, {rel: files[rel] for rel in missing})
    still = _bad_files(cache, files)
    if still:
        raise DataSetError(f"{name}: {len(still)} files still missing after the download (e.g. {still[0]}); "
                           f"the source does not have them; set EMML_DATA_DIR to a folder holding {name}/")
    return cache


def training_data(arg: str | Path) -> Path:
    """What a training command's --data names: an existing folder as it is,
    else one of emml's sets by name (fetched if needed: its training folder)."""
    path = Path(arg)
    if path.exists() or str(arg) not in SETS:
        return path
    return fetch(str(arg)) / SETS[str(arg)].training_folder


def fetch_st_har() -> Path:
    """ST's HAR recordings: ``dataset/<class>/*.csv`` (x, y, z in milli-g, 26 Hz)."""
    return fetch("st_har_26hz")


def fetch_fsdd() -> Path:
    """The Free Spoken Digit Dataset: ``recordings/<digit>_<speaker>_<index>.wav``."""
    return fetch("fsdd")


def fetch_basicmotions() -> Path:
    """BasicMotions: ``BasicMotions_TRAIN.ts`` and ``BasicMotions_TEST.ts``."""
    return fetch("basicmotions")


# ---- downloading ----------------------------------------------------------------

def _pooch():
    from emml.extras import require

    pooch = require("pooch", "apps", "downloading data sets")
    pooch.get_logger().setLevel("WARNING")  # one line per fetch, not one per file
    return pooch


def _reason(error: BaseException) -> str:
    """A few words for a failed download (requests' own messages run to hundreds of characters)."""
    kind = type(error).__name__
    response = getattr(error, "response", None)
    if response is not None:
        return f"HTTP {response.status_code}"
    if "Timeout" in kind:
        return f"no answer within {TIMEOUT_S} s"
    if "Connection" in kind:
        return "no connection" if "NameResolution" not in str(error) else "host name not resolved (no network?)"
    text = str(error).splitlines()[0] if str(error) else kind
    return text[:120]


def _failure(name: str, url: str, cache: Path, error: BaseException) -> DataSetError:
    return DataSetError(
        f"cannot download {name} from {url} ({_reason(error)}); nothing was kept in {cache}; "
        f"set EMML_DATA_DIR to a folder holding {name}/, or EMML_DATA_MIRROR to a mirror"
    )


def _download_files(name: str, cache: Path, urls: dict[str, str], files: dict[str, str]) -> None:
    """Each file from its URL, checked against its sha256 before it is kept
    (pooch writes to a temporary file and moves it into place only then)."""
    pooch = _pooch()
    downloader = pooch.HTTPDownloader(timeout=TIMEOUT_S, progressbar=False)

    def one(rel: str) -> None:
        try:
            pooch.retrieve(urls[rel], known_hash=f"sha256:{files[rel]}", fname=Path(rel).name,
                           path=(cache / rel).parent, downloader=downloader)
        except ValueError as e:  # pooch's hash mismatch: the partial or wrong file is already gone
            raise DataSetError(f"{name}: {urls[rel]} does not match its sha256 in emml's manifest "
                               f"(corrupted or changed at the source); it was discarded") from e
        except Exception as e:  # requests' connection, timeout and HTTP errors
            raise _failure(name, urls[rel], cache, e) from e

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, sorted(urls)))


def _download_archive(name: str, cache: Path, url: str, wanted: dict[str, str]) -> None:
    """The public home's archive; each wanted file is taken from the member
    whose path ends with it (the archive may nest the set in a folder) and
    kept only if its sha256 matches."""
    pooch = _pooch()
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        try:
            archive = Path(pooch.retrieve(url, known_hash=None, path=tmp, progressbar=False,
                                          downloader=pooch.HTTPDownloader(timeout=TIMEOUT_S)))
        except Exception as e:
            raise _failure(name, url, cache, e) from e
        for rel, data in _archive_members(archive, wanted):
            if hashlib.sha256(data).hexdigest() != wanted[rel]:
                raise DataSetError(f"{name}: {rel} in {url} does not match its sha256 in emml's manifest; "
                                   "it was discarded")
            target = cache / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            part = target.with_name(target.name + ".part")
            part.write_bytes(data)
            part.replace(target)


def _archive_members(archive: Path, wanted: dict[str, str]):
    """(relative path, bytes) for each wanted file found in a zip or tar archive."""
    def match(member: str) -> str | None:
        parts = member.split("/")
        for i in range(len(parts)):
            if "/".join(parts[i:]) in wanted:
                return "/".join(parts[i:])
        return None

    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                rel = match(info.filename)
                if rel and not info.is_dir():
                    yield rel, z.read(info)
        return
    with tarfile.open(archive) as t:
        for member in t:
            rel = match(member.name)
            if rel and member.isfile():
                f = t.extractfile(member)
                if f is not None:
                    yield rel, f.read()


__all__ = ["DataSet", "DataSetError", "SETS", "fetch", "fetch_basicmotions", "fetch_fsdd", "fetch_st_har",
           "find", "manifest", "training_data"]
