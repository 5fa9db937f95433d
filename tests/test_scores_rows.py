"""``Scores.rows`` with some columns, and runs of rows sliced (the summary of a large
portfolio gathers a company's flags without the text columns)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from assessment.present.summary import FLAGS_READ
from assessment.scoring.quality import quality_summary


def _masked(df: pd.DataFrame, cid: str, wave: str) -> pd.DataFrame:
    return df[(df["company_id"] == cid) & (df["wave"] == wave)]


def test_some_columns_are_the_masked_rows_of_those_columns(sample_scores):
    sc = dataclasses.replace(sample_scores, _memo={})  # the grouped copies start empty
    checked = 0
    for table, columns in [("flags", FLAGS_READ), ("respondents", ["score", "respondent_id"]),
                           ("profile", ["mean", "discipline", "lens"])]:
        df = getattr(sc, table)
        pairs = set(zip(df["company_id"], df["wave"], strict=True))
        for cid, wave in sorted(pairs) + [("no-such-company", "")]:
            expected = _masked(df, cid, wave)[columns]
            pd.testing.assert_frame_equal(sc.rows(table, cid, wave, columns), expected)
            checked += len(expected)
    assert checked > 1000


def test_rows_in_any_order_and_runs_of_rows(sample_scores):
    """A company's rows one after the other are sliced, scattered ones gathered: the
    same frame as the mask gives, in a table shuffled or sorted by company."""
    shuffled = sample_scores.flags.sample(frac=1.0, random_state=5)
    by_company = shuffled.sort_values(["company_id", "wave"], kind="stable")
    for flags in (shuffled, by_company, by_company.reset_index(drop=True)):
        sc = dataclasses.replace(sample_scores, flags=flags, _memo={})
        for cid, wave in set(zip(flags["company_id"], flags["wave"], strict=True)):
            pd.testing.assert_frame_equal(sc.rows("flags", cid, wave), _masked(flags, cid, wave))
            pd.testing.assert_frame_equal(sc.rows("flags", cid, wave, ["excluded"]),
                                          _masked(flags, cid, wave)[["excluded"]])


def test_the_summary_reads_enough_flag_columns(sample_scores):
    """The summary hands quality_summary a company's flags in FLAGS_READ only: the same
    counts as from every column (fails when quality_summary reads another column)."""
    sc = sample_scores
    for cid, wave in sc.company_waves("flags"):
        rel = sc.rows("company_reliability", cid, wave)
        full = quality_summary(sc.rows("flags", cid, wave), rel, sc.thresholds)
        assert quality_summary(sc.rows("flags", cid, wave, FLAGS_READ), rel,
                               sc.thresholds) == full
    assert np.isin(FLAGS_READ, sc.flags.columns).all()
