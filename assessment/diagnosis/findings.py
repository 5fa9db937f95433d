"""Findings from the scores, by documented rules, with texts in en, de and nl.

Rules (thresholds from the instrument, overridable per dataset):

- verdict per lens, with the disciplines sorted by score s1 >= s2 >= s3:
  ``leader`` when s1 >= excellence and s1 - s2 >= leadership_margin;
  ``dual`` ("masters of two") when s1 and s2 >= excellence and s3 >= par;
  otherwise ``no_clear_choice`` ("stuck in the middle"); ``no_data`` without scores.
- below par: a discipline whose par score (its threshold items, answered by the lens's
  group; the discipline score when too few answered them) is below ``par``, unless the
  discipline itself is at or above ``excellence``.
- lens mismatch: each lens's *dominant* discipline (the leader, or the top discipline when
  it is ahead of the next by the leadership margin even below excellence) differs.
- lens gap (experience - set-up) of at least ``lens_gap``: ``unbacked_promise`` when
  positive, ``unnoticed_capability`` when negative.
- inside-out blind spot (staff's estimate - customers' answers) of at least
  ``blind_spot_gap``: ``blind_spot_overestimate`` / ``blind_spot_underestimate``.
- department split: departments of at least the minimum group size whose set-up answers
  have different dominant disciplines (alignment is None with fewer than two departments).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assessment.diagnosis.integration import IntegrationResult
from assessment.diagnosis.plain import plain
from assessment.diagnosis.verdicts import classify
from assessment.instrument.integration import load_integration
from assessment.instrument.models import (
    DISCIPLINES,
    LENSES,
    Instrument,
    load_instrument,
)
from assessment.instrument.texts import book, check_lang
from assessment.numbers import format_text

__all__ = ["Diagnosis", "Evidence", "Finding", "LensResult", "classify", "rank_findings",
           "texts"]

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
#: within a severity, findings about the strategy come before data caveats
CODE_ORDER = ("no_respondents", "below_par", "no_clear_choice", "self_service_burden",
              "lens_mismatch", "unbacked_promise", "department_split",
              "blind_spot_overestimate", "pl_without_innovators", "intimacy_cost_factor",
              "integration_roles_missing", "unnoticed_capability", "blind_spot_underestimate",
              "leader", "dual", "integration_fit", "inside_out_estimate",
              "dropped_respondents")
#: the values that measure a finding's size (counts such as n_scores do not)
MAGNITUDE_KEYS = ("gap", "diff", "margin", "score", "top_score", "first_score")


def rank_findings(findings: list[Finding]) -> list[Finding]:
    """Findings most important first: severity, then ``CODE_ORDER``, then the size of the
    gap or score behind them. The one ranking of findings: reports, the portfolio page,
    the summary files and the workshop all list findings in this order.

    Examples
    --------
    >>> ranked = rank_findings([
    ...     Finding("unnoticed_capability", "info", values={"gap": -0.4}),
    ...     Finding("lens_mismatch", "warning"),
    ...     Finding("unnoticed_capability", "info", values={"gap": -0.9})])
    >>> [(f.code, f.values.get("gap")) for f in ranked]
    [('lens_mismatch', None), ('unnoticed_capability', -0.9), ('unnoticed_capability', -0.4)]
    """
    def key(f: Finding) -> tuple:
        code = CODE_ORDER.index(f.code) if f.code in CODE_ORDER else len(CODE_ORDER)
        size = max((abs(float(f.values[k])) for k in MAGNITUDE_KEYS
                    if isinstance(f.values.get(k), (int, float))), default=0.0)
        return (SEVERITY_ORDER.get(f.severity, len(SEVERITY_ORDER)), code, -size)
    return sorted(findings, key=key)


def texts() -> dict:
    """The finding, verdict, evidence, source and advice texts shipped with the package.

    Examples
    --------
    >>> sorted(texts())[:4], texts()["findings"]["leader"]["title"]["en"]
    (['advice', 'basis_note', 'evidence', 'findings'], 'Clear value discipline')
    """
    return book("findings")


_lang = check_lang


@dataclass
class Finding:
    """One finding: a stable ``code``, a ``severity``, the numbers behind it in ``values``.

    Examples
    --------
    >>> f = Finding("unbacked_promise", "warning", discipline="customer_intimacy",
    ...             values={"discipline": "customer_intimacy", "experience": 4.4,
    ...                     "setup": 3.0, "gap": 1.4})
    >>> f.title(), f.title("de")
    ('Promise not backed by the set-up', 'Versprechen ohne tragfähige Aufstellung')
    >>> print(f.text())  # doctest: +ELLIPSIS
    Customers experience Customer intimacy at 4.40, but the set-up reaches only 3.00 (gap 1.40)...
    """

    code: str
    severity: str
    lens: str | None = None
    discipline: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    #: share of bootstrap resamples of the respondents that reproduce the finding (None:
    #: not resampled, e.g. a team consensus or a data caveat)
    confidence: float | None = None
    #: 95% bootstrap interval of the difference behind a gap, blind spot or split
    interval: tuple[float, float] | None = None
    #: False: the rule fired on the point scores, but the resamples do not bear it out
    #: (confidence below the minimum, or the interval includes zero): "not established"
    established: bool = True

    def _fields(self, lang: str, inst: Instrument) -> dict[str, Any]:
        clauses = texts()["source_clause"]
        clause = clauses.get(self.values.get("source") or "", clauses["outside_in"])
        out: dict[str, Any] = {"source_clause": clause[lang]}
        for key, val in self.values.items():
            if key == "gap" and self.code == "unnoticed_capability":
                out[key] = abs(val)
            elif isinstance(val, str) and val in DISCIPLINES:
                out[key] = inst.discipline_label(val, lang)
            elif isinstance(val, str) and val in LENSES:
                out[key] = inst.lens_label(val, lang)
            else:
                out[key] = val
        if isinstance(self.values.get("disciplines"), list):
            out["disciplines"] = ", ".join(inst.discipline_label(d, lang)
                                           for d in self.values["disciplines"])
        if "roles" in self.values:
            integ = load_integration()
            out["roles"] = ", ".join(integ.scale_label("roles", r, lang)
                                     for r in self.values["roles"])
        if self.code == "department_split":
            out["departments"] = "; ".join(
                f"{dept}: {inst.discipline_label(d, lang)}"
                for dept, d in self.values["departments"].items())
        return out

    def title(self, lang: str = "en") -> str:
        """The finding's short heading in ``lang``."""
        return texts()["findings"][self.code]["title"][_lang(lang)]

    def text(self, lang: str = "en", instrument: Instrument | None = None) -> str:
        """The finding in words, with its numbers, in ``lang``."""
        inst = instrument or load_instrument()
        tpl = texts()["findings"][self.code]["text"][_lang(lang)]
        return format_text(tpl, _lang(lang), **self._fields(lang, inst))

    def action(self, lang: str = "en", instrument: Instrument | None = None) -> str:
        """What to discuss or do about the finding, in ``lang``."""
        inst = instrument or load_instrument()
        tpl = texts()["findings"][self.code]["action"][_lang(lang)]
        return format_text(tpl, _lang(lang), **self._fields(lang, inst))

    def to_dict(self, lang: str = "en", instrument: Instrument | None = None) -> dict:
        """Plain-JSON form with texts in ``lang``."""
        return {
            "code": self.code, "severity": self.severity, "lens": self.lens,
            "discipline": self.discipline, "values": plain(self.values),
            "title": self.title(lang), "text": self.text(lang, instrument),
            "action": self.action(lang, instrument),
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "interval": None if self.interval is None else [round(float(v), 4)
                                                            for v in self.interval],
            "established": self.established,
        }


@dataclass
class Evidence:
    """What a lens's scores rest on: the group, how many people, and whether that is enough.

    Examples
    --------
    >>> Evidence("customers", 24, True).phrase()
    '24 customers'
    >>> Evidence("team", 7, True).phrase("de")
    'Teamkonsens von 7 Teilnehmenden'
    """

    basis: str  # customers, staff or team ("none" without any group)
    n: int
    enough: bool
    #: the lens source (``inside_out``: staff answering on behalf of customers)
    source: str | None = None

    def phrase(self, lang: str = "en") -> str:
        """The group in words: "24 customers", "team consensus of 7 participants",
        "estimate of 21 staff" (staff answering on behalf of customers)."""
        key = ("staff_estimate" if self.source == "inside_out" else
               "team_unknown" if self.basis == "team" and self.n < 1 else
               "team_one" if self.basis == "team" and self.n == 1 else self.basis)
        return texts()["evidence"][key][_lang(lang)].format(n=self.n)

    def to_dict(self) -> dict[str, Any]:
        """``{"evidence": "sufficient" | "insufficient", "basis": ..., "n": ...}``."""
        return {"evidence": "sufficient" if self.enough else "insufficient",
                "basis": self.basis, "n": int(self.n)}


BASIS = {"outside_in": "customers", "inside_out": "staff", "internal": "staff",
         "team": "team"}


@dataclass
class LensResult:
    """The verdict for one lens, with its evidence and confidence.

    Examples
    --------
    >>> r = LensResult("experience", "outside_in", {"operational_excellence": 3.46,
    ...                "customer_intimacy": 4.41, "product_leadership": 3.28}, "leader",
    ...                "customer_intimacy", "customer_intimacy", [],
    ...                evidence=Evidence("customers", 24, True), confidence=0.97)
    >>> print(r.sentence())  # doctest: +NORMALIZE_WHITESPACE
    Customer experience: the company leads with Customer intimacy (4.41); 24 customers,
    97% of resamples.
    >>> r.confidence = 0.72
    >>> print(r.sentence())  # doctest: +NORMALIZE_WHITESPACE
    Customer experience: the company probably leads with Customer intimacy (4.41);
    24 customers, only 72% of resamples.
    """

    lens: str
    source: str | None
    scores: dict[str, float]
    verdict: str
    leader: str | None
    dominant: str | None
    below_par: list[str]
    evidence: Evidence = field(default_factory=lambda: Evidence("none", 0, False))
    par_unknown: list[str] = field(default_factory=list)
    confidence: float | None = None
    min_confidence: float = 0.8

    @property
    def tentative(self) -> bool:
        """True when the resamples reproduce the verdict less often than the minimum."""
        return self.confidence is not None and self.confidence < self.min_confidence - 1e-9

    @property
    def established(self) -> bool:
        """A verdict with enough evidence that is not tentative."""
        return self.verdict not in ("no_data", "insufficient_evidence") and not self.tentative

    def sentence(self, lang: str = "en", instrument: Instrument | None = None) -> str:
        """The verdict in one sentence, with the group it rests on and how sure it is."""
        inst = instrument or load_instrument()
        lang = _lang(lang)
        book_ = texts()
        tpl = book_["verdicts"][self.verdict][lang]
        valid = {d: v for d, v in self.scores.items() if v is not None and np.isfinite(v)}
        ranked = sorted(valid, key=lambda d: -valid[d])
        lab = {d: inst.discipline_label(d, lang) for d in DISCIPLINES}
        vals: dict[str, Any] = {"lens": inst.lens_label(self.lens, lang),
                                "probably": book_["probably"][lang] if self.tentative else "",
                                "n": self.evidence.n,
                                "min_group_size": inst.thresholds.min_group_size,
                                "group": self.evidence.phrase(lang)}
        if len(ranked) == 3:
            lead = self.leader or ranked[0]
            vals.update(discipline=lab[lead], score=valid[lead],
                        first=lab[ranked[0]], second=lab[ranked[1]], third=lab[ranked[2]],
                        top=lab[ranked[0]], top_score=valid[ranked[0]],
                        below=", ".join(lab[d] for d in self.below_par))
        text = format_text(tpl, lang, **vals)
        if self.verdict in ("no_data", "insufficient_evidence"):
            return text
        if self.confidence is None:
            note = book_["basis_note"]["no_resampling" if self.evidence.basis == "team"
                                       else "plain"][lang]
        else:
            note = book_["basis_note"]["tentative" if self.tentative else "confidence"][lang]
        return text[:-1] + format_text(note, lang, group=self.evidence.phrase(lang),
                                       share=self.confidence or 0.0)

    def to_dict(self, lang: str = "en", instrument: Instrument | None = None) -> dict:
        """The lens's entry in summary.json (scores withheld without enough evidence)."""
        withheld = not self.evidence.enough
        return {
            "verdict": self.verdict, "leader": self.leader, "below_par": self.below_par,
            "par_unknown": self.par_unknown,
            "scores": None if withheld else plain(self.scores), "source": self.source,
            **self.evidence.to_dict(),
            "confidence": None if self.confidence is None else round(self.confidence, 3),
            "tentative": self.tentative,
            "sentence": self.sentence(lang, instrument),
        }


@dataclass
class Diagnosis:
    """Everything the diagnosis says about one company in one wave.

    Examples
    --------
    >>> import assessment as va
    >>> d = va.diagnose(va.score(va.load_dataset("data/sample")), ["pcmaker"])["pcmaker"]
    >>> d.name, d.wave, d.lenses["setup"].leader, d.lens_mismatch
    ('Configurix Computers', '2026-Q1', 'operational_excellence', True)
    >>> [f.code for f in d.top_findings(2)], d.to_dict()["experience_source"]
    (['lens_mismatch', 'unbacked_promise'], 'outside_in')
    """

    company_id: str
    name: str
    wave: str
    instrument_version: str
    lenses: dict[str, LensResult]
    lens_gaps: dict[str, float | None]
    lens_mismatch: bool
    experience_source: str | None
    blind_spots: dict[str, float] | None
    department_alignment: bool | None
    department_dominant: dict[str, str | None]
    findings: list[Finding]
    instrument: Instrument = field(default_factory=load_instrument, repr=False)
    integration: IntegrationResult | None = None

    def top_findings(self, k: int = 3) -> list[Finding]:
        """The ``k`` most important established findings (:func:`rank_findings`), the same
        finding in both lenses once (:meth:`also_in` names the other lens), so the freed
        place goes to the next different finding."""
        out: list[Finding] = []
        seen: set[tuple] = set()
        for f in rank_findings([f for f in self.findings if f.established]):
            key = (f.code, f.discipline)
            if key in seen:
                continue
            seen.add(key)
            out.append(f)
        return out[:k]

    def also_in(self, finding: Finding) -> list[str]:
        """The other lenses in which the same established finding was made."""
        return [f.lens for f in self.findings if f is not finding and f.established
                and (f.code, f.discipline) == (finding.code, finding.discipline)
                and f.lens and f.lens != finding.lens]

    def not_established(self) -> list[Finding]:
        """Findings the rules made on the point scores that the resamples do not bear out
        (listed as "not established", never among the headline findings)."""
        return rank_findings([f for f in self.findings if not f.established])

    def to_dict(self, lang: str = "en") -> dict:
        """The summary.json entry for this company, texts in ``lang``."""
        inst = self.instrument
        return {
            "company_id": self.company_id,
            "name": self.name,
            "wave": self.wave or None,
            "instrument_version": self.instrument_version,
            "lenses": {lens: r.to_dict(lang, inst) for lens, r in self.lenses.items()},
            "lens_gaps": plain(self.lens_gaps),
            "lens_mismatch": self.lens_mismatch,
            "experience_source": self.experience_source,
            "blind_spots": plain(self.blind_spots),
            "department_alignment": self.department_alignment,
            "department_dominant": self.department_dominant,
            "findings": [f.to_dict(lang, inst) for f in self.findings],
            "integration": None if self.integration is None else self.integration.to_dict(),
        }


