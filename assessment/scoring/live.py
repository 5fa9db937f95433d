"""Live scoring of ONE company in ONE wave, for the workshop: every click rescores.

:func:`score_company` makes the same :class:`~assessment.scoring.tables.Scores` as
:func:`assessment.score` for such a dataset (the tests compare every table on many
datasets), from the same rules in :mod:`assessment.scoring.rules` (keying and kept cells,
group statistics, agreement, the anonymity rule, the experience source, alpha), but in
numpy without the pandas group-bys a portfolio needs: for a company of 51 respondents
``score`` takes about 170 ms, this about 15 ms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.instrument.integration import IntegrationInstrument, load_integration
from assessment.instrument.models import DISCIPLINES, THRESHOLD_LENS, Instrument, Thresholds
from assessment.intake.dataset import Dataset
from assessment.scoring.anonymity import shown_departments, shown_groups
from assessment.scoring.integration import BLOCK_SOURCE, integration_cells, mark_sources
from assessment.scoring.quality import (
    RELIABILITY_COLUMNS,
    respondent_flags,
    without_excluded,
)
from assessment.scoring.rules import (
    TEAM,
    Cell,
    cell_scores,
    cronbach_alpha,
    group_summary,
    instrument_cells,
    keyed,
    lens_sources,
)
from assessment.scoring.tables import Scores

__all__ = ["score_company"]

#: lenses whose company score also has an ``all`` row (customers and staff together)
TOTAL_LENSES = ("experience", THRESHOLD_LENS)
#: integration blocks whose company score is everyone's (an ``all`` row)
TOTAL_BLOCKS = tuple(b for b, src in BLOCK_SOURCE.items() if src == "all")
STATS = ["mean", "n", "sd", "ci_low", "ci_high", "rwg", "shown"]
COMPANY_COLUMNS = ["wave", "company_id", "discipline", "lens", "perspective", *STATS]
INTEGRATION_COLUMNS = ["wave", "company_id", "block", "scale", "perspective", *STATS,
                       "source"]
PROFILE_COLUMNS = ["wave", "company_id", "discipline", "lens", "source", "mean", "n", "sd",
                   "ci_low", "ci_high", "rwg", "par_score", "par_basis", "people"]


def _frame(rows: list[dict], cols: list[str]) -> pd.DataFrame:
    """A DataFrame from row dicts, built column-wise (much faster for small tables)."""
    return pd.DataFrame({c: [r[c] for r in rows] for c in cols}, columns=cols)


class _Cells:
    """The respondents' scores in every cell of one section (core or integration)."""

    def __init__(self, resp: pd.DataFrame, ids: list[str], cells: list[Cell],
                 inst: Instrument):
        th = inst.thresholds
        present = [i for i in ids if i in resp.columns]
        raw = np.full((len(resp), len(ids)), np.nan)
        if present:
            raw[:, [ids.index(i) for i in present]] = resp[present].to_numpy(dtype=float)
        self.any_answer = bool(np.isfinite(raw).any())
        col = {iid: j for j, iid in enumerate(ids)}
        self.cells = []  # (name, lens or block, answered, score, kept, kept values)
        for name, lens, cell_ids, rev in cells:
            out = cell_scores(raw[:, [col[i] for i in cell_ids]], rev, inst.scale.min,
                              inst.scale.max, th.min_answered_share)
            self.cells.append((name, lens, *out))
        self.raw = raw

    def stats(self, persp: np.ndarray, totals: tuple[str, ...], points: int,
              min_group_size: int, scale: tuple[int, int]) -> list[dict]:
        """Per cell and group (each perspective, ``all`` for the ``totals``): the group
        statistics of :func:`assessment.scoring.rules.group_stats`."""
        everyone = persp != TEAM  # a team's consensus record is no respondent
        groups = [(p, persp == p) for p in sorted(set(persp.tolist()))]
        rows = []
        for name, lens, _answered, sc, kept, kv in self.cells:
            cell = []
            for p, members in groups + ([("all", everyone)] if lens in totals else []):
                row = group_summary(sc, kept, kv, members, points, scale)
                if row is not None:
                    cell.append({"name": name, "lens": lens, "perspective": p, **row})
            shown = shown_groups(np.array([r["n"] for r in cell]),
                                 np.array([r["perspective"] for r in cell], dtype=object),
                                 None, min_group_size)
            for row, ok in zip(cell, shown, strict=True):
                row["shown"] = bool(ok)
                if not ok:
                    row.update(mean=np.nan, sd=np.nan, ci_low=np.nan, ci_high=np.nan,
                               rwg=np.nan)
            rows += cell
        return rows


def score_company(ds: Dataset, memo: dict | None = None) -> Scores:
    """:func:`assessment.score` for a dataset of one company in one wave, in numpy.

    Raises ValueError for a dataset of several companies or waves.

    ``memo``: a dict the caller keeps between calls when it rescores the same company
    again and again (the workshop, after every click). The tables of the core section and
    those of the customer-integration section are each worked out again only when that
    section's inputs changed (its answers, the respondents' ids, perspectives, departments
    and team sizes, the same instrument objects); a click changes one section. The tables
    are shared with the scores of the earlier call (scores are read-only).

    Examples
    --------
    >>> from assessment.intake.dataset import load_dataset
    >>> ds = load_dataset("data/sample")
    >>> r = ds.responses
    >>> ds.responses = r[(r.company_id == "pcmaker") & (r.wave == "2026-Q1")]
    >>> scores = score_company(ds)
    >>> sorted(set(scores.profile["source"]))
    ['internal', 'outside_in']
    >>> memo = {}
    >>> a, b = score_company(ds, memo), score_company(ds, memo)
    >>> b.company is a.company, b.company.equals(scores.company)
    (True, True)
    """
    if len(_company_waves(ds.responses)) > 1:
        raise ValueError("score_company scores one company in one wave")
    memo = {} if memo is None else memo
    inst = ds.instrument
    integ = ds.integration or load_integration()
    core = _reused(memo, "core", (inst,), _inputs(ds.responses, inst.item_ids),
                   lambda: _score_core(ds))
    # the integration's answers of this call, without the respondents excluded
    resp = without_excluded(ds, core["flags"]).responses
    persp = resp["perspective"].to_numpy(dtype=object)
    integration = _reused(memo, "integration", (inst, integ),
                          _inputs(resp, integ.item_ids),
                          lambda: _integration(resp, integ, inst, persp, core["key"]))
    return Scores(instrument=inst, companies=ds.companies, integration=integration,
                  integration_instrument=integ,
                  **{name: table for name, table in core.items() if name != "key"})


#: the columns besides the answers that a section's scores depend on
INPUT_COLUMNS = ("wave", "company_id", "respondent_id", "perspective", "department",
                 "participants")


def _inputs(resp: pd.DataFrame, ids: list[str]) -> tuple:
    """What a section's scores are computed from: the answers to ``ids`` (as floats) and
    the respondents' columns of :data:`INPUT_COLUMNS`, comparable with ``==``."""
    present = [i for i in ids if i in resp.columns]
    raw = resp[present].to_numpy(dtype=float) if present else np.empty((len(resp), 0))
    meta = []
    for c in INPUT_COLUMNS:
        values = resp[c].to_numpy(dtype=object) if c in resp.columns else None
        if values is not None:
            values = values.copy()
            values[np.asarray(pd.isna(values), dtype=bool)] = None  # NaN != NaN
            values = tuple(values.tolist())
        meta.append(values)
    return tuple(present), raw.shape, raw.tobytes(), tuple(meta)


def _reused(memo: dict, name: str, objects: tuple, inputs: tuple, make):
    """``make()``, or what it gave last time for ``name`` when ``inputs`` are equal and
    ``objects`` (the instruments) are the same objects."""
    last = memo.get(name)
    if last is not None and len(last[0]) == len(objects) and \
            all(a is b for a, b in zip(last[0], objects, strict=True)) and last[1] == inputs:
        value = last[2]
    else:
        value = make()
        memo[name] = (objects, inputs, value)
    return value


def _score_core(ds: Dataset) -> dict:
    """Every table of :class:`Scores` but the customer integration's, and the ``key``
    (wave and company id)."""
    flags = respondent_flags(ds.responses, ds.instrument)
    ds = without_excluded(ds, flags)  # with exclude_flagged: as if their rows were not there
    resp = ds.responses
    inst = ds.instrument
    th = inst.thresholds
    n = len(resp)
    wave = str(resp["wave"].iloc[0]) if n else ""
    cid = str(resp["company_id"].iloc[0]) if n else ""
    persp = resp["perspective"].to_numpy(dtype=object)
    rids = resp["respondent_id"].to_numpy(dtype=object)
    dept = resp["department"].to_numpy(dtype=object)
    core = _Cells(resp, inst.item_ids, instrument_cells(inst), inst)
    key = {"wave": wave, "company_id": cid}

    comp = core.stats(persp, TOTAL_LENSES, inst.scale.points, th.min_group_size,
                      (inst.scale.min, inst.scale.max))
    for r in comp:
        r["discipline"] = r.pop("name")
        r.update(key)
    comp.sort(key=lambda r: (r["discipline"], r["lens"], r["perspective"]))
    by = {(r["discipline"], r["lens"], r["perspective"]): r for r in comp}
    kept = {(d, lens): (sc, k) for d, lens, _a, sc, k, _kv in core.cells}

    respondents = _respondents(core, key, rids, persp, dept)
    participants = (resp["participants"].to_numpy(dtype=float) if "participants" in resp
                    else np.full(n, np.nan))
    profile = _profile(by, kept, persp, rids, participants, th.min_group_size, key)
    rel_rows = _reliability(core, inst)
    reliability = _frame(rel_rows, ["discipline", "lens", "n_items", "n_respondents", "alpha"])
    return dict(
        key=key, respondents=respondents,
        company=_frame(comp, COMPANY_COLUMNS),
        profile=_frame(profile, PROFILE_COLUMNS), lens_gaps=_lens_gaps(profile, key),
        blind_spots=_blind_spots(by, key),
        **_departments(kept, persp, rids, dept, th.min_group_size, key),
        dropped=_dropped(respondents, key), reliability=reliability, flags=flags,
        company_reliability=_company_reliability(rel_rows, th, key))


def _company_waves(resp: pd.DataFrame) -> set[tuple]:
    """The (wave, company_id) pairs of the rows (missing values as None), as
    ``drop_duplicates`` finds them, without pandas' hashing of a small table."""
    waves, cids = (resp[c].to_numpy(dtype=object) for c in ("wave", "company_id"))
    return {(None if pd.isna(w) else w, None if pd.isna(c) else c)
            for w, c in zip(waves.tolist(), cids.tolist(), strict=True)}


def _company_reliability(reliability: list[dict], th: Thresholds, key: dict
                         ) -> pd.DataFrame:
    """:func:`assessment.scoring.quality.company_reliability` of the one company: its
    pooled alpha is the company's alpha (the same respondents), kept from
    ``min_alpha_respondents`` on."""
    rows = []
    for r in reliability:
        if r["n_respondents"] <= 0:
            continue
        alpha = r["alpha"] if r["n_respondents"] >= th.min_alpha_respondents else np.nan
        rows.append({**key, **r, "alpha": float(alpha),
                     "low_alpha": bool(alpha < th.min_alpha)})  # NaN: not low
    return _frame(rows, RELIABILITY_COLUMNS)


def _categorical(values: np.ndarray, repeat: int = 1, tile: int = 1) -> pd.Categorical:
    """``pd.Categorical(pd.array(np.tile(np.repeat(values, repeat), tile), dtype=str))``
    (sorted text categories, missing values as -1), with the codes worked out from the few
    distinct ``values`` and only the codes repeated: no string array of every row."""
    missing = np.asarray(pd.isna(values), dtype=bool)
    texts = np.array([str(v) for v in values[~missing]], dtype=object)
    uniques, inverse = np.unique(texts, return_inverse=True)
    codes = np.full(len(values), -1, dtype=np.int64)
    codes[~missing] = inverse
    return pd.Categorical.from_codes(np.tile(np.repeat(codes, repeat), tile),
                                     categories=pd.Index(uniques, dtype=str))


def _respondents(core: _Cells, key: dict, rids: np.ndarray, persp: np.ndarray,
                 dept: np.ndarray) -> pd.DataFrame:
    n, k = len(rids), len(core.cells)
    cols = list(zip(*core.cells, strict=True)) if k else [()] * 6
    # text columns as the portfolio's scoring has them: categoricals
    return pd.DataFrame({
        "wave": _categorical(np.array([key["wave"]], dtype=object), n * k),
        "company_id": _categorical(np.array([key["company_id"]], dtype=object), n * k),
        "respondent_id": _categorical(rids, tile=k), "perspective": _categorical(persp, tile=k),
        "department": _categorical(dept, tile=k),
        "discipline": _categorical(np.array(cols[0], dtype=object), n),
        "lens": _categorical(np.array(cols[1], dtype=object), n),
        "score": np.concatenate(cols[3]) if k else np.array([]),
        "answered": np.concatenate(cols[2]) if k else np.array([]),
        "n_items": np.repeat([kv.shape[1] for kv in cols[5]], n) if k else np.array([]),
        "kept": np.concatenate(cols[4]) if k else np.array([], dtype=bool),
    })


def _profile(by: dict, kept: dict, persp: np.ndarray, rids: np.ndarray,
             participants: np.ndarray, min_group_size: int, key: dict) -> list[dict]:
    """The two lenses as the diagnosis reads them (``Scores.profile``), by the rules of
    :func:`assessment.scoring.tables.score`."""
    def count(p: str, lens: str) -> int:
        m = np.zeros(len(rids), dtype=bool)
        for (_d, ln), (_sc, k) in kept.items():
            if ln == lens:
                m |= k & (persp == p)
        return len(set(rids[m].tolist()))

    has_team = bool((persp == TEAM).any())
    team_people = int(np.nansum(participants[persp == TEAM])) if has_team else 0
    picks = lens_sources(count("customer", "experience"), count("internal", "experience"),
                         count("internal", "setup"), has_team, min_group_size)
    rows = []
    for lens, (src, p) in picks.items():
        for d in DISCIPLINES:
            r = by.get((d, lens, p))
            if r is None:
                continue
            thr = by.get((d, THRESHOLD_LENS, p))
            known = (thr is not None and thr["shown"] and np.isfinite(thr["mean"])
                     and (thr["n"] >= min_group_size or p == TEAM))
            rows.append({**key, "discipline": d, "lens": lens, "source": src,
                         **{s: r[s] for s in ("mean", "n", "sd", "ci_low", "ci_high", "rwg")},
                         "par_score": thr["mean"] if known else np.nan,
                         "par_basis": "threshold" if known else "unknown",
                         "people": team_people if src == TEAM else r["n"]})
    rows.sort(key=lambda r: (r["lens"], r["discipline"]))
    return rows


def _lens_gaps(profile: list[dict], key: dict) -> pd.DataFrame:
    means = {(r["discipline"], r["lens"]): r["mean"] for r in profile}
    rows = []
    for d in sorted({r["discipline"] for r in profile}):
        e, s = means.get((d, "experience"), np.nan), means.get((d, "setup"), np.nan)
        rows.append({**key, "discipline": d, "experience": e, "setup": s, "gap": e - s})
    return _frame(rows, ["wave", "company_id", "discipline", "experience", "setup", "gap"])


def _blind_spots(by: dict, key: dict) -> pd.DataFrame:
    rows = []
    for d in DISCIPLINES:
        i_r, c_r = by.get((d, "experience", "internal")), by.get((d, "experience", "customer"))
        if i_r is not None and c_r is not None and i_r["shown"] and c_r["shown"] \
                and np.isfinite(i_r["mean"]) and np.isfinite(c_r["mean"]):
            rows.append({**key, "discipline": d, "internal": i_r["mean"],
                         "customer": c_r["mean"], "diff": i_r["mean"] - c_r["mean"]})
    return _frame(rows, ["wave", "company_id", "discipline", "internal", "customer", "diff"])


def _departments(kept: dict, persp: np.ndarray, rids: np.ndarray, dept: np.ndarray,
                 min_group_size: int, key: dict) -> dict[str, pd.DataFrame]:
    """``departments`` (set-up lens, the departments shown by
    :func:`~assessment.scoring.rules.shown_departments`) and ``hidden_departments`` (the
    others, with their size)."""
    staff = persp == "internal"
    any_setup = np.zeros(len(rids), dtype=bool)
    for (_d, lens), (_sc, k) in kept.items():
        if lens == "setup":
            any_setup |= k & staff
    shown, hidden = [], []
    names = sorted(set(dept[any_setup].tolist()))
    order = sorted(DISCIPLINES)  # the cells in the order of the portfolio's pivot
    counts = np.array([[int((kept[(d, "setup")][1] & staff & (dept == dep)).sum())
                        for d in order] for dep in names], dtype=int)
    visible = shown_departments(counts.reshape(len(names), len(order)), min_group_size)
    for dep, ok in zip(names, visible, strict=True):
        if not ok:
            size = len(set(rids[any_setup & (dept == dep)].tolist()))
            hidden.append({**key, "department": dep, "n": size})
            continue
        for d in DISCIPLINES:
            sc, k = kept[(d, "setup")]
            m = k & staff & (dept == dep)
            if m.any():
                shown.append({**key, "department": dep, "discipline": d,
                              "mean": float(sc[m].mean()), "n": int(m.sum())})
    return {"departments": _frame(shown, ["wave", "company_id", "department", "discipline",
                                          "mean", "n"]),
            "hidden_departments": _frame(hidden, ["wave", "company_id", "department", "n"])}


def _dropped(respondents: pd.DataFrame, key: dict) -> pd.DataFrame:
    cols = ["wave", "company_id", "n_scores", "n_dropped", "n_respondents_dropped"]
    answered = respondents["answered"].to_numpy() > 0
    if not answered.any():
        return _frame([], cols)
    dropped = answered & ~respondents["kept"].to_numpy(dtype=bool)
    rids = respondents["respondent_id"].to_numpy(dtype=object)
    return _frame([{**key, "n_scores": int(answered.sum()), "n_dropped": int(dropped.sum()),
                    "n_respondents_dropped": len(set(rids[dropped].tolist()))}], cols)


def _reliability(core: _Cells, inst: Instrument) -> list[dict]:
    """Cronbach's alpha per cell, from every answer given (as ``score`` computes it)."""
    rows = []
    col = {iid: j for j, iid in enumerate(inst.item_ids)}
    for d, lens, ids, rev in instrument_cells(inst):
        block = keyed(core.raw[:, [col[i] for i in ids]], rev, inst.scale.min, inst.scale.max)
        block = block[~np.isnan(block).all(axis=1)]
        rows.append({"discipline": d, "lens": lens, "n_items": len(ids),
                     "n_respondents": len(block), "alpha": cronbach_alpha(block)})
    return rows


def _integration(resp: pd.DataFrame, integ: IntegrationInstrument, inst: Instrument,
                 persp: np.ndarray, key: dict) -> pd.DataFrame:
    """:func:`assessment.scoring.integration.score_integration` for one company and wave."""
    cells = _Cells(resp, integ.item_ids, integration_cells(integ), inst)
    if not cells.any_answer:
        return pd.DataFrame(columns=INTEGRATION_COLUMNS)
    rows = cells.stats(persp, TOTAL_BLOCKS, inst.scale.points, inst.thresholds.min_group_size,
                       (inst.scale.min, inst.scale.max))
    for r in rows:
        r.update(key, scale=r.pop("name"), block=r.pop("lens"))
    rows.sort(key=lambda r: (r["scale"], r["block"], r["perspective"]))
    return mark_sources(_frame(rows, [c for c in INTEGRATION_COLUMNS if c != "source"]))[
        INTEGRATION_COLUMNS]
