"""The questionnaire as data: items, scale, thresholds, loaded from YAML and validated."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assessment.exceptions import InstrumentError
from assessment.instrument.texts import LANGS, load_yaml

DISCIPLINES: tuple[str, ...] = (
    "operational_excellence",
    "customer_intimacy",
    "product_leadership",
)
LENSES: tuple[str, ...] = ("experience", "setup")
THRESHOLD_LENS = "threshold"
#: who reads an item: customers (first-person wording) or staff
AUDIENCES: tuple[str, ...] = ("customer", "staff")

Discipline = Literal["operational_excellence", "customer_intimacy", "product_leadership"]
Lens = Literal["experience", "setup"]
_M = TypeVar("_M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in the three workshop languages.

    Examples
    --------
    >>> t = Text(en="Customer intimacy", de="Kundennähe", nl="Klantpartnerschap")
    >>> t.get("de"), t.get("fr")
    ('Kundennähe', 'Customer intimacy')
    """

    en: str = Field(min_length=1)
    de: str = Field(min_length=1)
    nl: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        """The text in ``lang`` (falls back to English for an unknown language)."""
        return getattr(self, lang, self.en) if lang in LANGS else self.en


class Scale(_Strict):
    """The answer scale: whole numbers from ``min`` to ``max`` with a label each.

    Examples
    --------
    >>> scale = load_instrument().scale
    >>> scale.min, scale.max, scale.points, scale.labels[1].en
    (1, 5, 5, 'Strongly disagree')
    """

    min: int
    max: int
    labels: dict[int, Text]

    @model_validator(mode="after")
    def _labels_cover_scale(self) -> Scale:
        if self.max <= self.min:
            raise ValueError(f"scale max ({self.max}) must be above min ({self.min})")
        expected = set(range(self.min, self.max + 1))
        if set(self.labels) != expected:
            raise ValueError(f"scale labels must be given for exactly {sorted(expected)}")
        return self

    @property
    def points(self) -> int:
        """Number of answer options (A in the r_wg formula)."""
        return self.max - self.min + 1


class Thresholds(_Strict):
    """Every threshold the scoring and the diagnosis use; a dataset may override any.

    Examples
    --------
    >>> t = Thresholds(par=2.5)
    >>> t.par, t.excellence, t.min_group_size
    (2.5, 4.0, 5)
    >>> Thresholds(par=4.5)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for Thresholds
    ...
    """

    par: float = 3.0
    excellence: float = 4.0
    leadership_margin: float = 0.5
    lens_gap: float = 0.75
    blind_spot_gap: float = 0.75
    min_answered_share: float = Field(0.6, gt=0, le=1)
    min_group_size: int = Field(5, ge=1)
    #: resamples of the respondents behind each verdict's confidence (0: no resampling)
    bootstrap_replicates: int = Field(1000, ge=0, le=100_000)
    #: the resampling's seed: the same data give the same confidence on every run
    bootstrap_seed: int = Field(20261130, ge=0)
    #: strata (company x perspective x department) of at most this many respondents are
    #: resampled exactly; larger ones by the bootstrap's normal approximation
    bootstrap_exact_max: int = Field(500, ge=1)
    #: a verdict reproduced by fewer resamples than this is tentative, a finding is
    #: "not established"
    min_confidence: float = Field(0.8, gt=0, le=1)
    # data quality (assessment.scoring.quality): flagged respondents, per-company alpha
    straight_lining_min_items: int = Field(10, ge=2)
    contradiction_cells: int = Field(2, ge=1)
    exclude_flagged: bool = False
    min_alpha: float = Field(0.6, le=1)
    min_alpha_respondents: int = Field(10, ge=2)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.excellence <= self.par:
            raise ValueError(f"excellence ({self.excellence}) must be above par ({self.par})")
        for name in ("leadership_margin", "lens_gap", "blind_spot_gap"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        return self


class _Worded(_Strict):
    """An item's wordings: ``text`` for staff, ``customer_text`` (optional) in the first
    person for customers."""

    text: Text
    customer_text: Text | None = None

    def wording(self, audience: str = "staff", lang: str = "en") -> str:
        """The item as ``audience`` reads it, in ``lang``.

        Parameters
        ----------
        audience : str
            ``"customer"`` (the first-person wording, falling back to ``text`` when the
            item has none, as in instrument 1.0.0) or ``"staff"`` (``"internal"`` is
            accepted too: the perspective's name in a responses file).
        lang : str
            ``en``, ``de`` or ``nl`` (anything else falls back to English).

        Examples
        --------
        >>> item = load_instrument().item("ci_exp_1")
        >>> item.wording("customer", "en")
        'I am known personally here: they know my history, my preferences and my situation.'
        >>> item.wording("staff", "de")[:44]
        'Wir kennen unsere Kundinnen und Kunden persö'
        """
        if audience not in (*AUDIENCES, "internal"):
            raise ValueError(f"audience must be one of {list(AUDIENCES)}, got {audience!r}")
        if audience == "customer" and self.customer_text is not None:
            return self.customer_text.get(lang)
        return self.text.get(lang)


class Item(_Worded):
    """One discipline item, answered on the scale.

    ``text`` is the staff wording; experience items also have ``customer_text``, the
    first-person wording customers read (set-up items are not asked of customers).

    Examples
    --------
    >>> item = load_instrument().item("oe_set_3")
    >>> item.discipline, item.lens, item.reverse, item.customer_text
    ('operational_excellence', 'setup', True, None)
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    discipline: Discipline
    lens: Lens
    reverse: bool = False

    @model_validator(mode="after")
    def _customer_wording_only_for_experience(self) -> Item:
        if self.customer_text is not None and self.lens != "experience":
            raise ValueError(f"{self.id}: only experience items have a customer_text "
                             "(customers do not answer set-up items)")
        return self


class ThresholdItem(_Worded):
    """One item on a threshold value (the market's par), answered by everyone.

    Examples
    --------
    >>> item = load_instrument().item("thr_oe_1")
    >>> item.discipline, item.wording("customer").startswith("My orders arrive")
    ('operational_excellence', True)
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    discipline: Discipline
    reverse: bool = False


class Label(_Strict):
    """A named concept with a short code and a label in three languages.

    Examples
    --------
    >>> pl = load_instrument().disciplines["product_leadership"]
    >>> pl.short, pl.label.get("de")
    ('PL', 'Produktführerschaft')
    """

    short: str
    label: Text


class Instrument(_Strict):
    """The validated instrument: see ``assessment/instrument/value_disciplines.yaml``.

    Examples
    --------
    >>> inst = load_instrument()
    >>> len(inst.cells()), inst.cells()[-1], len(inst.cell_items("customer_intimacy", "setup"))
    (9, ('product_leadership', 'threshold'), 8)
    >>> inst.with_thresholds({"par": 2.5}).thresholds.par, inst.lens_label("setup", "de")
    (2.5, 'Aufstellung (wie das Unternehmen organisiert ist)')
    """

    version: str = Field(min_length=1)
    title: Text
    scale: Scale
    thresholds: Thresholds = Thresholds()
    disciplines: dict[Discipline, Label]
    lenses: dict[Lens, Label]
    threshold_values: dict[Discipline, Label]
    items: list[Item]
    threshold_items: list[ThresholdItem] = []

    @model_validator(mode="after")
    def _consistent(self) -> Instrument:
        if set(self.disciplines) != set(DISCIPLINES):
            raise ValueError(f"disciplines must be exactly {list(DISCIPLINES)}")
        if set(self.threshold_values) != set(DISCIPLINES):
            raise ValueError(f"threshold_values must be given for exactly {list(DISCIPLINES)}")
        if set(self.lenses) != set(LENSES):
            raise ValueError(f"lenses must be exactly {list(LENSES)}")
        ids = [i.id for i in self.items] + [i.id for i in self.threshold_items]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate item ids: {dupes}")
        for d in DISCIPLINES:
            for lens in LENSES:
                if not any(i.discipline == d and i.lens == lens for i in self.items):
                    raise ValueError(f"no items for discipline {d!r} in lens {lens!r}")
        experience = [i for i in self.items if i.lens == "experience"]
        worded = [i.id for i in experience if i.customer_text is not None]
        if worded and len(worded) < len(experience):
            lacking = [i.id for i in experience if i.customer_text is None]
            raise ValueError(f"experience items without a customer_text: {lacking} (give "
                             "every experience item a customer wording, or none)")
        return self

    def __repr__(self) -> str:
        return (f"Instrument(version={self.version!r}, items={len(self.items)}, "
                f"threshold_items={len(self.threshold_items)}, thresholds={self.thresholds!r})")

    # -- convenience views -------------------------------------------------
    @property
    def item_ids(self) -> list[str]:
        """All answerable item ids in file order: discipline items, then threshold items."""
        return [i.id for i in self.items] + [i.id for i in self.threshold_items]

    def cell_items(self, discipline: str, lens: str) -> list[Item | ThresholdItem]:
        """The items of one discipline x lens cell (lens ``threshold`` for threshold items)."""
        if lens == THRESHOLD_LENS:
            return [i for i in self.threshold_items if i.discipline == discipline]
        return [i for i in self.items if i.discipline == discipline and i.lens == lens]

    def cells(self) -> list[tuple[str, str]]:
        """Every (discipline, lens) scale, threshold scales (lens ``threshold``) last."""
        out = [(d, lens) for d in DISCIPLINES for lens in LENSES]
        out += [(d, THRESHOLD_LENS) for d in DISCIPLINES if self.cell_items(d, THRESHOLD_LENS)]
        return out

    def item(self, item_id: str) -> Item | ThresholdItem:
        """Look an item up by id."""
        for it in (*self.items, *self.threshold_items):
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def with_thresholds(self, overrides: dict | None) -> Instrument:
        """A copy whose thresholds are updated by ``overrides`` (validated)."""
        if not overrides:
            return self
        merged = {**self.thresholds.model_dump(), **overrides}
        try:
            new = Thresholds(**merged)
        except ValidationError as exc:
            raise InstrumentError(_format(exc, "thresholds")) from exc
        return self.model_copy(update={"thresholds": new})

    def discipline_label(self, discipline: str, lang: str = "en") -> str:
        """The label of a discipline in ``lang``."""
        return self.disciplines[discipline].label.get(lang)  # type: ignore[index]

    def lens_label(self, lens: str, lang: str = "en") -> str:
        """The label of a lens in ``lang``."""
        return self.lenses[lens].label.get(lang)  # type: ignore[index]


def _format(exc: ValidationError, where: str) -> str:
    lines = [f"{where}: {len(exc.errors())} problem(s)"]
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        lines.append(f"  - {loc or '(top level)'}: {err['msg']}")
    return "\n".join(lines)


DEFAULT_INSTRUMENT = "value_disciplines.yaml"

#: every packaged instrument version, oldest first, with its file; the last is the
#: newest, the default for new work (``DEFAULT_INSTRUMENT``)
INSTRUMENT_FILES: dict[str, str] = {
    "1.0.0": "value_disciplines-1.0.0.yaml",
    "1.1.0": DEFAULT_INSTRUMENT,
}
INSTRUMENT_VERSIONS: tuple[str, ...] = tuple(INSTRUMENT_FILES)
LATEST_VERSION = INSTRUMENT_VERSIONS[-1]


def load_instrument(path: str | Path | None = None, *, version: str | None = None
                    ) -> Instrument:
    """Load and validate an instrument: a packaged version, or a YAML file.

    Parameters
    ----------
    path : str or Path, optional
        An instrument YAML of one's own (then ``version`` must be None).
    version : str, optional
        A packaged version (see ``INSTRUMENT_VERSIONS``); the newest when neither is
        given. An older version keeps its own scale, items and wordings; its thresholds
        and the labels of disciplines, lenses and threshold values are the newest
        file's (the workbook's cut-offs and vocabulary are maintained once).

    Raises
    ------
    InstrumentError
        Naming every problem found (YAML syntax with line and column, or each field that
        does not validate), or an unknown version.

    Examples
    --------
    >>> inst = load_instrument()
    >>> inst.version, len(inst.items), inst.thresholds.par, inst.thresholds.excellence
    ('1.1.0', 45, 3.0, 4.0)
    >>> inst.discipline_label("customer_intimacy", "de")
    'Kundennähe'
    >>> old = load_instrument(version="1.0.0")
    >>> old.version, len(old.items), old.thresholds == inst.thresholds
    ('1.0.0', 42, True)
    >>> load_instrument(version="0.9")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    assessment.exceptions.InstrumentError: unknown instrument version '0.9'; known: 1.0.0, 1.1.0
    """
    if path is not None:
        if version is not None:
            raise InstrumentError("give an instrument file or a version, not both")
        return _load_path(Path(path))
    return _load_version(version or LATEST_VERSION)


def check_version(version: object) -> str:
    """``version`` as a packaged instrument version, or an InstrumentError naming the
    known ones.

    Examples
    --------
    >>> check_version("1.0.0")
    '1.0.0'
    >>> check_version(1.1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    assessment.exceptions.InstrumentError: unknown instrument version '1.1'; known: ...
    """
    if not isinstance(version, str) or version not in INSTRUMENT_FILES:
        raise InstrumentError(f"unknown instrument version {str(version)!r}; known: "
                              f"{', '.join(INSTRUMENT_VERSIONS)}")
    return version


@cache
def _load_version(version: str) -> Instrument:
    name = INSTRUMENT_FILES[check_version(version)]
    text = (resources.files("assessment.instrument") / name).read_text(encoding="utf-8")
    if version == LATEST_VERSION:
        inst = _parse(text, name)
    else:  # the newest file's thresholds and labels replace the older file's
        newest = _load_version(LATEST_VERSION)
        shared = {"thresholds": newest.thresholds, "disciplines": newest.disciplines,
                  "lenses": newest.lenses, "threshold_values": newest.threshold_values}
        inst = parse_model(text, name, Instrument, replace=shared)
    if inst.version != version:
        raise InstrumentError(f"{name}: says version {inst.version!r}, packaged as {version!r}")
    return inst


def _load_path(path: Path) -> Instrument:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InstrumentError(f"{path}: cannot read instrument ({exc.strerror})") from exc
    return _parse(text, str(path))


def parse_model(text: str, where: str, model: type[_M], replace: dict | None = None) -> _M:
    """Parse YAML ``text`` into a pydantic ``model``; every problem in one InstrumentError.

    Parameters
    ----------
    text : str
        The YAML source.
    where : str
        Where it came from (a file name), the start of every message.
    model : type of pydantic.BaseModel
        The model to validate the mapping against.
    replace : dict, optional
        Top-level entries to use instead of the file's (validated values or mappings),
        e.g. an older instrument version's thresholds, which the newest file sets.

    Returns
    -------
    BaseModel
        An instance of ``model``.

    Examples
    --------
    >>> parse_model("par: 2.5", "thresholds.yaml", Thresholds).par
    2.5
    >>> try:
    ...     parse_model("{par: 2.5, colour: red}", "thresholds.yaml", Thresholds)
    ... except InstrumentError as exc:
    ...     print(exc)
    thresholds.yaml: 1 problem(s)
      - colour: Extra inputs are not permitted
    """
    try:
        raw = load_yaml(text)
    except yaml.YAMLError as exc:
        raise InstrumentError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise InstrumentError(f"{where}: expected a mapping at the top level")
    raw = {**raw, **(replace or {})}
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InstrumentError(_format(exc, where)) from exc


def _parse(text: str, where: str) -> Instrument:
    return parse_model(text, where, Instrument)
