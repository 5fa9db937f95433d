"""The customer-integration section of the instrument: roles, participation, motives,
self-service experience and supply-chain CRM, with the fit model linking roles to
disciplines (``assessment/instrument/customer_integration.yaml``)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assessment.exceptions import InstrumentError
from assessment.instrument.models import (
    DISCIPLINES,
    LATEST_VERSION,
    Discipline,
    Text,
    check_version,
    parse_model,
)

Block = Literal["roles", "participation", "motives", "self_service", "crm"]
Perspective = Literal["internal", "customer"]

#: the scales of each block other than roles (roles come from the ``roles`` mapping)
BLOCK_SCALES: dict[str, tuple[str, ...]] = {
    "participation": ("active", "passive"),
    "motives": ("achievement", "economic", "psychological"),
    "self_service": ("experience",),
    "crm": ("knowledge_sharing", "value_chain_alignment"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Role(_Strict):
    """A role customers play, where it applies, and which disciplines it supports.

    Examples
    --------
    >>> role = load_integration().roles["co_developer"]
    >>> role.label.en, role.context, role.supports
    ('Co-developer', 'innovation', ['product_leadership', 'customer_intimacy'])
    """

    label: Text
    context: Literal["service", "innovation"]
    participation: Literal["active", "passive"]
    supports: list[Discipline] = Field(min_length=1)
    description: Text


class ScaleInfo(_Strict):
    """Label of a non-role scale.

    Examples
    --------
    >>> ScaleInfo(label=Text(en="Active", de="Aktiv", nl="Actief")).label.get("nl")
    'Actief'
    """

    label: Text


class IntegrationItem(_Strict):
    """One customer-integration item.

    Examples
    --------
    >>> item = load_integration().items[0]
    >>> item.id, item.block, item.scale, item.answered_by
    ('int_role_productive_resource_1', 'roles', 'productive_resource', ['internal', 'customer'])
    """

    id: str = Field(pattern=r"^int_[a-z0-9_]+$")
    block: Block
    scale: str
    reverse: bool = False
    answered_by: list[Perspective] = Field(min_length=1)
    text: Text


class FitRule(_Strict):
    """The roles a discipline needs (the fit model); a hypothesis the workbook can test.

    Examples
    --------
    >>> load_integration().fit["operational_excellence"].needs
    ['productive_resource', 'competitor', 'quality_inspector']
    """

    needs: list[str] = Field(min_length=1)
    rationale: Text


class IntegrationInstrument(_Strict):
    """The validated customer-integration section.

    Examples
    --------
    >>> integ = load_integration()
    >>> list(integ.blocks)
    ['roles', 'participation', 'motives', 'self_service', 'crm']
    >>> len(integ.cells()), integ.scale_label("crm", "knowledge_sharing", "de")
    (18, 'Kundenwissen in der Lieferkette geteilt')
    """

    version: str = Field(min_length=1)
    title: Text
    blocks: dict[Block, ScaleInfo]
    roles: dict[str, Role]
    scales: dict[str, ScaleInfo]
    fit: dict[Discipline, FitRule]
    items: list[IntegrationItem]

    @model_validator(mode="after")
    def _consistent(self) -> IntegrationInstrument:
        ids = [i.id for i in self.items]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate item ids: {dupes}")
        if set(self.fit) != set(DISCIPLINES):
            raise ValueError(f"fit must name the roles of each of {list(DISCIPLINES)}")
        for d, rule in self.fit.items():
            unknown = sorted(set(rule.needs) - set(self.roles))
            if unknown:
                raise ValueError(f"fit.{d} names unknown roles {unknown}")
            unfit = sorted(r for r in rule.needs if d not in self.roles[r].supports)
            if unfit:
                raise ValueError(f"fit.{d} needs roles that do not support it: {unfit}")
        for key in (s for scales in BLOCK_SCALES.values() for s in scales):
            if key not in self.scales:
                raise ValueError(f"scales must label {key!r}")
        for n, item in enumerate(self.items):
            allowed = set(self.roles) if item.block == "roles" else set(BLOCK_SCALES[item.block])
            if item.scale not in allowed:
                raise ValueError(f"items.{n} ({item.id}): scale {item.scale!r} is not one of "
                                 f"{sorted(allowed)} for block {item.block!r}")
        for key in list(self.roles) + [s for v in BLOCK_SCALES.values() for s in v]:
            block = "roles" if key in self.roles else next(
                b for b, v in BLOCK_SCALES.items() if key in v)
            if not any(i.scale == key and i.block == block for i in self.items):
                raise ValueError(f"no items for scale {key!r} of block {block!r}")
        return self

    def __repr__(self) -> str:
        return f"IntegrationInstrument(version={self.version!r}, items={len(self.items)})"

    @property
    def item_ids(self) -> list[str]:
        """All item ids in file order."""
        return [i.id for i in self.items]

    def cells(self) -> list[tuple[str, str]]:
        """Every (block, scale) with items, in file order."""
        return list(dict.fromkeys((i.block, i.scale) for i in self.items))

    def cell_items(self, block: str, scale: str) -> list[IntegrationItem]:
        """The items of one (block, scale)."""
        return [i for i in self.items if i.block == block and i.scale == scale]

    def scale_label(self, block: str, scale: str, lang: str = "en") -> str:
        """The label of a role or scale in ``lang``."""
        if block == "roles":
            return self.roles[scale].label.get(lang)
        return self.scales[scale].label.get(lang)


DEFAULT_INTEGRATION = "customer_integration.yaml"

#: the section's file for each instrument version (the section is versioned with the
#: core instrument: a dataset answered with instrument 1.0.0 carries section 1.0.0)
INTEGRATION_FILES: dict[str, str] = {
    "1.0.0": "customer_integration-1.0.0.yaml",
    "1.1.0": DEFAULT_INTEGRATION,
}


def load_integration(path: str | Path | None = None, *, version: str | None = None
                     ) -> IntegrationInstrument:
    """Load and validate the customer-integration section: the one packaged with an
    instrument ``version`` (the newest by default), or a YAML file.

    Examples
    --------
    >>> integ = load_integration()
    >>> integ.version, len(integ.items)
    ('1.1.0', 39)
    >>> load_integration(version="1.0.0").version
    '1.0.0'
    """
    if path is None:
        return _load_version(version or LATEST_VERSION)
    if version is not None:
        raise InstrumentError("give a customer-integration file or a version, not both")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InstrumentError(f"{path}: cannot read ({exc.strerror})") from exc
    return _parse(text, str(path))


@cache
def _load_version(version: str) -> IntegrationInstrument:
    name = INTEGRATION_FILES[check_version(version)]
    ref = resources.files("assessment.instrument") / name
    integ = _parse(ref.read_text(encoding="utf-8"), name)
    if integ.version != version:
        raise InstrumentError(f"{name}: says version {integ.version!r}, packaged as "
                              f"{version!r}")
    return integ


def _parse(text: str, where: str) -> IntegrationInstrument:
    return parse_model(text, where, IntegrationInstrument)
