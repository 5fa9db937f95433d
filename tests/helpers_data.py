"""Build small datasets for the intake tests: frames of strings, then files in a folder.

Rows are addressed the way a spreadsheet shows them (header = row 1, first data row = 2),
so a test can say ``set_cell(responses, 3, "oe_exp_1", "7")`` and expect row 3 back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import yaml

from assessment import load_instrument

INSTRUMENT = load_instrument()
ITEMS = INSTRUMENT.item_ids
SETUP_ITEMS = {i.id for i in INSTRUMENT.items if i.lens == "setup"}
META = ["company_id", "respondent_id", "perspective", "department"]

Answer = int | Callable[[int, int], int]


def companies_frame(ids=("c1", "c2"), names=None) -> pd.DataFrame:
    """companies.csv as strings: one row per id (name "Company <id>" unless given)."""
    names = list(names) if names is not None else [f"Company {i}" for i in ids]
    return pd.DataFrame({"company_id": list(ids), "name": names,
                         "industry": ["machinery"] * len(ids)}, dtype=str)


def responses_frame(company_ids=("c1", "c2"), n: int = 4, answer: Answer = 4,
                    waves=None) -> pd.DataFrame:
    """responses.csv as strings: ``n`` respondents per company (and wave), r1..rn.

    Respondents alternate customer / internal (department "sales"); customers leave the
    set-up items blank, everything else is answered with ``answer`` (a fixed valid value,
    or ``answer(row_index, item_index)``).
    """
    rows = []
    for wave in waves or [None]:
        for cid in company_ids:
            for k in range(n):
                customer = k % 2 == 0
                row = {} if wave is None else {"wave": wave}
                row.update(company_id=cid, respondent_id=f"r{k + 1}",
                           perspective="customer" if customer else "internal",
                           department="" if customer else "sales")
                for j, item in enumerate(ITEMS):
                    value = answer(len(rows), j) if callable(answer) else answer
                    row[item] = "" if customer and item in SETUP_ITEMS else str(value)
                rows.append(row)
    return pd.DataFrame(rows, dtype=str)


def set_cell(df: pd.DataFrame, row: int, column: str, value: str) -> None:
    """Put ``value`` in the cell a spreadsheet shows at ``row`` (header = row 1)."""
    df.loc[df.index[row - 2], column] = value


def write_dataset(folder: Path, companies: pd.DataFrame | None, responses: pd.DataFrame | None,
                  *, sep: str = ",", encoding: str = "utf-8", excel: bool = False,
                  settings: dict | None = None) -> Path:
    """Write the frames as companies.csv and responses.csv (or responses.xlsx)."""
    folder.mkdir(parents=True, exist_ok=True)
    if companies is not None:
        companies.to_csv(folder / "companies.csv", index=False, sep=sep, encoding=encoding)
    if responses is not None:
        if excel:  # answers as numbers (as Excel keeps them), anything unparsable as text
            sheet = responses.copy()
            for item in (c for c in sheet.columns if c in ITEMS):
                numbers = pd.to_numeric(sheet[item], errors="coerce")
                sheet[item] = sheet[item].where(numbers.isna() & (sheet[item] != ""), numbers)
            sheet.to_excel(folder / "responses.xlsx", index=False, engine="openpyxl")
        else:
            responses.to_csv(folder / "responses.csv", index=False, sep=sep, encoding=encoding)
    if settings is not None:
        (folder / "settings.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    return folder


def good_dataset(folder: Path, **kwargs) -> Path:
    """A valid dataset: companies c1, c2 with four respondents each."""
    return write_dataset(folder, companies_frame(), responses_frame(), **kwargs)
