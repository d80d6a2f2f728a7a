"""Adversarial inputs for the learnt rules of this round (current rows, tokens, checks beside them):
each test failed before its fix."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import psycopg
from click.testing import CliRunner

from provisioner import api
from provisioner.cli import main
from provisioner.config import Config, TrainConfig
from provisioner.model import tokens
from provisioner.model.relations import current
from provisioner.synth import shards

from . import dbcheck

FLAGGED = """
CREATE TABLE person (id integer PRIMARY KEY, hired date NOT NULL);
INSERT INTO person SELECT g, date '2000-01-01' + g * 37 % 3000 FROM generate_series(1, 60) g;
CREATE TABLE salary (
    emp_id integer NOT NULL REFERENCES person, from_ts timestamptz NOT NULL, to_ts timestamptz NOT NULL,
    amount integer NOT NULL, is_current boolean NOT NULL, PRIMARY KEY (emp_id, from_ts),
    CHECK (to_ts > from_ts), CHECK (NOT is_current OR to_ts = 'infinity'));
CREATE UNIQUE INDEX salary_one_current ON salary (emp_id) WHERE is_current;
INSERT INTO salary
SELECT p.id, ts, coalesce(lead(ts) OVER w, 'infinity'), 40000 + p.id * k % 20000, lead(ts) OVER w IS NULL
FROM person p, LATERAL (SELECT timestamptz '2010-01-01 00:00+00' + (k || ' days')::interval * (200 + p.id) AS ts, k
                        FROM generate_series(1, 2 + p.id % 4) k) s
WINDOW w AS (PARTITION BY p.id ORDER BY ts);
"""

TITLES = """
CREATE TABLE emp (id integer PRIMARY KEY, hired date NOT NULL);
INSERT INTO emp SELECT g, date '2000-01-01' + g * 11 FROM generate_series(1, 150) g;
CREATE TABLE title (id integer PRIMARY KEY, emp_id integer NOT NULL REFERENCES emp, from_date date NOT NULL,
                    to_date date, grade integer NOT NULL);
CREATE UNIQUE INDEX title_current ON title (emp_id) WHERE to_date IS NULL;
INSERT INTO title SELECT row_number() OVER (), e.id, e.hired + k * 100,
       CASE WHEN k = 1 + e.id % 4 THEN NULL ELSE e.hired + k * 100 + 99 END, (e.id * k) % 5
FROM emp e, generate_series(1, 1 + e.id % 4) k;
"""


def _run(url: str, script: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(script)


def test_a_check_on_a_bare_boolean_marker_is_kept(fresh_db: Callable[..., str]) -> None:
    """CHECK (NOT is_current OR to_ts = 'infinity'): was 'error: Unsupported: col is not a predicate' at load."""
    source, target = fresh_db("adv_flag_src"), fresh_db("adv_flag_dst")
    _run(source, FLAGGED)
    result = CliRunner().invoke(main, ["provision", "--source", source, "--target", target, "--seed", "3", "--quiet"])
    assert result.exit_code == 0, result.output
    assert dbcheck.scalar(target, "SELECT count(*) FROM salary WHERE is_current AND to_ts <> 'infinity'") == 0
    assert dbcheck.scalar(target, "SELECT count(*) FROM person p WHERE NOT EXISTS "
                                  "(SELECT 1 FROM salary s WHERE s.emp_id = p.id AND s.is_current)") == 0


def test_a_parent_whose_rows_cross_shards_gets_one_current_row(fresh_db: Callable[..., str]) -> None:
    """A streamed table (surrogate key) with a current row per parent: each shard marked its own, so a
    parent across a shard boundary got two and the partial unique index failed the load."""
    source = fresh_db("adv_cur_src")
    _run(source, TITLES)
    bundle = api.train_bundle(Config(source=source, seed=3, train=TrainConfig(epochs=1))).bundle
    assert any(isinstance(r, current.OnePerParent) for r in bundle.tables["title"].rules)
    config = Config(seed=5)
    plan = shards.make_plan(bundle, config, min_rows=0)
    assert "title" in plan.streamed
    source_rows = shards.StreamSource(bundle, config, plan, 7)
    titles = pd.DataFrame()
    for key in bundle.order.tables:
        frames = list(source_rows.frames(key))
        titles = pd.concat(frames, ignore_index=True) if key == "title" else titles
    per_parent = titles["to_date"].isna().groupby(titles["emp_id"]).sum()
    assert len(per_parent) > 100 and (per_parent == 1).all(), per_parent[per_parent != 1]


def test_upper_case_hexadecimal_stays_hexadecimal() -> None:
    """'AB-3F09C2': was drawn from every capital letter ('AB-JZN1PZ')."""
    rng = np.random.default_rng(1)
    values = pd.Series([f"AB-{''.join(rng.choice(list('0123456789ABCDEF'), 6))}" for _ in range(200)])
    shape = tokens.learn(values, "code")
    assert shape is not None and set(shape.segments[1].alphabet) == set("0123456789ABCDEF")
    lower = tokens.learn(values.str.lower(), "code")
    assert lower is not None and set(lower.segments[1].alphabet) == set("0123456789abcdef")


VOUCHERS = """
CREATE TABLE voucher (
    id integer PRIMARY KEY, code text NOT NULL UNIQUE CHECK (char_length(code) = 7),
    label varchar(14) NOT NULL CHECK (label = upper(label)));
INSERT INTO voucher SELECT g, 'K-' || lpad(((g * 7919) % 100000)::text, 5, '0'),
       upper('item ' || substr(md5(g::text), 1, 6)) || CASE WHEN g % 2 = 0 THEN 'ß' ELSE '' END
FROM generate_series(1, 300) g;
"""


def test_a_unique_code_keeps_its_length_and_an_upper_case_column_with_eszett_stays_upper(fresh_db: Callable[..., str]) -> None:
    """'K-12345' UNIQUE with CHECK (char_length(code) = 7): repeats got a suffix ('K-123451') and the load failed
    (a format with fewer than 20 codes per row, such as 'K-123' over 300 rows, is not drawn as a token: most
    draws would be real codes, model/tokens.py SPACE_PER_ROW);
    'ITEM C81E72ß' is upper case to PostgreSQL (upper('ß') = 'ß') but not to Python ('SS'): the case was
    not learnt and all 300 labels broke CHECK (label = upper(label))."""
    source, target = fresh_db("adv_code_src"), fresh_db("adv_code_dst")
    _run(source, VOUCHERS)
    result = CliRunner().invoke(main, ["provision", "--source", source, "--target", target, "--seed", "4", "--quiet"])
    assert result.exit_code == 0, result.output
    assert dbcheck.scalar(target, "SELECT count(*) FROM voucher WHERE code !~ '^K-[0-9]{5}$'") == 0
    assert dbcheck.scalar(target, "SELECT count(*) FROM voucher") == 300


def test_a_constant_segment_holds_on_rows_past_the_first_five_thousand() -> None:
    """Rows are read in key order: the first 5,000 (one year's invoices, one customer's keys) shared a segment
    that later rows do not, and every synthetic value was given it."""
    rng = np.random.default_rng(2)
    values = pd.Series([f"INV-{'2019' if i < 5000 else '2020'}-{rng.integers(10000, 99999)}" for i in range(6000)])
    shape = tokens.learn(values, "number")
    assert shape is not None and shape.segments[1].constant is None
