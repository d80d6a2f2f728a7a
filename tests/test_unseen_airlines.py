"""The Postgres Pro airlines demo (tests/sql/unseen_airlines.sql, schema ``bookings``), end to end: jsonb
translations read by views through ``bookings.lang()`` and ``current_setting``, ``bookings.now()``, CHECKs
across columns, composite primary and foreign keys, a route view with array_agg.

Regressions it found:

* a booking's ``total_amount`` is the sum of its tickets' segment amounts (a grandchild, through tickets):
  kept as sampled, 693 of 700 totals wrong;
* a flight's ``status`` fixes which ``actual_*`` times are NULL: 12 of 720 flights 'On Time' or
  'Cancelled' with actual times;
* e-mails inside a jsonb were English words, '+7...' phones lost their plus sign;
* upper-case hexadecimal booking references got any letter;
* ``sample --format csv`` wrote a copied table's jsonb as a Python dict (``{'en': ...}``): COPY refused it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from provisioner.cli import main

from . import dbcheck
from .conftest import FORMULA_ROWS_PRIVACY, provisioned_script

SCRIPT = Path(__file__).parent / "sql" / "unseen_airlines.sql"
SCHEMAS = ("bookings",)
CATALOG = {
    "views": "SELECT viewname, definition FROM pg_views WHERE schemaname = 'bookings'",
    "functions": "SELECT proname, prokind::text, prosrc FROM pg_proc WHERE pronamespace = 'bookings'::regnamespace",
}


@pytest.fixture(scope="module")
def airlines(pg_admin_url: str, server_extensions: frozenset[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("airlines")
    args = ["--schema", "bookings", "--seed", "0", "--epochs", "1", "--bundle", str(work / "air.bundle")]
    with provisioned_script(pg_admin_url, server_extensions, work, SCRIPT, "air", FORMULA_ROWS_PRIVACY, args, report=False) as data:
        yield data


def test_exit_zero_and_every_object_round_trips(airlines: dict[str, Any]) -> None:
    dbcheck.assert_round_trip(airlines, SCHEMAS, CATALOG)


def test_total_is_the_sum_of_the_grandchild_lines(airlines: dict[str, Any]) -> None:
    wrong = """SELECT count(*) FROM bookings.bookings b LEFT JOIN (SELECT t.book_ref, sum(tf.amount) AS s
               FROM bookings.tickets t JOIN bookings.ticket_flights tf USING (ticket_no) GROUP BY 1) x USING (book_ref)
               WHERE b.total_amount IS DISTINCT FROM coalesce(x.s, 0)"""
    assert dbcheck.scalar(airlines["source"], wrong) == 0
    assert dbcheck.scalar(airlines["target"], wrong) == 0


def test_status_agrees_with_the_actual_times(airlines: dict[str, Any]) -> None:
    wrong = """SELECT count(*) FROM bookings.flights WHERE NOT CASE status
                 WHEN 'Arrived' THEN actual_departure IS NOT NULL AND actual_arrival IS NOT NULL
                 WHEN 'Departed' THEN actual_departure IS NOT NULL AND actual_arrival IS NULL
                 ELSE actual_departure IS NULL AND actual_arrival IS NULL END"""
    assert dbcheck.scalar(airlines["source"], wrong) == 0
    assert dbcheck.scalar(airlines["target"], wrong) == 0
    assert dbcheck.scalar(airlines["target"], "SELECT count(DISTINCT status) FROM bookings.flights") >= 3


def test_jsonb_contacts_keep_their_format_and_no_real_person(airlines: dict[str, Any]) -> None:
    source, target = airlines["source"], airlines["target"]
    email = "SELECT count(*) FROM bookings.tickets WHERE contact_data ? 'email' AND contact_data->>'email' !~ '^[a-z]+\\.[a-z]+-\\d+@postgrespro\\.ru$'"
    phone = "SELECT count(*) FROM bookings.tickets WHERE contact_data->>'phone' !~ '^\\+70\\d{9}$'"
    assert dbcheck.scalar(target, email) == 0 and dbcheck.scalar(target, phone) == 0
    assert dbcheck.scalar(target, "SELECT count(*) FROM bookings.tickets WHERE contact_data ? 'email'") > 0
    people = "SELECT passenger_name, contact_data->>'email', contact_data->>'phone', passenger_id FROM bookings.tickets"
    real = {v for row in dbcheck._rows(source, people) for v in row if v}
    assert not real & {v for row in dbcheck._rows(target, people) for v in row if v}


def test_text_keys_keep_the_characters_they_use(airlines: dict[str, Any]) -> None:
    hex_refs = "SELECT count(*) FILTER (WHERE book_ref ~ '^[0-9A-F]{6}$') = count(*) FROM bookings.bookings"
    assert dbcheck.scalar(airlines["source"], hex_refs) and dbcheck.scalar(airlines["target"], hex_refs)


def test_csv_of_a_copied_table_holds_json(airlines: dict[str, Any]) -> None:
    out = airlines["work"] / "csv"
    result = CliRunner().invoke(main, ["sample", "--bundle", str(airlines["work"] / "air.bundle"), "--out", str(out),
                                       "--format", "csv", "--seed", "1", "--config", str(airlines["work"] / "cfg.yaml"), "--quiet"])
    assert result.exit_code == 0, result.output
    with (out / "bookings.aircrafts_data.csv").open(newline="") as handle:
        models = [json.loads(row["model"]) for row in csv.DictReader(handle)]
    assert models and all(set(m) == {"en", "ru"} for m in models)


def test_two_keys_into_one_table_never_meet_when_they_never_do(airlines: dict[str, Any]) -> None:
    """A flight never departs from and arrives at one airport in the source (model/relations/distinct.py);
    each key picked its parent on its own before, and 66 of 720 flights did."""
    query = "SELECT count(*) FROM bookings.flights WHERE departure_airport = arrival_airport"
    assert dbcheck.both(airlines, query) == (0, 0)


def test_names_written_in_capitals_stay_in_capitals(airlines: dict[str, Any]) -> None:
    """Passenger names are upper case on every source row ('IVAN PETROV'); Faker's are mixed case
    (agreement.LetterCase keeps the source's letter case)."""
    query = "SELECT count(*) FROM bookings.tickets WHERE passenger_name <> upper(passenger_name)"
    assert dbcheck.both(airlines, query) == (0, 0)
