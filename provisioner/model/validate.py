"""Check a config against a reflected schema: every table and column it names must exist.

Run before anything is read from the source. Errors name the config file and
line (``provisioner.yaml:12``), the unknown name, and what exists instead.
"""

from __future__ import annotations

import difflib

from provisioner.config import Config
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
