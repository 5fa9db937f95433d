"""The team's answers beside the company's survey, item by item."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from assessment.instrument.models import THRESHOLD_LENS, Instrument
from assessment.intake.dataset import Dataset
from assessment.scoring.anonymity import shown_groups
from assessment.workshop.errors import check_choice
from assessment.workshop.live import LiveResult, live_result

__all__ = ["SurveyReference", "compare_items"]

REFERENCES = ("all", "customer", "internal")


@dataclass
class SurveyReference:
    """The company's survey answers in one wave, prepared once for the comparisons.

    Examples
    --------
    >>> from assessment.intake.dataset import load_dataset
    >>> ref = SurveyReference.build(load_dataset("data/sample"), "pcmaker", "2026-Q1")
    >>> ref.stats.loc["oe_exp_1", ["all_n", "customer_n", "internal_n"]].tolist()
    [43, 21, 22]
    >>> ref.result.diagnosis.lenses["setup"].leader
    'operational_excellence'
    """

    company_id: str
    wave: str
    n: int
    item_ids: list[str]
    stats: pd.DataFrame  # per item: all, customer, internal mean and n (hidden -> NaN:
    # :func:`assessment.scoring.anonymity.shown_groups` per item, with its answers as n)
    result: LiveResult | None
    instrument: Instrument | None = None
    # item id -> (discipline, lens, text) per language, worked out once per language
    _meta: dict[str, dict[str, tuple[str, str, str]]] = field(default_factory=dict,
                                                             repr=False)
    # the stats' columns as arrays in the order of an instrument's item ids (a missing
    # item: mean NaN, n 0), worked out once per list of ids
    _arrays: dict[tuple[str, ...], dict[str, np.ndarray]] = field(default_factory=dict,
                                                                  repr=False)

    @classmethod
    def build(cls, ds: Dataset, company_id: str, wave: str,
              exclude: set[str] | None = None) -> SurveyReference:
        """From ``ds``'s rows of ``company_id`` in ``wave``, leaving out respondent ids in
        ``exclude`` (the session's own, once exported).

        Examples
        --------
        >>> from assessment.intake.dataset import load_dataset
        >>> SurveyReference.build(load_dataset("data/sample"), "pcmaker", "2026-Q1").n
        46
        """
        inst = ds.instrument
        r = ds.responses
        rows = r[(r["company_id"] == company_id) & (r["wave"] == wave)]
        if exclude:
            rows = rows[~rows["respondent_id"].isin(exclude)]
        ids = inst.item_ids
        vals = rows[ids].to_numpy(dtype=float)
        persp = rows["perspective"].to_numpy()
        out = {}
        for name, mask in (("all", np.ones(len(rows), dtype=bool)),
                           ("customer", persp == "customer"), ("internal", persp == "internal")):
            sub = vals[mask]
            cnt = (~np.isnan(sub)).sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(cnt > 0, np.nansum(sub, axis=0) / cnt, np.nan)
            out[f"{name}_mean"], out[f"{name}_n"] = mean, cnt
        # the anonymity rule per item, as for the scores: small groups of people are
        # hidden, and so is everyone together when it would reveal them
        names = ("customer", "internal", "all")
        shown = shown_groups(np.concatenate([out[f"{g}_n"] for g in names]),
                             np.repeat(np.array(names, dtype=object), len(ids)),
                             np.tile(np.arange(len(ids)), len(names)),
                             inst.thresholds.min_group_size).reshape(len(names), len(ids))
        for g, ok in zip(names, shown, strict=True):
            out[f"{g}_mean"] = np.where(ok, out[f"{g}_mean"], np.nan)
        stats = pd.DataFrame(out, index=pd.Index(ids, name="item_id"))
        result = None
        if len(rows):
            sub_ds = Dataset(ds.path, ds.companies[ds.companies["company_id"] == company_id],
                             rows.reset_index(drop=True), inst, integration=ds.integration)
            result = live_result(sub_ds, company_id, wave)
        return cls(company_id, wave, len(rows), ids, stats, result, inst)

    def arrays(self, ids: list[str]) -> dict[str, np.ndarray]:
        """Each column of ``stats`` as an array in the order of ``ids`` (an item the
        survey's version lacks: mean NaN, n 0)."""
        key = tuple(ids)
        if key not in self._arrays:
            st = self.stats.reindex(ids)
            self._arrays[key] = {c: (st[c].fillna(0).to_numpy(dtype=int) if c.endswith("_n")
                                     else st[c].to_numpy(dtype=float)) for c in st.columns}
        return self._arrays[key]

    def item_meta(self, instrument: Instrument, lang: str) -> dict[str, tuple[str, str, str]]:
        """item id -> (discipline, lens, text in ``lang``), worked out once per language
        for the instrument the survey was read with."""
        if instrument is not self.instrument:
            return _item_meta(instrument, lang)
        if lang not in self._meta:
            self._meta[lang] = _item_meta(instrument, lang)
        return self._meta[lang]


def _item_meta(inst: Instrument, lang: str) -> dict[str, tuple[str, str, str]]:
    out = {}
    for iid in inst.item_ids:
        item = inst.item(iid)
        out[iid] = (item.discipline, getattr(item, "lens", THRESHOLD_LENS), item.text.get(lang))
    return out


def compare_items(team: np.ndarray, survey: SurveyReference, instrument: Instrument,
                  lang: str = "en", reference: str = "all") -> pd.DataFrame:
    """The team's answer beside the survey's, item by item, largest disagreement first.

    ``team``: per item the team's raw answer (or the participants' mean), NaN = not
    answered. ``reference``: which survey group the difference is taken against (``all``,
    ``customer`` or ``internal``). Raw answers are compared (both groups answered the same
    wording, reverse-keyed or not). Columns: item_id, discipline, lens (experience, setup,
    threshold), text, team, survey (the reference mean), survey_n, customer, customer_n,
    internal, internal_n, difference (team - survey), abs_difference. Items without both a
    team answer and a survey mean come last, in instrument order.

    Examples
    --------
    >>> from assessment.intake.dataset import load_dataset
    >>> ds = load_dataset("data/sample")
    >>> survey = SurveyReference.build(ds, "pcmaker", "2026-Q1")
    >>> team = np.full(len(ds.instrument.item_ids), np.nan)
    >>> team[0] = 1.0
    >>> compare_items(team, survey, ds.instrument)["item_id"].iloc[0]
    'oe_exp_1'
    """
    check_choice(reference, REFERENCES, "reference group")
    ids = instrument.item_ids
    st = survey.arrays(ids)  # an item the survey's version lacks: no answers
    ref = st[f"{reference}_mean"]
    diff = team - ref
    missing = ~np.isfinite(diff)
    absd = np.where(missing, 0.0, np.abs(diff))
    order = np.lexsort((np.arange(len(ids)), -absd, missing))
    meta = survey.item_meta(instrument, lang)
    ordered = [meta[ids[k]] for k in order]
    return pd.DataFrame({
        "item_id": [ids[k] for k in order],
        "discipline": [m[0] for m in ordered],
        "lens": [m[1] for m in ordered],
        "text": [m[2] for m in ordered],
        "team": team[order],
        "survey": ref[order],
        "survey_n": st[f"{reference}_n"][order],
        "customer": st["customer_mean"][order],
        "customer_n": st["customer_n"][order],
        "internal": st["internal_mean"][order],
        "internal_n": st["internal_n"][order],
        "difference": diff[order],
        "abs_difference": np.abs(diff)[order],
    })
