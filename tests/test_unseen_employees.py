"""The MySQL "employees" sample (tests/sql/unseen_employees.sql), end to end: composite primary keys of a
foreign key and a date or a title, '9999-01-01' sentinels for current rows, many salaries per employee.

Regression: a non-key column of a composite primary key beside a foreign key (``salary.from_date``,
``title.title``) was a made-up counter (dates from 2000-01-01 one day apart, titles of random letters)
and so broke ``to_date >= from_date`` on most rows; it is now learnt and made unique per parent.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from provisioner.model import detection, histograms

from . import dbcheck
from .conftest import FORMULA_ROWS_PRIVACY, provisioned_script

SCHEMAS = ("employees",)
SCRIPT = Path(__file__).parent / "sql" / "unseen_employees.sql"
CONFIG = FORMULA_ROWS_PRIVACY


@pytest.fixture(scope="module")
def employees(pg_admin_url: str, server_extensions: frozenset[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("employees")
    with provisioned_script(pg_admin_url, server_extensions, work, SCRIPT, "emp", CONFIG, ["--schema", "employees", "--seed", "0", "--epochs", "1", "--bundle", str(work / "emp.bundle")]) as data:
        yield data


def test_exit_zero_and_schema_round_trips(employees: dict[str, Any]) -> None:
    assert employees["result"].exit_code == 0, employees["result"].output
    source, target = employees["source"], employees["target"]
    assert dbcheck.tables(target, SCHEMAS) == dbcheck.tables(source, SCHEMAS)
    assert dbcheck.constraints(target, SCHEMAS) == dbcheck.constraints(source, SCHEMAS)
    assert dbcheck.all_constraints_valid(target, SCHEMAS) == []
    assert dbcheck.counts(target, SCHEMAS) == dbcheck.counts(source, SCHEMAS)


def test_date_in_composite_key_is_learnt_and_keeps_its_order(employees: dict[str, Any]) -> None:
    broken = "SELECT count(*) FROM employees.salary WHERE to_date < from_date"
    assert dbcheck.both(employees, broken) == (0, 0)
    span = "SELECT min(from_date)::text || ' ' || max(from_date)::text FROM employees.salary"
    real, synthetic = (v.split() for v in dbcheck.both(employees, span))
    assert real[0][:3] == synthetic[0][:3] and real[1][:3] == synthetic[1][:3], (real, synthetic)  # same decade, not 2000 onwards


def test_category_in_composite_key_keeps_its_values(employees: dict[str, Any]) -> None:
    query = "SELECT string_agg(DISTINCT title, ',' ORDER BY title) FROM employees.title"
    real, synthetic = dbcheck.both(employees, query)
    assert synthetic == real


def test_sentinel_dates_stay_and_keep_their_share(employees: dict[str, Any]) -> None:
    query = "SELECT round(avg((to_date = '9999-01-01')::int), 1) FROM employees.department_employee"
    real, synthetic = dbcheck.both(employees, query)
    assert abs(real - synthetic) <= 0.1


def test_datetime_features_ignore_special_values_without_warning() -> None:
    series = pd.Series([dt.date(2001, 1, 1), "9999-01-01", None, dt.date(2002, 3, 4)], dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        seconds = histograms.floats(series, "datetime")
        frame, _ = detection.features(pd.DataFrame({"d": series}), {"d": "datetime"})
    assert pd.isna(seconds[1]) and not pd.isna(seconds[0])
    assert frame["d"].isna().tolist() == [False, True, True, False]


def test_a_childs_date_never_before_its_parents_when_the_source_never_is(employees: dict[str, Any]) -> None:
    """Ordering across tables: a title starts on or after its employee's hire date, as on every source row
    (learnt against the parent's columns the child is sampled for). Salary too: a table the rule plans for
    CTGAN (5000+ rows, which cannot sample given a parent) used to be fitted without its parent's columns
    even when the copula measured better and was kept, and broke the rule on ~2,200 rows."""
    for child in ("title", "salary"):
        query = f"SELECT count(*) FROM employees.{child} c JOIN employees.employee e ON e.id = c.employee_id WHERE c.from_date < e.hire_date"
        assert dbcheck.both(employees, query) == (0, 0), child


def test_one_current_row_per_parent_and_it_is_the_latest(employees: dict[str, Any]) -> None:
    """Every employee has exactly one salary and one title ending '9999-01-01', the one that started last
    (what the current_salary view reads); the model drew the sentinel row by row before."""
    for child in ("salary", "title"):
        not_one = (f"SELECT count(*) FROM (SELECT employee_id FROM employees.{child} GROUP BY employee_id "
                   "HAVING count(*) FILTER (WHERE to_date = '9999-01-01') <> 1) x")
        not_latest = (f"SELECT count(*) FROM employees.{child} c WHERE to_date = '9999-01-01' AND from_date < "
                      f"(SELECT max(from_date) FROM employees.{child} d WHERE d.employee_id = c.employee_id)")
        assert dbcheck.both(employees, not_one) == (0, 0), child
        assert dbcheck.both(employees, not_latest) == (0, 0), child


def test_csv_dates_stay_dates_beside_sentinels(employees: dict[str, Any]) -> None:
    """``sample --format csv``: a date column that holds the '9999-01-01' sentinel too is written as dates on
    every row (pandas wrote '1997-05-02 00:00:00' for the rest)."""
    from click.testing import CliRunner

    from provisioner.cli import main

    out = employees["work"] / "csv"
    result = CliRunner().invoke(main, ["sample", "--bundle", str(employees["work"] / "emp.bundle"), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    for name in ("salary", "title", "department_employee"):
        frame = pd.read_csv(out / f"employees.{name}.csv", dtype=str)
        for column in ("from_date", "to_date"):
            assert frame[column].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all(), (name, column, frame[column].head())
