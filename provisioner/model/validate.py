"""Check a config against a reflected schema: every table and column it names must exist.

Run before anything is read from the source. Errors name the config file and
line (``provisioner.yaml:12``), the unknown name, and what exists instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import difflib
import json
import re

import psycopg
from psycopg import sql
from sqlalchemy import Connection

from provisioner.config import ColumnConfig, Config
from provisioner.errors import ConfigError
from provisioner.pg.connect import run
from provisioner.schema.snapshot import TEXT_KINDS, SchemaSnapshot, Table


def validate(snapshot: SchemaSnapshot, config: Config) -> None:
    for key in config.tables:
        if not snapshot.has_table(key):
            raise ConfigError(
                f"{config.where(f'tables.{key}')}: config names table {key!r}, which is not in the source"
                f"{_did_you_mean(key, snapshot.table_keys)}; known tables: {', '.join(snapshot.table_keys)}"
            )
    for which, refs in (("add", config.pii_add), ("remove", config.pii_remove)):
        for i, ref in enumerate(refs):
            _check_ref(snapshot, config, which, i, str(ref))
    for key, tconf in config.tables.items():
        for name, spec in tconf.columns.items():
            _check_column(snapshot, config, key, name, spec)


def _check_column(snapshot: SchemaSnapshot, config: Config, key: str, name: str, spec: ColumnConfig) -> None:
    """A ``tables.<t>.columns.<c>`` entry fits the schema: the column exists, is not a key, a ``value`` of
    null is allowed, and a ``faker`` provider exists and takes its arguments."""
    table = snapshot.table(key)
    here, entry = config.where(f"tables.{key}.columns.{name}"), f"tables.{key}.columns.{name}"
    columns = [c.name for c in table.columns]
    if name not in columns:
        raise ConfigError(f"{here}: {entry}: table {key} has no column {name!r}{_did_you_mean(name, columns)}; "
                          f"its columns: {', '.join(columns)}")
    col = table.column(name)
    if name in table.primary_key or name in table.fk_columns or not col.insertable:
        what = "a generated column" if not col.insertable else "a key column"
        raise ConfigError(f"{here}: {entry}: {key}.{name} is {what}, whose values provisioner makes; "
                          f"remove the entry for it")
    if (tconf := config.table(key)).model == "skip" or (tconf.model is None and config.train.model == "skip"):
        raise ConfigError(f"{here}: {entry}: {key} is skipped (model: skip, created empty), so the setting would do nothing; "
                          f"remove the entry or the model")
    if spec.option == "value" and spec.value is None and not col.nullable:
        raise ConfigError(f"{here}: {entry}: value null, but {key}.{name} is NOT NULL; give a constant that is not null")
    if spec.option == "value" and spec.value is not None and (name,) in table.uniques:
        raise ConfigError(f"{here}: {entry}: {key}.{name} is unique, so every row cannot hold the same value "
                          f"{spec.value!r}; use faker (its values are made unique) or remove the entry")
    if spec.option == "value" and isinstance(spec.value, str) and col.max_length and len(spec.value) > col.max_length:
        raise ConfigError(f"{here}: {entry}: value {spec.value!r} has {len(spec.value)} characters, but {key}.{name} is "
                          f"{col.type}; give at most {col.max_length}")
    if spec.option == "faker":
        _check_provider(config.where(f"tables.{key}.columns.{name}.faker"), entry, spec)


def _check_provider(here: str, entry: str, spec: ColumnConfig) -> None:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(0)
    method = getattr(fake, str(spec.faker), None)
    if spec.faker is None or spec.faker.startswith("_") or not callable(method):
        close = difflib.get_close_matches(str(spec.faker), [n for n in dir(fake) if not n.startswith("_")], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"{here}: {entry}: {spec.faker!r} is not a Faker provider{hint}; see "
                          "https://faker.readthedocs.io/en/master/providers.html")
    try:
        method(**dict(spec.args))
    except (TypeError, ValueError, AttributeError, AssertionError) as exc:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{here}: {entry}: faker {spec.faker} does not take these arguments "
                          f"({', '.join(f'{k}={v!r}' for k, v in spec.args.items()) or 'none'}): {message}") from None


def check_values(conn: Connection, snapshot: SchemaSnapshot, config: Config) -> Config:
    """``config`` with every ``value`` as PostgreSQL reads it for its column ("7" into an integer is 7), after checking
    it fits the column's type and the CHECKs on it, and that a ``faker`` provider's values fit a column that is not
    text (the source's own types, read-only; nothing is written). Raises ConfigError naming the entry otherwise."""
    tables = dict(config.tables)
    for key, tconf in config.tables.items():
        table, settled = snapshot.table(key), dict(tconf.columns)
        for name, spec in tconf.columns.items():
            entry = f"tables.{key}.columns.{name}"
            if spec.option == "value" and spec.value is not None:
                read = _fits(conn, table, name, spec.value, f"{config.where(entry)}: {entry}: value {spec.value!r}", "give a value it takes")
                settled[name] = dataclasses.replace(spec, value=float(read) if isinstance(read, decimal.Decimal) else read)
            elif spec.option == "faker" and table.column(name).kind not in TEXT_KINDS:
                for sample in _samples(spec):
                    _fits(conn, table, name, sample, f"{config.where(entry)}: {entry}: faker {spec.faker} makes values like "
                          f"{sample!r}", "choose a provider or arguments whose values fit the column", checks=False)
        tables[key] = dataclasses.replace(tconf, columns=settled)
    return dataclasses.replace(config, tables=tables)


def _samples(spec: ColumnConfig, n: int = 5) -> list[object]:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(0)
    method = getattr(fake, str(spec.faker))
    return [v for v in (method(**dict(spec.args)) for _ in range(n)) if v is not None]


def _as_json(value: object) -> object:
    """A value as json_populate_record reads it: JSON as JSON, anything else as its text."""
    if isinstance(value, (dict, list)):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if isinstance(value, (dt.date, dt.time)) else str(value)


def _fits(conn: Connection, table: Table, name: str, value: object, what: str, fix: str, checks: bool = True) -> object:
    """Raise ConfigError when PostgreSQL refuses ``value`` for ``table.name`` (type, length, domain) or a CHECK
    on the column is false for it; the other columns are NULL, so a CHECK that needs them passes."""
    record = sql.SQL("json_populate_record(NULL::{}, %s::json)").format(table.ident)
    named = [c for c in table.checks if name in c.columns] if checks else []
    tests = [sql.SQL("NOT COALESCE({}, true)").format(sql.SQL(re.sub(r"^CHECK\s*|\s*NOT VALID\s*$", "", c.definition)))  # type: ignore[arg-type]
             for c in named]
    query = sql.SQL("SELECT {}, ARRAY[{}]::boolean[] FROM {} AS t").format(
        sql.Identifier("t", name), sql.SQL(", ").join(tests), record)
    params = (json.dumps({name: _as_json(value)}, default=str),)
    col = table.column(name)
    try:
        with conn.connection.driver_connection.transaction():
            read, failed = run(conn, query, params).fetchone()
    except psycopg.Error as exc:
        reason = exc.diag.message_primary or str(exc).splitlines()[0]
        raise ConfigError(f"{what}, which {table.key}.{name} ({col.type}) cannot hold: {reason}; {fix}") from None
    broken = [c for c, bad in zip(named, failed) if bad]
    if broken:
        raise ConfigError(f"{what}, which breaks check {broken[0].name} of {table.key} ({broken[0].definition}); {fix}")
    return read


def _check_ref(snapshot: SchemaSnapshot, config: Config, which: str, index: int, ref: str) -> None:
    where = config.where(f"pii.{which}[{index}]")
    key, _, name = ref.rpartition(".")
    if not key or not name:
        raise ConfigError(f"{where}: pii.{which} entry {ref!r} must be written table.column")
    if not snapshot.has_table(key):
        raise ConfigError(f"{where}: pii.{which} entry {ref!r} names unknown table {key!r}{_did_you_mean(key, snapshot.table_keys)}")
    columns = [c.name for c in snapshot.table(key).columns]
    if name not in columns:
        raise ConfigError(
            f"{where}: pii.{which} entry {ref!r}: table {key} has no column {name!r}"
            f"{_did_you_mean(name, columns)}; its columns: {', '.join(columns)}"
        )


def _did_you_mean(name: str, known: object) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)  # type: ignore[call-overload]
    return f" (did you mean {close[0]!r}?)" if close else ""
