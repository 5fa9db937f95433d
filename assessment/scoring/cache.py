"""The one cache of loaded and scored datasets, keyed by the identity of the dataset's files.

A report kernel in a batch builds one report after another from the same dataset: it loads
and scores it once (:func:`load_scored`), or takes the copy the batch scored and pickled
for it (:func:`save_scored`, :func:`prime_dataset_cache`). The key (:func:`dataset_key`) is
the folder, each dataset file's inode, size and modification time, and the instrument's
and integration section's versions: a changed file is read again.

    >>> ds, scores = load_scored("data/sample")
    >>> ds2, scores2 = load_scored("data/sample")
    >>> scores2 is scores, scores2.profile.equals(scores.profile)
    (False, True)
"""

from __future__ import annotations

import pickle
import threading
import time
from collections import OrderedDict
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pandas as pd

from assessment.files import atomic_write_bytes
from assessment.instrument.integration import load_integration
from assessment.instrument.models import load_instrument
from assessment.intake.dataset import SETTINGS_FILE, Dataset, load_dataset
from assessment.scoring.tables import Scores, score

#: the repository (when the package runs from a checkout): relative dataset paths that do
#: not exist from the current directory are tried from here (papermill runs the report
#: notebook from ``notebooks/``)
REPO_ROOT = Path(__file__).resolve().parents[2]


def resolve_dataset(path: str | Path) -> Path:
    """A dataset path as given if it exists (relative to the current directory), else
    relative to the repository root (papermill runs notebooks from ``notebooks/``).

    Examples
    --------
    >>> str(resolve_dataset("data/sample")), str(resolve_dataset("no/such/folder"))
    ('data/sample', 'no/such/folder')
    """
    p = Path(path).expanduser()
    if p.is_absolute() or p.exists():
        return p
    alt = REPO_ROOT / p
    return alt if alt.exists() else p


DATASET_FILES = ("companies.csv", "responses.csv", "responses.xlsx", SETTINGS_FILE)
DATASET_CACHE_SIZE = 4  # datasets kept per process
_DATASETS: OrderedDict[tuple, tuple[Dataset, Scores]] = OrderedDict()
_DATASETS_LOCK = threading.Lock()


def dataset_key(dataset_path: str | Path) -> tuple:
    """What a loaded and scored dataset depends on: the folder, each dataset file's inode,
    size and modification time (ns; a missing file counts too: ``responses.csv`` wins
    over ``responses.xlsx``), and the newest packaged instrument and integration section
    (which version a dataset is read with follows from its files).

    Examples
    --------
    >>> from pathlib import Path
    >>> folder, files, inst_version, integ_version = dataset_key("data/sample")
    >>> folder == str(Path("data/sample").resolve()), [f[0] for f in files][:2]
    (True, ['companies.csv', 'responses.csv'])
    >>> files[2], inst_version, integ_version
    (('responses.xlsx', None), '1.1.0', '1.1.0')
    """
    folder = Path(resolve_dataset(dataset_path)).resolve()
    stats: list[tuple] = []
    for name in DATASET_FILES:
        try:
            st = (folder / name).stat()
        except OSError:
            stats.append((name, None))
        else:
            stats.append((name, st.st_ino, st.st_size, st.st_mtime_ns))
    inst, integ = load_instrument(), load_integration()
    return (str(folder), tuple(stats), inst.version, integ.version)


def load_scored(dataset_path: str | Path, cache: bool = True) -> tuple[Dataset, Scores]:
    """The dataset at ``dataset_path``, loaded, validated and scored.

    With ``cache`` the result is kept in this process (module level: it survives the
    warm report kernels' namespace reset) under :func:`dataset_key`, so the reports of
    one dataset load and score it once; any change to a dataset file (or a new instrument)
    makes a new key. Each call gets its own shallow copies of the tables (pandas copies
    on write), so a report that changes a table in place does not change the cache.

    Examples
    --------
    >>> ds, scores = load_scored("data/sample")
    >>> ds.name, sorted(scores.profile["company_id"].unique())[:3]
    ('sample', ['airline', 'budgetmart', 'chips'])
    """
    if not cache:
        ds = load_dataset(Path(resolve_dataset(dataset_path)).resolve())
        return ds, score(ds)
    key = dataset_key(dataset_path)  # before reading: a file changed meanwhile reloads later
    with _DATASETS_LOCK:
        hit = _DATASETS.get(key)
        if hit is not None:
            _DATASETS.move_to_end(key)
    if hit is None:
        ds = load_dataset(Path(resolve_dataset(dataset_path)).resolve())
        hit = (ds, score(ds))
        with _DATASETS_LOCK:
            for old in [k for k in _DATASETS if k[0] == key[0]]:  # stale versions
                del _DATASETS[old]
            _DATASETS[key] = hit
            while len(_DATASETS) > DATASET_CACHE_SIZE:
                _DATASETS.popitem(last=False)
    ds, scores = _shallow(hit[0]), _shallow(hit[1])
    return ds, scores


def save_scored(path: str | Path, dataset_path: str | Path, key: tuple, dataset: Dataset,
                scores: Scores) -> None:
    """Write a loaded and scored dataset for :func:`prime_dataset_cache` in other
    processes (the batch's kernels): pickled, with the dataset files' state ``key`` (from
    :func:`dataset_key`, taken before the files were read).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> key = dataset_key("data/sample")
    >>> ds, scores = load_scored("data/sample")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sample.pickle"
    >>> save_scored(path, "data/sample", key, ds, scores)
    >>> path.stat().st_size > 0
    True
    """
    atomic_write_bytes(Path(path), pickle.dumps(
        {"folder": key[0], "files": key[1], "dataset": dataset, "scores": scores},
        protocol=pickle.HIGHEST_PROTOCOL))


def prime_dataset_cache(path: str | Path, dataset_path: str | Path, wait: float = 30.0) -> bool:
    """Put the dataset that :func:`save_scored` wrote to ``path`` (waiting up to ``wait``
    seconds for it) into this process's cache, if its files are still as they were when
    it was read; returns whether it did. Only for files this program wrote itself:
    unpickling runs code.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> key = dataset_key("data/sample")
    >>> ds, scores = load_scored("data/sample")
    >>> save_scored(folder / "sample.pickle", "data/sample", key, ds, scores)
    >>> prime_dataset_cache(folder / "sample.pickle", "data/sample")
    True
    >>> prime_dataset_cache(folder / "missing.pickle", "data/sample", wait=0)
    False
    """
    deadline = time.monotonic() + wait
    path = Path(path)
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    try:
        saved = pickle.loads(path.read_bytes())
    except Exception:  # an empty file: the writer could not pickle it
        return False
    key = dataset_key(dataset_path)
    if (saved["folder"], saved["files"]) != key[:2]:
        return False
    with _DATASETS_LOCK:
        _DATASETS[key] = (saved["dataset"], saved["scores"])
        while len(_DATASETS) > DATASET_CACHE_SIZE:
            _DATASETS.popitem(last=False)
    return True


def clear_dataset_cache() -> None:
    """Forget every cached dataset.

    Examples
    --------
    >>> _ = load_scored("data/sample")
    >>> clear_dataset_cache()
    >>> len(_DATASETS)
    0
    """
    with _DATASETS_LOCK:
        _DATASETS.clear()


def _shallow(obj: Any) -> Any:
    """A copy of a dataclass whose DataFrames and lists are new objects over shared data."""
    changes = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, pd.DataFrame):
            changes[f.name] = value.copy(deep=False)
        elif isinstance(value, list):
            changes[f.name] = list(value)
    return replace(obj, **changes)
