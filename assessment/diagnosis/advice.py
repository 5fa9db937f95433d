"""Recommendations derived from a diagnosis as a whole: one per theme, none that
contradicts a finding.

Where one action per finding would advise building for two disciplines at once, or commit
to a discipline that is below par, the recommendations read the whole diagnosis:

- **evidence**: a lens without enough respondents, or a tentative verdict, asks for more
  evidence first;
- **strategy** (exactly one): lenses pointing to different disciplines ask for a decision
  between the two (never "sustain the leadership"); a discipline that excels while another
  is below par asks to bring that one to par first; a leader both lenses agree on is
  sustained; masters of two choose or confirm; all three at excellence asks to check for
  acquiescence; otherwise a discipline is proposed only among those that are not below par
  in either lens (or none is proposed); a leader seen in only one lens asks to build the
  set-up for it (experienced, not backed) or to make it visible (set up, not experienced);
- **par**: raise the disciplines below par (unless the strategy already says so);
- **promise**, **capability**, **customers**, **departments**: unbacked promises, unnoticed
  capability, blind spots or an inside-out estimate, a department split: established
  findings only;
- **integration**: the customer-integration findings' own actions.

No text names a company: the textbook examples live in the README, not in advice to the
company they describe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assessment.diagnosis.findings import Diagnosis, Finding, check_lang, texts
from assessment.instrument.models import DISCIPLINES, Instrument, load_instrument
from assessment.numbers import format_text

__all__ = ["Recommendation", "recommend"]

THEMES = ("evidence", "strategy", "par", "promise", "capability", "customers",
          "departments", "integration")
INTEGRATION = ("self_service_burden", "pl_without_innovators", "intimacy_cost_factor",
               "integration_roles_missing", "integration_fit")


@dataclass
class Recommendation:
    """One recommendation: a stable ``code``, its ``theme``, the finding codes it answers.

    Examples
    --------
    >>> r = Recommendation("raise_to_par", "par", {"disciplines": ["product_leadership"]},
    ...                    ["below_par"])
    >>> print(r.text())  # doctest: +NORMALIZE_WHITESPACE
    Bring Product leadership up to the market's par first: below it, customers leave
    before excellence elsewhere can count.
    """

    code: str
    theme: str
    values: dict[str, Any] = field(default_factory=dict)
    based_on: list[str] = field(default_factory=list)
    #: a customer-integration finding whose own action is the recommendation
    finding: Finding | None = None

    def text(self, lang: str = "en", instrument: Instrument | None = None) -> str:
        """The recommendation in words."""
        inst = instrument or load_instrument()
        if self.finding is not None:
            return self.finding.action(lang, inst)
        lang = check_lang(lang)
        vals: dict[str, Any] = {}
        for key, val in self.values.items():
            if isinstance(val, str) and val in DISCIPLINES:
                vals[key] = inst.discipline_label(val, lang)
            elif isinstance(val, list) and all(v in DISCIPLINES for v in val):
                vals[key] = ", ".join(inst.discipline_label(v, lang) for v in val)
            elif isinstance(val, list):
                vals[key] = ", ".join(inst.lens_label(v, lang) for v in val)
            else:
                vals[key] = val
        return format_text(texts()["advice"][self.code][lang], lang, **vals)

    def to_dict(self, lang: str = "en", instrument: Instrument | None = None) -> dict:
        """Plain-JSON form for summary.json."""
        disciplines = [v for v in self.values.values() if isinstance(v, str)
                       and v in DISCIPLINES]
        return {"code": self.code, "theme": self.theme, "based_on": self.based_on,
                "disciplines": disciplines, "text": self.text(lang, instrument)}


def _strategy(diag: Diagnosis, below: set[str]) -> Recommendation | None:
    exp, setup = diag.lenses["experience"], diag.lenses["setup"]
    usable = [r for r in (exp, setup) if r.verdict not in ("no_data", "insufficient_evidence")]
    if not usable:
        return None
    if diag.lens_mismatch and exp.dominant and setup.dominant:
        return Recommendation("resolve_mismatch", "strategy", {
            "experienced": exp.dominant, "setup": setup.dominant}, ["lens_mismatch"])
    undermined = [r for r in usable if r.verdict == "excels_below_par"]
    if undermined:
        r = undermined[0]
        return Recommendation("par_before_excellence", "strategy", {
            "discipline": r.leader, "below": sorted(below, key=DISCIPLINES.index)},
            ["excels_below_par", "below_par"])
    leaders = {r.leader or r.dominant for r in usable if r.verdict == "leader"}
    leaning = {r.dominant for r in usable if r.dominant}
    if len(leaders) == 1 and leaning <= leaders:
        d = next(iter(leaders))
        if all(r.dominant == d for r in (exp, setup)):
            return Recommendation("sustain_leadership", "strategy", {"discipline": d},
                                  ["leader"])
        if exp.dominant == d:  # customers experience it, the set-up does not back it
            return Recommendation("build_setup_for", "strategy", {"discipline": d},
                                  ["leader", "unbacked_promise"])
        return Recommendation("make_choice_visible", "strategy", {"discipline": d},
                              ["leader", "unnoticed_capability"])
    duals = [r for r in usable if r.verdict == "dual"]
    if duals and len(leaning) <= 1:
        ranked = sorted(DISCIPLINES, key=lambda d: -duals[0].scores[d])
        return Recommendation("choose_between_two", "strategy", {
            "first": ranked[0], "second": ranked[1]}, ["dual"])
    if any(r.verdict == "all_excellent" for r in usable):
        return Recommendation("check_acquiescence", "strategy", {}, ["all_excellent"])
    candidates = [d for d in DISCIPLINES if d not in below]
    if len(leaning) == 1 and leaning <= set(candidates):
        d = next(iter(leaning))
        return Recommendation("build_on_lean", "strategy", {"discipline": d},
                              ["no_clear_choice", "narrow_lead"])
    if not candidates:
        return Recommendation("choose_after_par", "strategy", {}, ["no_clear_choice"])

    def mean(d: str) -> float:
        vals = [r.scores[d] for r in usable]
        return sum(vals) / len(vals)
    d = max(candidates, key=mean)
    return Recommendation("choose_discipline", "strategy", {"discipline": d},
                          ["no_clear_choice", "narrow_lead"])


def recommend(diag: Diagnosis) -> list[Recommendation]:
    """The recommendations for one diagnosis, one per theme, in the order of ``THEMES``.

    Examples
    --------
    >>> import assessment as va
    >>> diagnoses = va.diagnose(va.score(va.load_dataset("data/sample")))
    >>> [r.code for r in recommend(diagnoses["pcmaker"])]  # the mismatch covers both gaps
    ['resolve_mismatch']
    >>> [r.code for r in recommend(diagnoses["deptstore"])]
    ['choose_discipline', 'raise_to_par', 'listen_to_customers']
    """
    found = [f for f in diag.findings if f.established]
    codes = {f.code for f in found}
    exp, setup = diag.lenses["experience"], diag.lenses["setup"]
    below = {d for r in (exp, setup) for d in r.below_par}
    out: list[Recommendation] = []
    thin = [r.lens for r in (exp, setup) if r.verdict == "insufficient_evidence"]
    unsure = [r.lens for r in (exp, setup) if r.tentative]
    if thin or unsure:
        out.append(Recommendation("gather_evidence", "evidence", {
            "lenses": thin + unsure,
            "min_group_size": diag.instrument.thresholds.min_group_size},
            ["insufficient_evidence"] if thin else []))
    strategy = _strategy(diag, below)
    if strategy is not None:
        out.append(strategy)
    if below and (strategy is None or strategy.code != "par_before_excellence"):
        out.append(Recommendation("raise_to_par", "par", {
            "disciplines": sorted(below, key=DISCIPLINES.index)}, ["below_par"]))
    covered = set() if strategy is None else {
        strategy.values.get("experienced"), strategy.values.get("setup"),
        strategy.values.get("discipline")}
    promises = [f.discipline for f in found if f.code == "unbacked_promise"
                and f.discipline not in covered]
    if promises:
        out.append(Recommendation("back_the_promise", "promise", {
            "disciplines": promises}, ["unbacked_promise"]))
    unnoticed = [f.discipline for f in found if f.code == "unnoticed_capability"
                 and f.discipline not in covered]
    if unnoticed:
        out.append(Recommendation("make_capability_visible", "capability", {
            "disciplines": unnoticed}, ["unnoticed_capability"]))
    if codes & {"blind_spot_overestimate", "blind_spot_underestimate"}:
        out.append(Recommendation("listen_to_customers", "customers", {}, sorted(
            codes & {"blind_spot_overestimate", "blind_spot_underestimate"})))
    elif "inside_out_estimate" in codes:
        out.append(Recommendation("ask_customers", "customers", {
            "min_group_size": diag.instrument.thresholds.min_group_size},
            ["inside_out_estimate"]))
    if "department_split" in codes:
        out.append(Recommendation("align_departments", "departments", {},
                                  ["department_split"]))
    for f in found:
        if f.code in INTEGRATION and f.code != "integration_fit":
            out.append(Recommendation("integration_" + f.code, "integration",
                                      {"discipline": f.discipline}, [f.code],
                                      finding=f))
    return out


def recommendation_texts(diag: Diagnosis, lang: str = "en") -> list[tuple[str, str]]:
    """``(code, text)`` of every recommendation in ``lang`` (the report's list).

    Examples
    --------
    >>> import assessment as va
    >>> diag = va.diagnose(va.score(va.load_dataset("data/sample")))["airline"]
    >>> recommendation_texts(diag)[0][0]
    'sustain_leadership'
    """
    return [(r.code, r.text(lang, diag.instrument)) for r in recommend(diag)]
