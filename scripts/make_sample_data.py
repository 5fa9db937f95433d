"""Generate the seeded sample data set in ``data/sample`` (companies.csv, responses.csv).

Each company is an archetype built for one diagnosis (see ``data/sample/README.md``).
For every group of respondents (the customers, or one staff department) the script
knows target means per discipline and lens; it draws answers around them:

* per respondent and cell (discipline x lens) a latent offset ~ N(0, 0.35),
* per answer noise ~ N(0, 0.6), rounded and clipped to the answer scale,
* reverse-keyed items written as raw answers (raw = min + max - value),
* about 3% of answers left blank at random,
* in every company and wave 1-2 respondents who answer only a few items (one item
  in each of a few cells), so all their cell scores fall below the 60% answered share.

The latent mean of each cell is calibrated so that the *expected observed* mean after
rounding and clipping equals the target (clipping at the scale ends would otherwise
pull a 4.5 target down to about 4.35). The items are read from the instrument, so the
data follows the instrument when items are added, removed or re-keyed.

The customer-integration section (``assessment/instrument/customer_integration.yaml``)
is drawn the same way, one cell per role or block scale, with targets per company and
wave (``integration()``; scales not named get ``INTEGRATION_DEFAULTS``). Every
respondent answers the items whose ``answered_by`` names their perspective (customers:
roles, participation, motives, self-service; staff: roles, participation, CRM), with
the same targets for customers and staff. A wave without integration targets leaves the
section blank (a company that did not use the module); the respondents who answer only
a few core items leave it blank too. Its columns follow the core item columns.

Every company and wave draws from its own random stream, derived from ``--seed``, the
company id and the wave, so the output is byte-identical for the same seed and instruments,
and editing one archetype does not reshuffle the others. The integration answers come from
a second stream per company and wave (the same key plus ``"integration"``), so adding or
changing them leaves the core answers as they were.

The instrument is a packaged version (``--instrument 1.1.0``; the newest by default,
with the customer-integration section packaged with it) or an instrument YAML file.
``data/sample`` is a 1.0.0 dataset: ``--instrument 1.0.0`` writes it again byte for byte.

Usage::

    python scripts/make_sample_data.py --instrument 1.0.0 [--seed 2026] [--out data/sample]
    python scripts/make_sample_data.py --instrument 1.1.0 --out /tmp/sample-1.1.0
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # allow running without an installed package
    sys.path.insert(0, str(ROOT))

from assessment.instrument.integration import (  # noqa: E402
    IntegrationInstrument,
    load_integration,
)
from assessment.instrument.models import (  # noqa: E402
    INSTRUMENT_VERSIONS,
    LATEST_VERSION,
    Instrument,
    load_instrument,
)

DEFAULT_SEED = 2026
DEFAULT_OUT = "data/sample"

OFFSET_SD = 0.35  # per respondent and cell
NOISE_SD = 0.6  # per answer
BLANK_RATE = 0.03  # answers left blank at random
PARTIAL_CELLS = (2, 4)  # a partial respondent answers one item in 2..4 cells
PARTIAL_MIN_GROUP = 8  # partial respondents come only from groups at least this big

OE, CI, PL = "operational_excellence", "customer_intimacy", "product_leadership"
THRESHOLD = 3.6  # default target for the threshold items

COMPANY_COLUMNS = ["company_id", "name", "industry", "country", "size"]
META_COLUMNS = ["wave", "company_id", "respondent_id", "perspective", "department"]


def profile(oe: float, ci: float, pl: float) -> dict[str, float]:
    """Target means per discipline."""
    return {OE: oe, CI: ci, PL: pl}


def thresholds(oe: float = THRESHOLD, ci: float = THRESHOLD, pl: float = THRESHOLD):
    """Target means of the threshold items per discipline."""
    return profile(oe, ci, pl)


#: the roles of customers in innovation (product leadership's roles in the fit model)
INNOVATION_ROLES = ("innovator", "innovation_resource", "co_developer", "user_tester")
#: targets of the integration scales an archetype does not name (by scale; any role: "role")
INTEGRATION_DEFAULTS = {
    "role": 3.0,
    "active": 3.5,
    "passive": 3.0,
    "achievement": 3.2,
    "economic": 3.2,
    "psychological": 3.2,
    "experience": 3.6,  # self-service as an experience (low = a burden)
    "knowledge_sharing": 3.2,
    "value_chain_alignment": 3.2,
}


def integration(innovation: float | None = None, **targets: float) -> dict[str, float]:
    """Target means of the customer-integration scales, by scale key: the roles
    (``productive_resource``, ``competitor``, ...), ``active``/``passive``, the motives,
    ``experience`` (self-service, customers) and the CRM scales. ``innovation`` sets
    the four innovation roles at once; scales not named get ``INTEGRATION_DEFAULTS``."""
    out = dict.fromkeys(INNOVATION_ROLES, innovation) if innovation is not None else {}
    out.update(targets)
    return out


@dataclass(frozen=True)
class Group:
    """Respondents sharing the same targets: the customers, or one staff department.

    ``experience`` is the customers' experience, or for staff their estimate of it
    (the inside-out view); ``setup`` is answered by staff only.
    """

    perspective: str  # "customer" | "internal"
    n: int
    experience: dict[str, float]
    threshold: dict[str, float]
    setup: dict[str, float] | None = None
    department: str = ""


@dataclass(frozen=True)
class Wave:
    wave: str
    groups: list[Group]
    integration: dict[str, float] | None = None  # None: integration section not asked


@dataclass(frozen=True)
class Company:
    company_id: str
    name: str
    industry: str
    country: str
    size: str
    archetype: str
    waves: list[Wave] = field(default_factory=list)


def customers(n: int, experience: dict[str, float], threshold=None) -> Group:
    return Group("customer", n, experience, threshold or thresholds())


def staff(
    department: str,
    n: int,
    setup: dict[str, float],
    estimate: dict[str, float],
    threshold=None,
) -> Group:
    return Group("internal", n, estimate, threshold or thresholds(), setup, department)


def departments(sizes: dict[str, int], setup, estimate, threshold=None) -> list[Group]:
    """Staff departments that all answer the company's set-up profile."""
    return [staff(d, n, setup, estimate, threshold) for d, n in sizes.items()]


WAVE = "2026-Q1"


def archetypes() -> list[Company]:
    """The sample companies. Targets: profile(OE, CI, PL).

    Targets keep at least ~0.3 between the expected score and every diagnosis threshold
    (par 3.0, excellence 4.0, lead 0.5, lens gap 0.75, blind spot 0.75) where the
    archetype depends on it: e.g. pcmaker's experienced OE is 3.4 (so the unnoticed OE
    capability gap is 1.1), deptstore's staff estimate is 4.3 against customers' 3.2,
    and the 2025-Q3 wave of shoes sits clearly below leadership (CI 3.7 / 3.6).

    Integration targets keep the same margin from par (3.0) where a finding depends on
    it: the mean of the roles the claimed discipline needs (fit), the mean of productive
    resource and competitor (customers take over steps) and customers' self-service
    experience (burden). energyco's experienced OE is 3.4 against a set-up of 4.5, a gap
    of 1.1: its customers do not experience the app-only operation as excellent.
    """
    pcmaker_exp = profile(3.4, 4.4, 3.2)
    shoes_q3_exp, shoes_q3_set = profile(3.6, 3.7, 3.0), profile(3.5, 3.6, 3.0)
    shoes_exp, shoes_set = profile(3.6, 4.5, 3.0), profile(3.5, 4.4, 3.0)
    airline_exp = profile(4.4, 3.2, 3.1)
    privatebank_exp = profile(3.4, 4.4, 3.0)
    deptstore_exp = profile(3.2, 3.2, 3.3)
    splitco_exp = profile(3.8, 3.5, 3.0)
    budgetmart_exp = profile(4.3, 3.1, 3.0)
    mueller_exp = profile(4.3, 3.3, 4.3)
    energyco_exp = profile(3.4, 3.2, 3.0)
    return [
        Company(
            "pcmaker",
            "Configurix Computers",
            "Computer hardware",
            "NL",
            "medium",
            "configure-to-order PC maker: customers feel CI, the set-up is OE",
            [
                Wave(
                    WAVE,
                    [
                        customers(24, pcmaker_exp),
                        *departments(
                            {"Operations": 8, "Sales": 6, "Customer Service": 5, "R&D": 3},
                            setup=profile(4.5, 3.1, 3.2),
                            estimate=profile(3.5, 4.3, 3.2),
                        ),
                    ],
                    integration(  # customers configure their PC online themselves
                        productive_resource=4.3,
                        competitor=4.2,
                        quality_inspector=3.7,
                        active=3.9,
                        experience=4.1,
                        psychological=4.2,
                    ),
                )
            ],
        ),
        Company(
            "shoes",
            "Stepwise Shoes",
            "Retail",
            "DE",
            "medium",
            "full-service online shoe retailer: CI in both lenses, improving over two waves",
            [
                Wave(
                    "2025-Q3",
                    [
                        customers(20, shoes_q3_exp),
                        *departments(
                            {"Customer Service": 9, "Operations": 6, "Marketing": 5, "IT": 2},
                            setup=shoes_q3_set,
                            estimate=shoes_q3_exp,
                        ),
                    ],
                    integration(
                        communicator=3.9,
                        co_creator=3.7,
                        substitute_manager=3.5,
                        innovation=2.6,
                        passive=3.5,
                        experience=3.8,
                    ),
                ),
                Wave(
                    WAVE,
                    [
                        customers(26, shoes_exp),
                        *departments(
                            {"Customer Service": 10, "Operations": 6, "Marketing": 6, "IT": 3},
                            setup=shoes_set,
                            estimate=shoes_exp,
                        ),
                    ],
                    integration(
                        communicator=4.4,
                        co_creator=4.2,
                        substitute_manager=3.9,
                        innovation=2.6,
                        passive=3.7,
                        experience=3.9,
                    ),
                ),
            ],
        ),
        Company(
            "airline",
            "SkyBudget Airlines",
            "Airlines",
            "IE",
            "large",
            "low-cost airline, customers check themselves in: OE in both lenses",
            [
                Wave(
                    WAVE,
                    [
                        customers(30, airline_exp),
                        *departments(
                            {"Operations": 10, "Sales": 5, "IT": 5, "Finance": 2},
                            setup=profile(4.6, 3.1, 3.0),
                            estimate=airline_exp,
                        ),
                    ],
                    integration(  # booking, seat choice and check-in without staff
                        productive_resource=4.2,
                        competitor=4.5,
                        quality_inspector=3.6,
                        co_creator=2.6,
                        communicator=3.0,
                        substitute_manager=2.7,
                        innovation=2.4,
                        active=4.0,
                        passive=2.7,
                        experience=4.1,
                        economic=4.4,
                    ),
                )
            ],
        ),
        Company(
            "chips",
            "Nanoforge Semiconductors",
            "Semiconductors",
            "NL",
            "large",
            "B2B chip designer: PL in both lenses; only 3 customers answered",
            [
                Wave(
                    WAVE,
                    [
                        customers(3, profile(3.3, 3.3, 4.5)),
                        *departments(
                            {"R&D": 10, "Sales": 5, "Operations": 5, "Finance": 2},
                            setup=profile(3.2, 3.2, 4.5),
                            estimate=profile(3.3, 3.3, 4.4),
                        ),
                    ],
                    integration(  # customers' engineers co-develop and test new chips
                        co_developer=4.4,
                        user_tester=4.3,
                        innovation_resource=4.2,
                        innovator=4.0,
                        productive_resource=3.2,
                        competitor=2.4,
                        active=3.9,
                    ),
                )
            ],
        ),
        Company(
            "privatebank",
            "Van Aalst Private Bank",
            "Financial services",
            "NL",
            "small",
            "private bank: customers feel CI, the set-up does not back it",
            [
                Wave(
                    WAVE,
                    [
                        customers(18, privatebank_exp),
                        *departments(
                            {"Relationship Management": 8, "Operations": 6, "IT": 3, "Finance": 2},
                            setup=profile(3.4, 3.2, 2.9),
                            estimate=privatebank_exp,
                        ),
                    ],
                    integration(  # online banking pushed onto clients, little co-creation
                        co_creator=2.5,
                        communicator=2.7,
                        substitute_manager=2.6,
                        productive_resource=3.9,
                        competitor=3.8,
                        experience=3.5,
                    ),
                )
            ],
        ),
        Company(
            "deptstore",
            "Grand Bazaar Department Store",
            "Retail",
            "GB",
            "large",
            "department store stuck in the middle; staff overestimate the experience",
            [
                Wave(
                    WAVE,
                    [
                        customers(28, deptstore_exp, thresholds(pl=2.5)),
                        *departments(
                            {"Sales": 10, "Operations": 6, "Marketing": 5, "Finance": 3},
                            setup=profile(3.4, 3.3, 3.2),
                            estimate=profile(4.3, 4.3, 3.3),
                        ),
                    ],
                    integration(  # neutral: a little of everything
                        productive_resource=3.2,
                        competitor=3.1,
                        quality_inspector=3.2,
                        co_creator=3.1,
                        communicator=3.3,
                        substitute_manager=3.2,
                        innovation=3.0,
                        active=3.3,
                        passive=3.2,
                        experience=3.5,
                    ),
                )
            ],
        ),
        Company(
            "splitco",
            "Tessel Logistics",
            "Logistics",
            "BE",
            "medium",
            "logistics firm whose departments follow different disciplines",
            [
                Wave(
                    WAVE,
                    [
                        customers(16, splitco_exp),
                        staff("Marketing", 8, profile(3.1, 4.4, 3.0), splitco_exp),
                        staff("Operations", 9, profile(4.5, 3.0, 3.0), splitco_exp),
                        staff("Finance", 2, profile(3.8, 3.4, 3.0), splitco_exp),
                        # two small departments hidden together (2 + 3 >= 5): neither
                        # Marketing nor Operations has to be hidden to protect them
                        staff("Legal", 3, profile(3.6, 3.5, 3.0), splitco_exp),
                    ],
                    integration(  # neutral, OE roles a little ahead (in case OE is claimed)
                        productive_resource=3.4,
                        competitor=3.4,
                        quality_inspector=3.4,
                        co_creator=3.3,
                        communicator=3.2,
                        substitute_manager=3.1,
                        innovation=3.0,
                        active=3.4,
                        experience=3.5,
                    ),
                )
            ],
        ),
        Company(
            "budgetmart",
            "ValuMart Self-Checkout",
            "Grocery retail",
            "US",
            "large",
            "self-checkout grocery chain: OE, customers do a lot themselves",
            [
                Wave(
                    WAVE,
                    [
                        customers(26, budgetmart_exp),
                        *departments(
                            {"Operations": 9, "IT": 6, "Customer Service": 5, "Finance": 3},
                            setup=profile(4.5, 3.0, 3.1),
                            estimate=budgetmart_exp,
                        ),
                    ],
                    integration(  # self-checkout, self-scanning
                        competitor=4.4,
                        productive_resource=4.0,
                        quality_inspector=3.5,
                        active=3.9,
                        experience=3.9,
                        economic=4.2,
                    ),
                )
            ],
        ),
        Company(
            "mueller",
            "Müller Präzisionsteile",
            "Machinery",
            "DE",
            "small",
            "precision-parts maker excelling at OE and PL: masters of two",
            [
                Wave(
                    WAVE,
                    [
                        customers(14, mueller_exp),
                        *departments(
                            {"R&D": 6, "Operations": 6, "Sales": 3},
                            setup=profile(4.4, 3.2, 4.3),
                            estimate=mueller_exp,
                        ),
                    ],
                    # no integration targets: Müller did not use the integration module
                )
            ],
        ),
        Company(
            "energyco",
            "Voltaro Energy",
            "Utilities",
            "AT",
            "medium",
            "energy supplier that moved all service into an app and a portal: "
            "customers do the work and experience it as a burden",
            [
                Wave(
                    WAVE,
                    [
                        customers(22, energyco_exp),
                        *departments(
                            {"Operations": 7, "IT": 6, "Customer Service": 5, "Finance": 2},
                            setup=profile(4.5, 3.1, 3.0),
                            estimate=energyco_exp,
                        ),
                    ],
                    integration(  # meter readings, moves, tariffs, complaints: all in the app
                        competitor=4.3,
                        productive_resource=4.1,
                        quality_inspector=3.4,
                        active=4.0,
                        passive=2.8,
                        experience=2.1,
                        economic=3.4,
                        psychological=2.4,
                    ),
                )
            ],
        ),
    ]


# -- drawing answers -------------------------------------------------------


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def expected_observed(mu: float, lo: int, hi: int, sd: float) -> float:
    """E[clip(round(mu + e), lo, hi)] for e ~ N(0, sd)."""
    return lo + sum(1.0 - _phi((k + 0.5 - mu) / sd) for k in range(lo, hi))


def calibrate(target: float, lo: int, hi: int, sd: float) -> float:
    """The latent mean whose expected observed (rounded, clipped) answer is ``target``."""
    target = min(max(target, lo + 0.05), hi - 0.05)
    a, b = lo - 3.0 * sd - 1.0, hi + 3.0 * sd + 1.0
    for _ in range(80):  # bisection: deterministic and plenty precise
        m = 0.5 * (a + b)
        if expected_observed(m, lo, hi, sd) < target:
            a = m
        else:
            b = m
    return 0.5 * (a + b)


def stream(seed: int, company_id: str, wave: str, *parts: str) -> np.random.Generator:
    """An independent random stream per company and wave (and part, e.g. "integration";
    the core answers use the stream without a part)."""
    key = [zlib.crc32(k.encode("utf-8")) for k in (company_id, wave, *parts)]
    return np.random.default_rng([seed, *key])


def draw_cell(
    rng: np.random.Generator, items: list, mu: float, lo: int, hi: int
) -> tuple[dict[str, int], set[str]]:
    """One respondent's raw answers to one cell (latent mean ``mu``) and the ids left blank."""
    offset = rng.normal(0.0, OFFSET_SD)
    noise = rng.normal(0.0, NOISE_SD, size=len(items))
    values = np.clip(np.rint(mu + offset + noise), lo, hi).astype(int)
    missing = rng.random(len(items)) < BLANK_RATE
    raw = {
        item.id: lo + hi - int(v) if item.reverse else int(v)
        for item, v in zip(items, values, strict=True)
    }
    return raw, {item.id for item, m in zip(items, missing, strict=True) if m}


def group_cells(inst: Instrument, group: Group) -> list[tuple[list, float]]:
    """The (items, target) cells a group answers, in a fixed order."""
    cells = []
    lenses = [("experience", group.experience)]
    if group.setup is not None:
        lenses.append(("setup", group.setup))
    for lens, targets in lenses:
        for disc, target in targets.items():
            items = [i for i in inst.items if i.discipline == disc and i.lens == lens]
            if items:
                cells.append((items, target))
    for disc, target in group.threshold.items():
        items = [i for i in inst.threshold_items if i.discipline == disc]
        if items:
            cells.append((items, target))
    return cells


def integration_cells(
    integ: IntegrationInstrument, targets: dict[str, float], perspective: str
) -> list[tuple[list, float]]:
    """The (items, target) cells of the integration section a perspective answers."""
    known = set(integ.roles) | (set(INTEGRATION_DEFAULTS) - {"role"})
    unknown = sorted(set(targets) - known)
    if unknown:
        raise ValueError(f"unknown integration scales {unknown}; expected some of {sorted(known)}")
    cells = []
    for block, scale in integ.cells():
        items = [i for i in integ.cell_items(block, scale) if perspective in i.answered_by]
        if items:
            default = INTEGRATION_DEFAULTS["role" if block == "roles" else scale]
            cells.append((items, targets.get(scale, default)))
    return cells


def simulate_integration(
    integ: IntegrationInstrument,
    inst: Instrument,
    company: Company,
    wave: Wave,
    seed: int,
    skip: set[tuple[int, int]],
) -> list[dict[str, int]]:
    """The integration answers of a wave's respondents, in the order of simulate_wave's rows;
    empty answers for the (group, respondent) slots in ``skip`` and when the wave has no
    integration targets."""
    out: list[dict[str, int]] = []
    if wave.integration is None:
        return [{} for g in wave.groups for _ in range(g.n)]
    rng = stream(seed, company.company_id, wave.wave, "integration")
    lo, hi = inst.scale.min, inst.scale.max
    total_sd = math.hypot(OFFSET_SD, NOISE_SD)
    for g_idx, group in enumerate(wave.groups):
        cells = integration_cells(integ, wave.integration, group.perspective)
        mus = [calibrate(t, lo, hi, total_sd) for _, t in cells]
        for r in range(group.n):
            raw: dict[str, int] = {}
            blank: set[str] = set()
            for (items, _), mu in zip(cells, mus, strict=True):
                cell_raw, cell_blank = draw_cell(rng, items, mu, lo, hi)
                raw.update(cell_raw)
                blank |= cell_blank
            # drawn anyway, so that the others' answers do not depend on who is skipped
            answers = {i: v for i, v in raw.items() if i not in blank}
            out.append({} if (g_idx, r) in skip else answers)
    return out


def simulate_wave(
    inst: Instrument,
    company: Company,
    wave_index: int,
    seed: int,
    integ: IntegrationInstrument | None = None,
) -> list[dict]:
    wave = company.waves[wave_index]
    rng = stream(seed, company.company_id, wave.wave)
    lo, hi = inst.scale.min, inst.scale.max
    total_sd = math.hypot(OFFSET_SD, NOISE_SD)

    # which respondents answer only a few items: 1-2, from the big groups only
    slots = [
        (g_idx, r)
        for g_idx, g in enumerate(wave.groups)
        if g.n >= PARTIAL_MIN_GROUP
        for r in range(g.n)
    ]
    n_partial = min(int(rng.integers(1, 3)), len(slots))
    picks = rng.choice(len(slots), size=n_partial, replace=False) if slots else []
    partial = {slots[int(p)] for p in picks}

    # respondents who answer only a few core items leave the integration section blank
    extra = (
        simulate_integration(integ, inst, company, wave, seed, partial)
        if integ is not None
        else [{} for g in wave.groups for _ in range(g.n)]
    )
    rows: list[dict] = []
    counters = {"customer": 0, "internal": 0}
    for g_idx, group in enumerate(wave.groups):
        cells = group_cells(inst, group)
        mus = [calibrate(t, lo, hi, total_sd) for _, t in cells]
        for r in range(group.n):
            counters[group.perspective] += 1
            prefix = "c" if group.perspective == "customer" else "s"
            raw: dict[str, int] = {}
            blank: set[str] = set()
            for (items, _), mu in zip(cells, mus, strict=True):
                cell_raw, cell_blank = draw_cell(rng, items, mu, lo, hi)
                raw.update(cell_raw)
                blank |= cell_blank
            if (g_idx, r) in partial:
                # answers one item in each of a few cells, nothing else
                k = int(rng.integers(PARTIAL_CELLS[0], PARTIAL_CELLS[1] + 1))
                chosen = rng.choice(len(cells), size=min(k, len(cells)), replace=False)
                keep = set()
                for c in sorted(int(x) for x in chosen):
                    items = cells[c][0]
                    keep.add(items[int(rng.integers(len(items)))].id)
                blank = set(raw) - keep
            answers = {i: v for i, v in raw.items() if i not in blank}
            rows.append(
                {
                    "wave": wave.wave,
                    "company_id": company.company_id,
                    "respondent_id": f"{prefix}{counters[group.perspective]:03d}",
                    "perspective": group.perspective,
                    "department": group.department if group.perspective == "internal" else "",
                    **answers,
                    **extra[len(rows)],
                }
            )
    return rows


def generate(
    inst: Instrument, seed: int, integ: IntegrationInstrument | None = None
) -> tuple[list[list[str]], list[list[str]]]:
    """The rows (header first) of companies.csv and responses.csv (with the integration
    section's columns after the core items when ``integ`` is given)."""
    companies = archetypes()
    company_rows = [COMPANY_COLUMNS] + [
        [c.company_id, c.name, c.industry, c.country, c.size] for c in companies
    ]
    columns = META_COLUMNS + inst.item_ids + (integ.item_ids if integ is not None else [])
    response_rows = [columns]
    for company in companies:
        for w in range(len(company.waves)):
            for row in simulate_wave(inst, company, w, seed, integ):
                response_rows.append(
                    ["" if row.get(col) is None else str(row[col]) for col in columns]
                )
    return company_rows, response_rows


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.add_argument("--out", default=DEFAULT_OUT, help="output folder (default data/sample)")
    parser.add_argument(
        "--instrument", default=LATEST_VERSION,
        help=f"a packaged instrument version ({', '.join(INSTRUMENT_VERSIONS)}; default "
             f"{LATEST_VERSION}, the newest) or an instrument YAML file",
    )
    parser.add_argument(
        "--integration",
        default=None,
        help="customer-integration section YAML (default: the one packaged with the "
             "instrument version)",
    )
    args = parser.parse_args(argv)

    packaged = args.instrument in INSTRUMENT_VERSIONS
    inst = (load_instrument(version=args.instrument) if packaged
            else load_instrument(args.instrument))
    integ = (load_integration(args.integration) if args.integration is not None
             else load_integration(version=args.instrument if packaged else None))
    company_rows, response_rows = generate(inst, args.seed, integ)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "companies.csv", company_rows)
    write_csv(out / "responses.csv", response_rows)
    print(
        f"wrote {len(company_rows) - 1} companies and {len(response_rows) - 1} responses "
        f"to {out} (seed {args.seed}, instrument {inst.version})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
