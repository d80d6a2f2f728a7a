"""A table's learnt columns as its column model sees them (shared by training and sampling)."""

from __future__ import annotations

import dataclasses
from typing import Any

from provisioner.schema.snapshot import Column, Table


def model_column(table: Table, name: str, role: str) -> Column:
    """The column as the tabular model sees it: lookup FKs are categories."""
    col = table.column(name)
    return dataclasses.replace(col, kind="lookup", element_kind=col.kind) if role == "lookup" else col


def ratio_column(name: str) -> Column:
    """A learnt column that holds a ratio to a parent's number (inherit.py, mode "ratio")."""
    return Column(name=name, type="double precision", kind="double", nullable=True)


def learnt_columns(table: Table, model: Any) -> dict[str, Column]:
    """The table's learnt columns as its column model samples them (ratios to a parent as ratios)."""
    ratios = {i.column for i in model.inherited if i.mode == "ratio"}
    return {c: ratio_column(c) if c in ratios else model_column(table, c, model.roles[c]) for c in model.model_columns}
