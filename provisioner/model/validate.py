"""Check a config against a reflected schema: every table and column it names must exist.

Run before anything is read from the source. Errors name the config file and
line (``provisioner.yaml:12``), the unknown name, and what exists instead.
"""

from __future__ import annotations

import difflib

from provisioner.config import ColumnConfig, Config
from provisioner.errors import ConfigError
from provisioner.schema.snapshot import SchemaSnapshot


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
    if spec.option in ("faker", "value") and (name in table.primary_key or name in table.fk_columns or not col.insertable):
        what = "a generated column" if not col.insertable else "a key column"
        raise ConfigError(f"{here}: {entry}: {key}.{name} is {what}, whose values provisioner makes; "
                          f"remove {spec.option} for it")
    if spec.option == "value" and spec.value is None and not col.nullable:
        raise ConfigError(f"{here}: {entry}: value null, but {key}.{name} is NOT NULL; give a constant that is not null")
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
