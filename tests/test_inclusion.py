"""Undeclared composite inclusion dependencies (relations/inclusion.py) on a real PostgreSQL: what is learnt, what is
not (too few rows, a rule chance explains, one row that breaks it), that the rule keeps no value, and what apply fixes."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import psycopg
import pytest

from provisioner.model.profile import read_rows
from provisioner.model.relations import inclusion
from provisioner.model.relations.relational import Degree, ForeignKeyModel
from provisioner.pg import connect as db
from provisioner.pg import script as sqlscript
from provisioner.schema.reflect import reflect
from provisioner.schema.snapshot import Column, SchemaSnapshot, Table

SCHEMA = """
CREATE TABLE orgs (id int PRIMARY KEY);
CREATE TABLE people (id int PRIMARY KEY);
CREATE TABLE members (org_id int REFERENCES orgs, person_id int REFERENCES people, PRIMARY KEY (org_id, person_id));
CREATE TABLE projects (id int PRIMARY KEY, org_id int NOT NULL REFERENCES orgs, UNIQUE (org_id, id));
CREATE TABLE tasks (id int PRIMARY KEY, org_id int NOT NULL, project_id int NOT NULL, person_id int REFERENCES people,
  FOREIGN KEY (org_id, project_id) REFERENCES projects (org_id, id));
INSERT INTO orgs SELECT generate_series(1, 20);
INSERT INTO people SELECT generate_series(1, 200);
INSERT INTO members SELECT DISTINCT 1 + (p * k) % 20, p FROM generate_series(1, 200) p, generate_series(1, 2) k;
INSERT INTO projects SELECT p, 1 + p % 20 FROM generate_series(1, 60) p;
"""
TASKS = """INSERT INTO tasks SELECT t, pr.org_id, pr.id, m.person_id FROM generate_series(1, {n}) t
  JOIN projects pr ON pr.id = 1 + (t * 7) % 60
  JOIN LATERAL (SELECT person_id FROM members WHERE org_id = pr.org_id ORDER BY person_id OFFSET t % 5 LIMIT 1) m ON true"""
TASKS_TABLE = Table(schema="public", name="tasks", columns=(Column("org_id", "integer", "integer"), Column("person_id", "integer", "integer")))


@pytest.fixture
def source(fresh_db: Callable[..., str]) -> Iterator[Callable[[str], tuple[SchemaSnapshot, dict[str, inclusion.Inclusion]]]]:
    """Load SCHEMA plus ``extra`` SQL into a fresh database; return its snapshot and the rules learnt (by table)."""
    engines = []

    def learn(extra: str) -> tuple[SchemaSnapshot, dict[str, inclusion.Inclusion]]:
        url = fresh_db("incl")
        with psycopg.connect(**sqlscript.connect_kwargs(url), autocommit=True) as conn:
            conn.execute(SCHEMA + extra)
        engine = db.source_engine(url)
        engines.append(engine)
        snapshot = reflect(engine)
        with db.connect(engine) as conn:
            frames = {t.key: read_rows(conn, t, 10_000, 0) for t in snapshot.tables}
            driving = {"tasks": (_model(snapshot, "tasks", "projects", True), _model(snapshot, "tasks", "people", False))}
            found = inclusion.learn(conn, snapshot, frames, driving)
        return snapshot, {k: r for k, rules in found.items() for r in rules}

    yield learn
    for engine in engines:
        engine.dispose()


def _model(snapshot: SchemaSnapshot, table: str, parent: str, driving: bool) -> ForeignKeyModel:
    fk = next(f for f in snapshot.table(table).foreign_keys if f.ref_table == parent)
    return ForeignKeyModel(fk, Degree((1,), (1,)), 0.0, driving, False)


def test_a_pair_of_keys_always_found_in_another_tables_key_is_learnt_as_names_and_counts(source) -> None:  # type: ignore[no-untyped-def]
    snapshot, found = source(TASKS.format(n=400))
    rule = found["tasks"]
    assert (rule.columns, rule.parent, rule.sources) == (("org_id", "person_id"), "members", ("org_id", "person_id"))
    assert rule.moved == ("person_id",) and rule.nullable  # the driving composite key keeps the organization
    assert rule.rows == 400 and rule.combos >= inclusion.MIN_COMBOS
    kinds = {type(v) for v in dataclasses.astuple(rule) for v in (v if isinstance(v, tuple) else (v,))}
    assert kinds <= {str, int, bool}  # names and counts, no source value
    assert set(found) == {"tasks"}  # the declared composite key (tasks -> projects) is no finding


def test_too_few_rows_a_dense_key_or_one_breaking_row_learn_nothing(source) -> None:  # type: ignore[no-untyped-def]
    assert source(TASKS.format(n=12))[1] == {}  # a rule 12 rows obey may be chance
    everyone = "INSERT INTO members SELECT o, p FROM generate_series(1, 20) o, generate_series(1, 200) p ON CONFLICT DO NOTHING;"
    assert source(everyone + TASKS.format(n=400))[1] == {}  # every person is in every organization: nothing to keep
    outsider = TASKS.format(n=400) + "; UPDATE tasks SET person_id = (SELECT min(id) FROM people p WHERE NOT EXISTS " \
        "(SELECT 1 FROM members m WHERE m.org_id = tasks.org_id AND m.person_id = p.id)) WHERE id = 1"
    assert source(outsider)[1] == {}


def test_apply_repicks_the_moved_key_within_the_rest_of_the_combination() -> None:
    rule = inclusion.Inclusion(("org_id", "person_id"), "members", ("org_id", "person_id"), ("person_id",), True, 100, 50)
    members = pd.DataFrame({"org_id": [1, 1, 2, 2, 2], "person_id": [10, 11, 20, 21, 22]})
    frame = pd.DataFrame({"org_id": [1, 1, 2, 2, 3, 1], "person_id": [10, 20, 10, 22, 10, None]})
    inclusion.apply(frame, rule, TASKS_TABLE, {"members": members}, {}, np.random.default_rng(0))
    assert frame["person_id"].iloc[0] == 10 and frame["person_id"].iloc[3] == 22  # rows that obey stay
    assert frame["person_id"].iloc[1] in (10, 11) and frame["person_id"].iloc[2] in (20, 21, 22)
    assert pd.isna(frame["person_id"].iloc[4]) and pd.isna(frame["person_id"].iloc[5])  # no member of org 3: NULL; NULL stays
    kept = dataclasses.replace(rule, nullable=False)
    again = pd.DataFrame({"org_id": [3], "person_id": [10]})
    assert inclusion.apply(again, kept, TASKS_TABLE, {"members": members}, {}, np.random.default_rng(0)) == 1 and again["person_id"].iloc[0] == 10


NOTES = """; CREATE TABLE notes (id int PRIMARY KEY, task_id int NOT NULL REFERENCES tasks, person_id int NOT NULL REFERENCES people);
INSERT INTO notes SELECT n, t.id, m.person_id FROM generate_series(1, 300) n JOIN tasks t ON t.id = 1 + (n * 13) % 400
  JOIN LATERAL (SELECT person_id FROM members WHERE org_id = t.org_id ORDER BY person_id OFFSET n % 3 LIMIT 1) m ON true"""


def test_a_key_in_the_organization_of_the_parent_row_is_learnt_through_the_join(source) -> None:  # type: ignore[no-untyped-def]
    snapshot, found = source(TASKS.format(n=400) + NOTES)
    rule = found["notes"]
    assert rule.refs() == (("notes_task_id_fkey", "org_id"), ("", "person_id")) and rule.moved == ("person_id",)
    stranger = TASKS.format(n=400) + NOTES + "; UPDATE notes SET person_id = 1 + (id * 37) % 200"
    assert "notes" not in source(stranger)[1]
    tasks = pd.DataFrame({"id": [1, 2], "org_id": [1, 2]})
    members = pd.DataFrame({"org_id": [1, 2, 2], "person_id": [10, 20, 21]})
    notes = pd.DataFrame({"task_id": [1, 2, 2, 1], "person_id": [20, 20, 10, 10]})
    fks = {fk.name: fk for fk in snapshot.table("notes").foreign_keys}
    inclusion.apply(notes, rule, snapshot.table("notes"), {"tasks": tasks, "members": members}, fks, np.random.default_rng(0))
    assert notes["person_id"].tolist()[:2] == [10, 20] and notes["person_id"].iloc[2] in (20, 21) and notes["person_id"].iloc[3] == 10


def test_apply_leaves_keys_alone_when_the_other_table_has_no_rows() -> None:
    rule = inclusion.Inclusion(("org_id", "person_id"), "members", ("org_id", "person_id"), ("person_id",), True, 100, 50)
    frame = pd.DataFrame({"org_id": [1, 2], "person_id": [10, 20]})
    empty = pd.DataFrame({"org_id": pd.Series([], dtype=object), "person_id": pd.Series([], dtype=object)})
    assert inclusion.apply(frame, rule, TASKS_TABLE, {"members": empty}, {}, np.random.default_rng(0)) == 0
    assert frame["person_id"].tolist() == [10, 20]  # a skipped table wipes no key
