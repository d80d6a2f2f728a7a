"""A path down a self-referencing hierarchy kept as text (model/relations/paths.py): Odoo's parent_path
'1/4/9/' and complete_name 'All / Office / Desks' (tests/sql/unseen_erp.sql: 60 of 60 categories had a
sampled word instead, 'Committee')."""

from __future__ import annotations

import numpy as np
import pandas as pd

from provisioner.model.relations import paths
from provisioner.model.relations.relational import Degree, ForeignKeyModel
from provisioner.schema.snapshot import Column, ForeignKey, Table

FK = ForeignKey("category_parent_fkey", ("parent_id",), "erp.category", ("id",), "FOREIGN KEY ...")
TABLE = Table("erp", "category", (Column("id", "integer", "integer", nullable=False), Column("name", "varchar", "varchar"),
                                   Column("parent_id", "integer", "integer"), Column("complete_name", "varchar", "varchar"),
                                   Column("parent_path", "varchar", "varchar"), Column("note", "varchar", "varchar")),
              primary_key=("id",), foreign_keys=(FK,))


def _tree(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parent = [None] + [int(rng.integers(1, i)) for i in range(2, n + 1)]  # each row's parent made before it
    names = [f"{w} {i}" for i, w in zip(range(1, n + 1), rng.choice(["Office", "Desks", "Paper"], n))]
    path, full = {}, {}
    for i in range(1, n + 1):
        above = parent[i - 1]
        path[i] = (path[above] if above else "") + f"{i}/"
        full[i] = (full[above] + " / " if above else "") + names[i - 1]
    return pd.DataFrame({"id": range(1, n + 1), "name": names, "parent_id": pd.array(parent, dtype="Int64"),
                         "complete_name": [full[i] for i in range(1, n + 1)], "parent_path": [path[i] for i in range(1, n + 1)],
                         "note": [f"n/{i}" for i in range(1, n + 1)]})


def _model() -> ForeignKeyModel:
    return ForeignKeyModel(FK, Degree((), ()), null_rate=0.0, driving=False, self_ref=True)


def test_paths_are_learnt_and_made_again_from_the_synthetic_parents() -> None:
    model = _model()
    found = paths.learn(TABLE, _tree(60, 0), [model])
    assert {(r.column, r.own, r.joiner, r.ending) for r in found} == {("parent_path", "id", "", "/"), ("complete_name", "name", " / ", "")}
    made = _tree(80, 1)
    made["parent_path"], made["complete_name"] = "Committee", "Ladder"  # a column model's words
    for rule in found:
        paths.apply(made, rule, FK)
    assert made.equals(_tree(80, 1))


def test_a_column_that_is_no_path_learns_none() -> None:
    tree = _tree(60, 2)
    tree["parent_path"] = tree["parent_path"].where(tree["id"] != 30, "1/30/")  # one row off its parent's path
    assert {r.column for r in paths.learn(TABLE, tree, [_model()])} == {"complete_name"}
