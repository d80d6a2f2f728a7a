"""Reference data: tables whose rows are not records about anyone, which the gate exempts.

The gate's metrics ask whether a synthetic row gives a real *record* away. Some
tables hold none, and on them copies are unavoidable and harmless (a demographics
dimension has one row per combination of its categories; a synthetic row can only
be one of them). :func:`reference_data` names why a modelled table is exempt, or
returns "" when the gate must check it:

* **one-row configuration tables**: one source row is a setting, not a population;
* **cross products**: the source rows are every combination of a few categories,
  once each (``a x b x c = rows``), so a row is a cell of the product, not a record;
* **rows distinct by design, about no one**: no PII or free-text column, no foreign
  key to a table that holds PII, and every source row distinct on its learnt
  columns (a calendar, a numbers table, a product dimension).

The reason goes into the report.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from provisioner.schema.snapshot import Table

MAX_PRODUCT_LEVELS = 50  # a column of a cross product has at most this many values


def reference_data(table: Table, model: Any, real: Any, bundle: Any | None) -> str:
    """Why ``table`` (modelled, with its real training and holdout rows) is reference data, or ""."""
    frame = pd.concat([real.train, real.holdout], ignore_index=True)
    columns = [c for c in model.model_columns if c in frame]
    if not columns:
        return ""
    if model.source_rows <= 1:
        return "a one-row configuration table: one setting, no population of records to protect"
    rows = frame[columns].astype(object).where(frame[columns].notna(), "\0null")
    if _cross_product(rows, len(frame), model.source_rows):
        sizes = " x ".join(str(rows[c].nunique()) for c in columns)
        return (f"every source row is one combination of its categories ({', '.join(columns)}: {sizes} = "
                f"{len(frame)} rows, each once): a row is a cell of their product, not a record")
    if _about_no_one(table, model, bundle) and not rows.duplicated().any():
        return ("no personal or free-text column and no key to a table of people, and every source row distinct "
                "on its learnt columns: reference data by design (a calendar, a dimension), not records of people")
    return ""


def _cross_product(rows: pd.DataFrame, n: int, source_rows: int) -> bool:
    """Every combination of the columns' values occurs exactly once, and the read was complete."""
    if n != source_rows or n < 2 or rows.duplicated().any():
        return False
    levels = [rows[c].nunique() for c in rows.columns]
    return all(k <= MAX_PRODUCT_LEVELS for k in levels) and int(np.prod(levels, dtype=np.float64)) == n and len(levels) >= 1


def _about_no_one(table: Table, model: Any, bundle: Any | None) -> bool:
    if any(role in ("pii", "text") for role in model.roles.values()) or model.fills:
        return False
    if bundle is None:
        return False
    return not any(bundle.tables[fk.ref_table].pii_columns for fk in table.foreign_keys if fk.ref_table in bundle.tables)


