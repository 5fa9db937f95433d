"""Which item each column of a survey export answers, and which scale point each answer
label means: by item id, by the tool code the questionnaire export gave the tool, by the
item's wording (en, de, nl; staff and customer wording), or by a mapping file."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from assessment.exceptions import Problem
from assessment.instrument.codes import tool_code
from assessment.instrument.integration import IntegrationInstrument, load_integration
from assessment.instrument.models import LANGS, Instrument, load_instrument
from assessment.instrument.texts import load_yaml
from assessment.intake.survey.formats import norm, tool_facts

#: what a column of an export can be besides an item: the dataset's own columns
META_TARGETS = ("company_id", "respondent_id", "perspective", "department", "wave")
IGNORE = "ignore"
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_GRID_ROW = re.compile(r"^.*\[(?P<row>[^\[\]]+)\]\s*$")
_NUMBERED = re.compile(r"^\s*(?:Q\s*)?\d+(?:[._]\d+)*\s*[.):-]?\s+(?:-\s+)?(?P<rest>.+)$", re.I)
_NUMBER_LABEL = re.compile(r"^\s*\(?(?P<n>\d+)\)?\s*(?:[-=:.)]|$)")


@dataclass(frozen=True)
class ColumnMatch:
    """What one export column is: an item (``target`` its id), a dataset column, tool
    metadata (``target`` is None, ``how`` "metadata") or unmatched (``how`` "unmatched",
    ``candidates`` the closest items)."""

    index: int
    header: str
    target: str | None
    how: str
    candidates: tuple[str, ...] = ()


@dataclass
class UserMapping:
    """A mapping file's content: column header -> item id (or ``ignore``, or a dataset
    column), answer label -> scale value."""

    columns: dict[str, str]
    labels: dict[str, int]


def load_mapping(path: str | Path | None, item_ids: list[str], lo: int, hi: int,
                 problems: list[Problem]) -> UserMapping:
    """Read and check a mapping file (YAML with ``columns:`` and ``labels:``).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mapping.yaml"
    >>> _ = path.write_text("columns:\\n  Fast delivery: oe_exp_9\\nlabels:\\n  Yes!: 7\\n")
    >>> problems = []
    >>> _ = load_mapping(path, ["oe_exp_1"], 1, 5, problems)
    >>> [(p.column, p.value) for p in problems]
    [('Fast delivery', 'oe_exp_9'), ('Yes!', '7')]
    """
    if path is None:
        return UserMapping({}, {})
    path = Path(path)
    name = path.name
    try:
        raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        problems.append(Problem(name, None, None, None, f"a readable YAML mapping file ({exc})"))
        return UserMapping({}, {})
    if not isinstance(raw, dict) or not set(raw) <= {"columns", "labels"}:
        problems.append(Problem(name, None, None, str(raw)[:80],
                                "a mapping with 'columns:' (column header: item id) and/or "
                                "'labels:' (answer label: number)"))
        return UserMapping({}, {})
    columns, labels = raw.get("columns") or {}, raw.get("labels") or {}
    for key, value in (("columns", columns), ("labels", labels)):
        if not isinstance(value, dict):
            problems.append(Problem(name, None, key, str(value)[:80], f"'{key}:' as a mapping"))
    out = UserMapping({}, {})
    allowed = set(item_ids) | set(META_TARGETS) | {IGNORE}
    for col, target in (columns.items() if isinstance(columns, dict) else ()):
        if str(target) not in allowed:
            close = difflib.get_close_matches(str(target), sorted(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(Problem(name, None, str(col), str(target),
                                    f"an item id, one of {list(META_TARGETS)} or "
                                    f"'{IGNORE}'{hint}"))
        else:
            out.columns[str(col)] = str(target)
    for label, value in (labels.items() if isinstance(labels, dict) else ()):
        ok = isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi
        if value is None or value == "":
            out.labels[norm(label)] = 0  # 0: read as not answered
        elif not ok:
            problems.append(Problem(name, None, str(label), str(value),
                                    f"a whole number from {lo} to {hi}, or blank for "
                                    "not answered"))
        else:
            out.labels[norm(label)] = value
    return out


def _wordings(inst: Instrument, integ: IntegrationInstrument) -> dict[str, set[str]]:
    """Normalised wording -> item ids, every item in every language and audience, in the
    instrument's version and in the newest (an id keeps its meaning across versions; the
    newest may word it for customers, as a questionnaire exported today does)."""
    index: dict[str, set[str]] = {}
    ids = set(inst.item_ids + integ.item_ids)
    newest = load_instrument()
    pool = [*inst.items, *inst.threshold_items, *integ.items, *newest.items,
            *newest.threshold_items, *load_integration().items]
    for item in (i for i in pool if i.id in ids):
        for text in (getattr(item, "text", None), getattr(item, "customer_text", None)):
            if text is not None:
                for lang in LANGS:
                    index.setdefault(norm(text.get(lang)), set()).add(item.id)
    return index


def _variants(text: str) -> list[str]:
    """A header and what it reads without a tool's decoration: ``Title [Row]`` -> Row,
    ``Q1 - Text`` / ``1. Text`` -> Text, ``Question - Statement`` -> each part."""
    out = [text]
    grid = _GRID_ROW.match(text)
    if grid:
        out.append(grid["row"])
    numbered = _NUMBERED.match(text)
    if numbered:
        out.append(numbered["rest"])
    for t in list(out):
        if " - " in t:
            parts = t.split(" - ")
            out += [parts[-1], " - ".join(parts[1:]), parts[0]]
    return out


class ColumnMatcher:
    """Matches export columns to items (see the module docstring for the order)."""

    def __init__(self, inst: Instrument, integ: IntegrationInstrument) -> None:
        self.item_ids = inst.item_ids + integ.item_ids
        self.codes = {tool_code(i).lower(): i for i in self.item_ids}
        self.wordings = _wordings(inst, integ)
        self._texts = {w: sorted(ids)[0] for w, ids in self.wordings.items()}

    def match(self, texts: list[str]) -> tuple[str | None, str]:
        """(item id, how) for a column known by ``texts`` (its header, then the tool's
        further header cells), or (None, why not).

        Examples
        --------
        >>> from assessment import load_instrument
        >>> from assessment.instrument.integration import load_integration
        >>> m = ColumnMatcher(load_instrument(), load_integration())
        >>> m.match(["G1[oeexp1]"]), m.match(["oe_exp_1"])
        (('oe_exp_1', 'tool code'), ('oe_exp_1', 'item id'))
        >>> m.match(["Q3 [I get what I ordered on time, complete and without errors.]"])
        ('oe_exp_1', 'text')
        >>> m.match(["oeexp2", "I get what I ordered on time, complete and without errors."])
        (None, 'its tool code says oe_exp_2, its wording oe_exp_1')
        """
        texts = [t for t in texts if t]
        named = self._by_name(texts)
        worded, ambiguous = self._by_wording(texts)
        if named and worded and named[0] != worded:
            return None, f"its {named[1]} says {named[0]}, its wording {worded}"
        if named:
            return named
        if worded:
            return worded, "text"
        if ambiguous:
            return None, f"wording shared by {sorted(ambiguous)}"
        return None, "unmatched"

    def _by_name(self, texts: list[str]) -> tuple[str, str] | None:
        for t in texts:
            if t in self.item_ids:
                return t, "item id"
        for t in texts:
            whole = re.sub(r"[^A-Za-z0-9]", "", t).lower()
            hits = {self.codes[k] for k in [whole, *(x.lower() for x in _TOKEN.findall(t))]
                    if k in self.codes}
            if len(hits) == 1:
                return hits.pop(), "tool code"
        return None

    def _by_wording(self, texts: list[str]) -> tuple[str | None, set[str]]:
        ambiguous: set[str] = set()
        for t in texts:
            for v in _variants(t):
                ids = self.wordings.get(norm(v))
                if ids and len(ids) == 1:
                    return next(iter(ids)), set()
                if ids:
                    ambiguous |= ids
        return None, ambiguous

    def candidates(self, texts: list[str], n: int = 3) -> tuple[str, ...]:
        """The items whose id, code or wording is closest to any of ``texts`` (with the
        wording that is close, in matching's lower case without punctuation).

        Examples
        --------
        >>> from assessment import load_instrument
        >>> from assessment.instrument.integration import load_integration
        >>> m = ColumnMatcher(load_instrument(), load_integration())
        >>> m.candidates(["oe_exp1"])[0], m.candidates(["I get what I ordered on time"])[0]
        ('oe_exp_1', "oe_exp_1 ('i get what i ordered on time complete an...')")
        """
        pool = {**{i: i for i in self.item_ids}, **self.codes, **self._texts}
        scored: dict[str, tuple[float, str]] = {}
        for t in texts:
            for v in _variants(t):
                key = norm(v)
                for cand in difflib.get_close_matches(key, list(pool), n=n, cutoff=0.5):
                    ratio = difflib.SequenceMatcher(None, key, cand).ratio()
                    item = pool[cand]
                    if ratio > scored.get(item, (0.0, ""))[0]:
                        shown = "" if cand in (item, tool_code(item).lower()) else (
                            f" ('{cand[:40]}...')" if len(cand) > 40 else f" ('{cand}')")
                        scored[item] = (ratio, shown)
        best = sorted(scored, key=lambda i: -scored[i][0])[:n]
        return tuple(f"{i}{scored[i][1]}" for i in best)


class LabelMatcher:
    """Reads answers: numbers as they are, labels by the instrument's scale labels (en,
    de, nl), the documented variants of ``survey_tools.yaml`` and a mapping file."""

    def __init__(self, inst: Instrument, user: dict[str, int] | None = None) -> None:
        facts = tool_facts()
        self.lo, self.hi = inst.scale.min, inst.scale.max
        self.labels: dict[str, int] = {}
        for point, text in inst.scale.labels.items():
            for lang in LANGS:
                self.labels[norm(text.get(lang))] = point
        for point, by_lang in facts["label_variants"].items():
            for words in by_lang.values():
                for w in words:
                    self.labels.setdefault(norm(w), int(point))
        for words in facts["not_answered"].values():
            for w in words:
                self.labels[norm(w)] = 0
        self.labels.update(user or {})

    def value(self, cell: str) -> str | None:
        """The answer as the data contract holds it ("" for not answered, digits kept as
        they are for the validation to check), or None for an unknown label.

        Examples
        --------
        >>> from assessment import load_instrument
        >>> m = LabelMatcher(load_instrument())
        >>> [m.value(c) for c in ["4", "Stimme voll und ganz zu", "2 - Disagree", "Weet niet",
        ...                       "Perhaps", ""]]
        ['4', '5', '2', '', None, '']
        """
        cell = cell.strip()
        if not cell:
            return ""
        if re.fullmatch(r"-?\d+(\.0+)?", cell):
            return cell.split(".")[0]
        if re.fullmatch(r"-?\d+([.,]\d+)?", cell):
            return cell  # a fraction: the validation says what is wrong with it
        hit = self.labels.get(norm(cell))
        if hit is None:
            numbered = _NUMBER_LABEL.match(cell)
            if numbered and self.lo <= int(numbered["n"]) <= self.hi:
                return numbered["n"]
            return None
        return "" if hit == 0 else str(hit)

    def candidates(self, cell: str, n: int = 3) -> list[str]:
        """The known labels closest to ``cell``, each with its value."""
        close = difflib.get_close_matches(norm(cell), list(self.labels), n=n, cutoff=0.4)
        return [f"{c!r}={self.labels[c] or 'blank'}" for c in close]
