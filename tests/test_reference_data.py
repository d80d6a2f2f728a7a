"""The gate tells records from reference data: a warehouse's dimensions provision at default settings."""

from __future__ import annotations

from collections.abc import Callable

import psycopg

from provisioner import api
from provisioner.config import Config
from provisioner.pg import script as sqlscript

SCHEMA = """
CREATE TABLE settings (id int PRIMARY KEY, company_email text NOT NULL, fiscal_start date NOT NULL, currency text NOT NULL);
INSERT INTO settings VALUES (1, 'finance@acme-industries.example', '2020-04-01', 'EUR');
CREATE TABLE demographics (id int PRIMARY KEY, gender text, age_band text, income_band text);
INSERT INTO demographics SELECT row_number() OVER (), g, a, i
  FROM unnest(ARRAY['F','M','X','U','N']) g, unnest(ARRAY['18-24','25-34','35-44','45-54','55-64','65+']) a,
       unnest(ARRAY['low','lower-mid','mid','upper-mid','high','top','none','unknown']) i;
CREATE TABLE calendar (date_key int PRIMARY KEY, day date NOT NULL UNIQUE, year int, month int, weekday int, quarter int);
INSERT INTO calendar SELECT to_char(d, 'YYYYMMDD')::int, d, extract(year FROM d), extract(month FROM d),
       extract(isodow FROM d), extract(quarter FROM d) FROM generate_series('2022-01-01'::date, '2023-06-30', '1 day') d;
"""


def test_reference_tables_are_exempt_with_their_reason(fresh_db: Callable[..., str]) -> None:
    source, target = fresh_db("dw_src"), fresh_db("dw_stage")
    with psycopg.connect(**sqlscript.connect_kwargs(source), autocommit=True) as conn:
        conn.execute(SCHEMA)
    result = api.provision(Config(source=source, target=target, seed=3))
    tables = result.privacy["tables"]
    assert result.privacy["passed"], result.privacy["failures"]
    assert tables["settings"]["status"] == "exempt" and "one-row configuration" in tables["settings"]["reason"]
    assert tables["demographics"]["status"] == "exempt" and "5 x 6 x 8 = 240" in tables["demographics"]["reason"]
    assert tables["calendar"]["status"] == "exempt" and "every source row distinct" in tables["calendar"]["reason"]
