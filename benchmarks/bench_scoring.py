"""Scoring speed: ``score``, ``load_dataset`` and the bootstrap ``resample`` (B = 1000)
on 20,000 respondents x 51 items.

Figures are printed against a baseline measured in the same run: a plain pandas
melt + groupby-mean of the same answer cells.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from assessment import diagnose, load_dataset, load_instrument, score
from assessment.scoring.resample import resample

N_RESPONDENTS = 20_000
N_COMPANIES = 100


def make_big_dataset(folder: Path, n: int = N_RESPONDENTS, seed: int = 7) -> int:
    """Write a dataset of ``n`` respondents answering every item; returns the answer cells."""
    inst = load_instrument()
    rng = np.random.default_rng(seed)
    ids = inst.item_ids
    answers = rng.integers(1, 6, size=(n, len(ids))).astype(float)
    answers[rng.random(answers.shape) < 0.03] = np.nan
    perspective = np.where(rng.random(n) < 0.4, "customer", "internal")
    setup = [j for j, i in enumerate(ids) if getattr(inst.item(i), "lens", None) == "setup"]
    answers[np.ix_(perspective == "customer", setup)] = np.nan
    companies = [f"c{i:03d}" for i in range(N_COMPANIES)]
    depts = np.array(["Sales", "Operations", "Marketing", "R&D", "Finance"])
    frame = pd.DataFrame(answers, columns=ids).astype("Int64")
    frame.insert(0, "department", np.where(perspective == "internal",
                                           depts[rng.integers(0, 5, n)], ""))
    frame.insert(0, "perspective", perspective)
    frame.insert(0, "respondent_id", [f"r{i:05d}" for i in range(n)])
    frame.insert(0, "company_id", np.array(companies)[np.arange(n) % N_COMPANIES])
    folder.mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "responses.csv", index=False)
    pd.DataFrame({"company_id": companies, "name": companies, "industry": "x"}).to_csv(
        folder / "companies.csv", index=False)
    return answers.size


def best_of(fn, repeat: int = 3) -> float:
    """The fastest of ``repeat`` timed calls (seconds)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "big"
        cells = make_big_dataset(folder)
        ds = load_dataset(folder)
        items = ds.instrument.item_ids
        frame = ds.responses[["company_id", "perspective", *items]]

        def baseline() -> None:
            long = frame.melt(id_vars=["company_id", "perspective"], value_vars=items)
            long.groupby(["company_id", "perspective", "variable"])["value"].mean()

        t_base = best_of(baseline)
        t_score = best_of(lambda: score(ds))
        t_load = best_of(lambda: load_dataset(folder), repeat=2)
        respondents = score(ds).respondents
        t_resample = best_of(lambda: resample(respondents, replicates=1000))
        # the whole defensible diagnosis: score, every company's verdicts and findings, and
        # their confidence from 1000 resamples (a fresh Scores each time: nothing memoized)
        t_all = best_of(lambda: diagnose(score(ds)), repeat=2)
        print(f"scoring: {cells:,} answer cells "
              f"({N_RESPONDENTS:,} respondents x {len(items)} items)")
        print(f"  baseline melt+groupby-mean: {t_base:6.3f} s")
        print(f"  score():                    {t_score:6.3f} s  = "
              f"{t_score / t_base:4.2f}x baseline (target <= 3x and < 2 s)")
        print(f"  load_dataset() + validation:{t_load:6.3f} s  = {t_load / t_base:4.2f}x baseline "
              f"(target < 5 s)")
        print(f"  resample B=1000:            {t_resample:6.3f} s  (score: {t_score:.3f} s; "
              f"target well under 1.5 s)")
        print(f"  score + diagnose + confidence: {t_all:6.3f} s  (plain score: "
              f"{t_score:.3f} s; target < 3 s)")


if __name__ == "__main__":
    main()
