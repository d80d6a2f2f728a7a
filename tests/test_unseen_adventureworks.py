"""AdventureWorks as its PostgreSQL port has it (tests/sql/unseen_adventureworks.sql), end to end: five schemas
and a view-only one, user domains (one boolean NOT NULL), uuid rowguids, xml columns read by xpath() views,
unconstrained numeric money, CHECKs with now() and across columns, composite primary and foreign keys,
generated totals, unique indexes, comments, a materialized view.

Regressions it found:

* fidelity crashed in scikit-learn (``window shape cannot be larger than input array shape``) on a column
  NULL on every row (a feature with no value at all);
* the check repair swapped ``enddate``/``startdate`` of a history keyed by (product, startdate), so the
  start date took a value a sibling row held: duplicate primary key at load;
* xml columns whose values are replaced got words or a Faker URL: PostgreSQL took them as XML content, but
  every ``xpath()`` over the column (the sample's views) failed with "could not parse XML document".
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from psycopg import sql

from provisioner.cli import main
from provisioner.model import detection
from provisioner.schema.snapshot import Column, Constraint, Table
from provisioner.synth.repair import repair

from . import dbcheck
from .conftest import FORMULA_ROWS_PRIVACY, provisioned_script

SCHEMAS = ("person", "humanresources", "production", "purchasing", "sales", "pe")
SCRIPT = Path(__file__).parent / "sql" / "unseen_adventureworks.sql"
CONFIG = FORMULA_ROWS_PRIVACY
_IN = "n.nspname IN ('person', 'humanresources', 'production', 'purchasing', 'sales', 'pe')"
CATALOG = {
    "views": f"""SELECT n.nspname, c.relname, c.relkind::text, pg_get_viewdef(c.oid) FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND {_IN}""",
    "domains": "SELECT typname, format_type(typbasetype, typtypmod), typnotnull FROM pg_type WHERE typtype = 'd' AND typnamespace = 'public'::regnamespace",
    "indexes": f"""SELECT n.nspname, c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                   JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_IN}""",
    "comments": f"""SELECT c.relname, d.objsubid, d.description FROM pg_description d JOIN pg_class c ON c.oid = d.objoid
                    JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_IN}""",
    "columns": f"""SELECT table_schema, table_name, column_name, data_type, domain_name, column_default, is_nullable, is_generated,
                   generation_expression FROM information_schema.columns c JOIN pg_namespace n ON n.nspname = c.table_schema WHERE {_IN}""",
}
XML_COLUMNS = """SELECT table_schema, table_name, column_name FROM information_schema.columns
                 WHERE data_type = 'xml' AND table_schema = ANY(%s)"""


@pytest.fixture(scope="module")
def adventureworks(pg_admin_url: str, server_extensions: frozenset[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("adventureworks")
    args = [a for s in SCHEMAS for a in ("--schema", s)] + ["--seed", "0", "--epochs", "1", "--bundle", str(work / "aw.bundle")]
    with provisioned_script(pg_admin_url, server_extensions, work, SCRIPT, "aw", CONFIG, args, report=False) as data:  # 40 tables: no fidelity
        yield data


def test_exit_zero_and_every_object_round_trips(adventureworks: dict[str, Any]) -> None:
    dbcheck.assert_round_trip(adventureworks, SCHEMAS, CATALOG)


def test_generated_totals_and_the_materialized_view_are_filled(adventureworks: dict[str, Any]) -> None:
    target = adventureworks["target"]
    assert dbcheck.scalar(target, "SELECT count(*) FROM sales.salesorderheader WHERE totaldue IS DISTINCT FROM subtotal + taxamt + freight") == 0
    assert dbcheck.scalar(target, "SELECT count(*) FROM person.vstateprovincecountryregion") > 0


def _xml_documents(url: str) -> list[tuple[str, int, int]]:
    """(column, values, values that are not a well-formed document) of every xml column."""
    out = []
    for schema, table, column in dbcheck._rows(url, XML_COLUMNS, (list(SCHEMAS),)):
        query = sql.SQL("SELECT count(x.{c}), count(x.{c}) FILTER (WHERE NOT xml_is_well_formed_document(x.{c}::text)) FROM {t} x").format(
            c=sql.Identifier(column), t=sql.Identifier(schema, table))
        values, broken = dbcheck._rows(url, query)[0]
        out.append((f"{schema}.{table}.{column}", values, broken))
    return out


def test_xml_columns_hold_documents_that_the_xpath_views_read(adventureworks: dict[str, Any]) -> None:
    source, target = adventureworks["source"], adventureworks["target"]
    documents = _xml_documents(target)
    assert [d for d in documents if d[2]] == [], documents
    assert {d[0] for d in documents if d[1]} == {d[0] for d in _xml_documents(source) if d[1]}
    read = "SELECT count(*), count(annualsales), count(yearopened) FROM sales.vstorewithdemographics"
    total, sales, years = dbcheck._rows(target, read)[0]
    assert total > 0 and sales == years == total
    assert dbcheck.scalar(target, "SELECT count(*) FROM person.vadditionalcontactinfo WHERE telephonenumber !~ '^[0-9]{3}-[0-9]{3}-[0-9]{4}$'") == 0
    real_survey = "SELECT count(*) FROM person.person WHERE demographics IS NOT NULL"
    assert dbcheck.scalar(target, "SELECT count(*) FROM person.person WHERE (xpath('/n:IndividualSurvey/n:Gender/text()', demographics, "
                                  "'{{n,http://schemas.microsoft.com/sqlserver/2004/07/adventure-works/IndividualSurvey}}'))[1]::text IN ('M', 'F')") \
        == dbcheck.scalar(target, real_survey) > 0


@pytest.mark.skipif(shutil.which("psql") is None, reason="needs psql")
def test_sample_as_a_sql_script_loads_with_psql(adventureworks: dict[str, Any], fresh_db: Any, tmp_path: Path) -> None:
    """``sample --format sql`` from the same bundle: one script that ``psql -1 -f`` loads into an empty database."""
    out = tmp_path / "dump"
    result = CliRunner().invoke(main, ["sample", "--bundle", str(adventureworks["work"] / "aw.bundle"), "--out", str(out),
                                       "--format", "sql", "--seed", "1", "--quiet"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    target = fresh_db("aw_script")
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", str(out / "synthetic.sql"), target], check=True, capture_output=True, text=True)
    assert dbcheck.constraints(target, SCHEMAS) == dbcheck.constraints(adventureworks["source"], SCHEMAS)
    assert dbcheck.all_constraints_valid(target, SCHEMAS) == []
    assert [d for d in _xml_documents(target) if d[2]] == []


def test_detection_takes_a_column_null_on_every_row() -> None:
    real = pd.DataFrame({"a": np.arange(40.0), "never": [None] * 40, "when": [None] * 40})
    synthetic = pd.DataFrame({"a": np.arange(40.0) + 0.5, "never": [None] * 40, "when": [None] * 40})
    found = detection.detect(real, synthetic, {"a": "numeric", "never": "numeric", "when": "datetime"})
    assert found is not None and 0.0 <= found.auc <= 1.0
    holdout = real.assign(c=["x", "y"] * 20)
    assert detection.tstr(synthetic.assign(c=["x", "y"] * 20), holdout, holdout, {"a": "numeric", "never": "numeric", "c": "categorical"}, "c", 0)


def test_check_repair_leaves_a_keyed_date_alone_and_moves_the_other() -> None:
    """``CHECK (enddate >= startdate OR enddate IS NULL)`` on a table keyed by (parent, startdate): the broken row's
    end date is reflected across its start date (same gap, right side), never swapped into the key."""
    cols = (Column("pid", "integer", "integer", nullable=False), Column("startdate", "date", "date", nullable=False),
            Column("enddate", "date", "date"))
    check = Constraint("ck", "check", ("startdate", "enddate"), "CHECK (((enddate >= startdate) OR (enddate IS NULL)))")
    table = Table("public", "history", cols, primary_key=("pid", "startdate"), constraints=(check,))
    frame = pd.DataFrame({"pid": [1, 1, 2], "startdate": pd.to_datetime(["2020-01-01", "2021-01-01", "2020-05-01"]),
                          "enddate": pd.to_datetime([None, "2020-01-01", "2020-04-21"])})
    fixed, _ = repair(frame, table, (), 0)
    assert not fixed.duplicated(["pid", "startdate"]).any()
    assert list(pd.to_datetime(fixed["startdate"])) == list(frame["startdate"])
    assert list(pd.to_datetime(fixed["enddate"]).iloc[1:]) == [pd.Timestamp("2022-01-02"), pd.Timestamp("2020-05-11")]  # 366 days on, as 2020 had
