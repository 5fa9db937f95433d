"""The per-company pieces of a loaded and scored dataset that the report reads, made once
for all companies instead of filtering whole-dataset tables in every report.

A batch makes one report per company in warm kernels that keep the scored dataset
(:func:`assessment.present.report.load_scored`). Filtering a whole-dataset table for one company
(``df[(df.company_id == c) & (df.wave == w)]``) costs a boolean mask over the whole table
and a ``take`` in every report and every section; here each table is grouped by
``(company_id, wave)`` once (one ``groupby`` pass per table) and a report looks its rows
up. The results are exactly what the filtering gives (same rows, index, dtypes and
values): :class:`CompanyTables` reproduces the filter's own steps (``take`` of the
matching positions, a shallow copy when every row matches) on positions found once.

:func:`tables_for` keeps one :class:`CompanyTables` with the scores
(:meth:`assessment.scoring.tables.Scores.memo`), so the shallow copies that the dataset
cache hands every report share them. A table that is replaced (``scores.profile = ...``)
gives new tables; a table changed in place after its company's first lookup is not seen
(the report treats the scored tables as read-only).

:func:`html_table` writes a small display table as ``DataFrame.to_html`` does (same
bytes, see :func:`assessment.present.report.table_html`) with plain string code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from assessment.scoring.rules import cronbach_alpha

KEY = ["company_id", "wave"]
#: the tables of :class:`assessment.scoring.Scores` that are looked up per company and wave
SCORE_TABLES = ("profile", "company", "blind_spots", "departments", "hidden_departments",
                "dropped", "integration")
TABLES = ("responses", *SCORE_TABLES)
SOURCE_ROW = object()  # key of a block and scale's ``source`` row (the company's score)
_MISSING = object()


# -- display tables -----------------------------------------------------------------------

# DataFrame.to_html(escape=True): the cell formatter turns tabs and line breaks into
# backslash escapes, the HTML writer escapes &, < and > (in this order), strips the cell
# and writes two spaces as two non-breaking spaces; column names skip the first step.
_BODY_ESCAPES = (("\t", "\\t"), ("\r", "\\r"), ("\n", "\\n"))
_HTML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))


def _text_cell(text: str, body: bool) -> str:
    if body:
        for old, new in _BODY_ESCAPES:
            if old in text:
                text = text.replace(old, new)
    for old, new in _HTML_ESCAPES:
        if old in text:
            text = text.replace(old, new)
    return text.strip().replace("  ", "&nbsp;&nbsp;")


def _body_cell(value: Any) -> str | None:
    """A cell's text as ``to_html`` writes it; None for a value it may write otherwise."""
    if isinstance(value, str):
        return _text_cell(value, True)
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return str(int(value))
    return None  # floats, missing values, booleans ...: left to pandas


def html_table(columns: Mapping[str, Sequence[Any]], classes: str = "va-table") -> str | None:
    """``pd.DataFrame(columns).to_html(escape=True, index=False, border=0, na_rep="–",
    classes=classes, justify="left")``, byte for byte, for column names that are text and
    cells that are text or whole numbers; None for anything else (the caller then asks
    pandas), and for tables without rows or columns."""
    names = list(columns)
    cols = [list(columns[name]) for name in names]
    if not names or not all(isinstance(n, str) for n in names):
        return None
    n_rows = len(cols[0])
    if n_rows == 0 or any(len(c) != n_rows for c in cols):
        return None
    cells = []
    for col in cols:
        out = [_body_cell(v) for v in col]
        if None in out:
            return None
        cells.append(out)
    table_classes = "dataframe" if pd.get_option("display.html.use_mathjax") else (
        "dataframe tex2jax_ignore mathjax_ignore")
    lines = [f'<table class="{table_classes} {" ".join(classes.split())}">', "  <thead>",
             '    <tr style="text-align: left;">']
    lines += [f"      <th>{_text_cell(n, False)}</th>" for n in names]
    lines += ["    </tr>", "  </thead>", "  <tbody>"]
    for i in range(n_rows):
        lines.append("    <tr>")
        lines += [f"      <td>{col[i]}</td>" for col in cells]
        lines.append("    </tr>")
    lines += ["  </tbody>", "</table>"]
    return "\n".join(lines)


# -- reliability --------------------------------------------------------------------------


def answered_rows(values: np.ndarray) -> np.ndarray:
    """The rows of a respondents x items matrix with at least one answer (not all NaN):
    ``pd.DataFrame(values).dropna(how="all")``'s numbers."""
    return values[~np.isnan(values).all(axis=1)]


def cronbach_alpha_of(values: np.ndarray) -> float:
    """:func:`assessment.scoring.rules.cronbach_alpha` of a respondents x items matrix."""
    return cronbach_alpha(values)


# -- per-company tables -------------------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    """One company's answers in one wave as arrays (rows as in ``responses``).

    ``ids``: the instrument's item ids (discipline items, then threshold items);
    ``raw``: the answers to them, as ``responses[ids].to_numpy(dtype=float)`` of the
    company's rows gives them (column-major; NaN = blank); ``perspective`` and
    ``department`` of each row.
    """

    ids: list[str]
    raw: np.ndarray
    perspective: np.ndarray
    department: np.ndarray


class CompanyTables:
    """The rows of every company and wave in the report's tables, found once.

    Built from a dataset and its scores; everything is computed on first use (one pass
    over a whole table) and kept. Only frames are kept, not the dataset or scores objects.
    """

    def __init__(self, dataset: Any, scores: Any) -> None:
        self.frames: dict[str, pd.DataFrame | None] = {"responses": dataset.responses}
        self.frames.update({name: getattr(scores, name) for name in SCORE_TABLES})
        self.companies: pd.DataFrame = dataset.companies
        self.reliability_table: pd.DataFrame = scores.reliability
        self.instrument = scores.instrument
        self._cache: dict[Any, Any] = {}
        self._lock = threading.RLock()

    def _once(self, key: Any, make: Callable[[], Any]) -> Any:
        hit = self._cache.get(key, _MISSING)
        if hit is _MISSING:
            with self._lock:
                hit = self._cache.get(key, _MISSING)
                if hit is _MISSING:
                    hit = self._cache[key] = make()
        return hit

    # -- rows of a table ------------------------------------------------------------------
    def positions(self, name: str) -> dict[tuple, np.ndarray]:
        """(company_id, wave) -> the positions of its rows in table ``name`` (in order)."""
        def make() -> dict[tuple, np.ndarray]:
            df = self.frames[name]
            if df is None or df.empty:
                return {}
            return dict(df.groupby(KEY, sort=False, dropna=True).indices)
        return self._once(("positions", name), make)

    def rows(self, name: str, company_id: str, wave: str) -> pd.DataFrame:
        """``df[(df["company_id"] == company_id) & (df["wave"] == wave)]`` of table
        ``name``, as a new (shallow) frame."""
        df = self.frames[name]
        assert df is not None
        pos = self.positions(name).get((company_id, wave))
        if pos is None:  # what the filter gives when nothing matches
            sub = self._once(("empty", name), lambda: df[np.zeros(len(df), dtype=bool)])
        elif len(pos) == len(df):
            sub = df  # every row matches: the filter returns a shallow copy
        else:
            sub = self._once(("rows", name, company_id, wave), lambda: df.take(pos))
        return sub.copy(deep=False)

    def _all_answers(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        """The instrument's item ids, and every respondent's answers to them, perspective
        and department as arrays (whole table)."""
        def make() -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
            resp = self.frames["responses"]
            assert resp is not None
            ids = list(self.instrument.item_ids)
            return (ids, resp[ids].to_numpy(dtype=float), resp["perspective"].to_numpy(),
                    resp["department"].to_numpy())
        return self._once(("all_answers",), make)

    def answers(self, company_id: str, wave: str) -> Answers:
        """The company's answers in ``wave`` as arrays (see :class:`Answers`)."""
        def make() -> Answers:
            ids, raw, persp, dept = self._all_answers()
            pos = self.positions("responses").get((company_id, wave))
            if pos is None:
                pos = np.zeros(0, dtype=np.intp)
            # column-major, as ``DataFrame.to_numpy`` gives the company's rows
            arrays = (np.asfortranarray(raw[pos]), persp[pos], dept[pos])
            for a in arrays:  # shared by the company's reports: read-only
                a.flags.writeable = False
            return Answers(ids, *arrays)
        return self._once(("answers", company_id, wave), make)

    # -- companies ------------------------------------------------------------------------
    def company_names(self) -> dict[Any, str]:
        """company id -> the name of its first row as text (``Dataset.company_name``)."""
        def make() -> dict[Any, str]:
            comp = self.companies
            out: dict[Any, str] = {}
            for cid, name in zip(comp["company_id"], comp["name"], strict=True):
                out.setdefault(cid, str(name))
            return out
        return self._once(("company_names",), make)

    def name_map(self) -> dict[Any, Any]:
        """company id -> name, as ``dict(zip(ids, names))`` (the last row wins)."""
        comp = self.companies
        return self._once(("name_map",), lambda: dict(zip(comp["company_id"], comp["name"],
                                                          strict=True)))

    def company_industries(self) -> dict[Any, str]:
        """company id -> the industry of its first row as text."""
        def make() -> dict[Any, str]:
            comp = self.companies
            out: dict[Any, str] = {}
            for cid, industry in zip(comp["company_id"], comp["industry"], strict=True):
                out.setdefault(cid, str(industry))
            return out
        return self._once(("company_industries",), make)

    def norm_industries(self) -> dict[Any, Any]:
        """company id -> its industry stripped and case-folded (how companies of the same
        industry are found)."""
        def make() -> dict[Any, Any]:
            norm = self.companies.set_index("company_id")["industry"]
            norm = norm.astype(str).str.strip().str.casefold()
            return dict(zip(norm.index, norm.to_numpy(), strict=True))
        return self._once(("norm_industries",), make)

    def profile_waves(self, company_id: str) -> list[str]:
        """The waves in which the company has rows in ``Scores.profile``, oldest first."""
        by_company = self._once(("profile_waves",), lambda: _waves_by_company(
            self.positions("profile")))
        return by_company.get(company_id, [])

    # -- comparison -----------------------------------------------------------------------
    def comparison_pool(self, wave: str) -> tuple[list[str], dict[Any, np.ndarray]]:
        """The companies with a score in a wave up to ``wave`` (sorted), and per company
        the positions in ``Scores.profile`` of its scored rows in its latest such wave."""
        def make() -> tuple[list[str], dict[Any, np.ndarray]]:
            prof = self.frames["profile"]
            assert prof is not None
            ok = ((prof["wave"] <= wave) & prof["mean"].notna()).to_numpy(dtype=bool)
            cand = prof[ok]
            latest = cand.groupby("company_id")["wave"].transform("max")
            keep = np.flatnonzero(ok)[(cand["wave"] == latest).to_numpy(dtype=bool)]
            kept_ids = prof["company_id"].to_numpy()[keep]
            by_company: dict[Any, list[int]] = {}
            for cid, pos in zip(kept_ids, keep, strict=True):
                by_company.setdefault(cid, []).append(int(pos))
            return (sorted(set(cand["company_id"])),
                    {c: np.asarray(p, dtype=np.intp) for c, p in by_company.items()})
        return self._once(("comparison_pool", wave), make)

    def comparison_rows(self, company_id: str, wave: str, others: Sequence[str],
                        columns: Sequence[str]) -> pd.DataFrame:
        """``columns`` of the rows of ``Scores.profile``: the company's in ``wave``, then
        the scored rows of the ``others``, each in its latest wave up to ``wave`` (in the
        table's order), with a new index: ``pd.concat([own, others], ignore_index=True)``
        of the table's rows (both have the table's dtypes)."""
        prof = self._once(("profile_columns", tuple(columns)),
                          lambda: self.frames["profile"][list(columns)])
        _, by_company = self.comparison_pool(wave)
        own = self.positions("profile").get((company_id, wave))
        parts = [by_company[c] for c in others if c in by_company]
        pos = np.concatenate([
            np.zeros(0, dtype=np.intp) if own is None else own,
            np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.intp)])
        out = prof.take(pos)
        out.index = pd.RangeIndex(len(out))
        return out

    # -- integration and reliability ------------------------------------------------------
    def integration_rows(self, company_id: str, wave: str) -> dict[tuple, tuple]:
        """(block, scale, perspective) -> (mean, n, shown) of the first such row of the
        company's integration scores in ``wave``, and (block, scale, ``SOURCE_ROW``) of
        the first ``source`` row; all companies in one pass over the table."""
        def make() -> dict[tuple, dict[tuple, tuple]]:
            t = self.frames["integration"]
            out: dict[tuple, dict[tuple, tuple]] = {}
            if t is None or t.empty:
                return out
            for cid, wave_, block, scale, persp, source, shown, mean, n in zip(
                    t["company_id"], t["wave"], t["block"], t["scale"], t["perspective"],
                    t["source"], t["shown"], t["mean"], t["n"], strict=True):
                rows = out.setdefault((cid, wave_), {})
                rows.setdefault((block, scale, persp), (mean, n, shown))
                if bool(source):
                    rows.setdefault((block, scale, SOURCE_ROW), (mean, n, shown))
            return out
        return self._once(("integration_rows",), make).get((company_id, wave), {})

    def first_rows(self, name: str, key: Sequence[str], columns: Sequence[str],
                   company_id: str, wave: str) -> dict[tuple, tuple]:
        """``key`` values -> ``columns`` values of the first row with these keys among the
        company's rows in ``wave`` of table ``name`` (``{(): values}`` of its first row
        without ``key``); made for all companies in one pass over the table."""
        def make() -> dict[tuple, dict[tuple, tuple]]:
            t = self.frames[name]
            out: dict[tuple, dict[tuple, tuple]] = {}
            if t is None or t.empty:
                return out
            n_key = len(key)
            for row in zip(*(t[c] for c in (*KEY, *key, *columns)), strict=True):
                out.setdefault(row[:2], {}).setdefault(row[2:2 + n_key], row[2 + n_key:])
            return out
        return self._once(("first_rows", name, tuple(key), tuple(columns)), make).get(
            (company_id, wave), {})

    def reliability(self) -> dict[tuple, float]:
        """(lens, discipline) -> the dataset's Cronbach's alpha."""
        def make() -> dict[tuple, float]:
            rel = self.reliability_table
            return {(lens, d): float(a) for lens, d, a in zip(
                rel["lens"], rel["discipline"], rel["alpha"], strict=True)}
        return self._once(("reliability",), make)


def _waves_by_company(positions: dict[tuple, np.ndarray]) -> dict[Any, list[str]]:
    out: dict[Any, list[str]] = {}
    for cid, wave in positions:
        out.setdefault(cid, []).append(wave)
    return {cid: sorted(waves) for cid, waves in out.items()}


# -- one set of tables per scored dataset -------------------------------------------------


def tables_for(dataset: Any, scores: Any) -> CompanyTables:
    """The per-company tables of a dataset and its scores, made on first use and kept with
    the scores (:meth:`assessment.scoring.tables.Scores.memo`: shared by shallow copies of
    the scores, forgotten when one of their tables is replaced)."""
    return scores.memo(("company_tables",), lambda: CompanyTables(dataset, scores))
