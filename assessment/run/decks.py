"""The batch's PowerPoint decks (``--pptx``): one ``<slug>.pptx`` per selected company,
built in the batch process from the scored dataset (no kernel), in a background thread
while the report kernels run.

Each company's deck is built and written on its own: a failure is recorded in that
company's ``deck`` block of ``summary.json`` (``{"status": "failed", "error": ...}``)
and the batch goes on; every file is written atomically
(:func:`assessment.files.atomic_write_bytes`).

>>> import tempfile
>>> from pathlib import Path
>>> import assessment as va
>>> ds = va.load_dataset("data/sample")
>>> scores = va.score(ds)
>>> out = Path(tempfile.mkdtemp())
>>> decks = write_decks(out, ds, scores, va.diagnose(scores, ["shoes"]), {"shoes": "shoes"},
...                     "de")
>>> decks["shoes"]["status"], decks["shoes"]["file"], (out / "shoes.pptx").exists()
('ok', 'shoes.pptx', True)
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from assessment.diagnosis.findings import Diagnosis
from assessment.intake.dataset import Dataset
from assessment.present.brand import Brand, load_brand
from assessment.scoring.tables import Scores

__all__ = ["DeckBuilder", "resolve_brand", "write_decks"]


def resolve_brand(brand: str | Path | Brand | None) -> Brand:
    """A brand file's :class:`~assessment.present.brand.Brand` (the package's default for
    None); a :class:`~assessment.present.brand.BrandError` names every problem.

    Examples
    --------
    >>> resolve_brand(None).accent
    '#1F3A5F'
    """
    return brand if isinstance(brand, Brand) else load_brand(brand)


def _one_deck(out: Path, dataset: Dataset, scores: Scores, diagnosis: Diagnosis, slug: str,
              lang: str, brand: Brand | None) -> dict[str, Any]:
    from assessment.present.deck import write_deck
    from assessment.present.report.base import ReportBase

    t0 = time.perf_counter()
    try:
        path = write_deck(ReportBase(dataset, scores, diagnosis, lang), out / f"{slug}.pptx",
                          brand)
    except Exception as exc:  # one company's deck never stops the batch
        return {"status": "failed", "file": None,
                "error": f"{type(exc).__name__}: {exc}",
                "seconds": round(time.perf_counter() - t0, 2)}
    return {"status": "ok", "file": path.name, "error": None,
            "seconds": round(time.perf_counter() - t0, 2)}


def write_decks(out: Path, dataset: Dataset, scores: Scores,
                diagnoses: Mapping[str, Diagnosis], slugs: Mapping[str, str], lang: str,
                brand: Brand | None = None) -> dict[str, dict[str, Any]]:
    """Write ``<slug>.pptx`` for every company of ``slugs`` that has a diagnosis; returns
    each company's deck block (``status`` ok or failed, ``file``, ``error``, ``seconds``).
    """
    return {cid: _one_deck(out, dataset, scores, diagnoses[cid], slug, lang, brand)
            for cid, slug in slugs.items() if cid in diagnoses}


class DeckBuilder:
    """:func:`write_decks` in one background thread: :meth:`start` it once the dataset is
    scored and diagnosed, :meth:`result` waits for the decks' blocks.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import assessment as va
    >>> ds = va.load_dataset("data/sample")
    >>> scores = va.score(ds)
    >>> builder = DeckBuilder()
    >>> builder.start(Path(tempfile.mkdtemp()), ds, scores,
    ...               va.diagnose(scores, ["chips"]), {"chips": "chips"}, "en")
    >>> builder.result()["chips"]["status"]
    'ok'
    """

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._future: Future | None = None

    def start(self, out: Path, dataset: Dataset, scores: Scores,
              diagnoses: Mapping[str, Diagnosis], slugs: Mapping[str, str], lang: str,
              brand: Brand | None = None) -> None:
        """Begin writing the decks in a background thread."""
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="assessment-decks")
        self._future = self._pool.submit(write_decks, out, dataset, scores, diagnoses,
                                         slugs, lang, brand)

    def result(self) -> dict[str, dict[str, Any]]:
        """Each company's deck block ({} when the builder was never started)."""
        if self._future is None or self._pool is None:
            return {}
        try:
            return self._future.result()
        finally:
            self._pool.shutdown()

