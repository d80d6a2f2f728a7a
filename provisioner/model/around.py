"""What a table learns from the tables around it, and checks of the settings that shape it.

Called by :func:`provisioner.model.train.train`: the parents' columns each non-driving key
points at (matching.py), the columns a table copies from or scales to its parents
(inherit.py), parent columns that aggregate their children (aggregate.py), the Faker
provider set for a column in ``pii.add``, and the settings train refuses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pandas as pd

from provisioner import columns
from provisioner.config import Config
from provisioner.errors import ConfigError
from provisioner.model import pii
from provisioner.model.bundle import TableModel
from provisioner.model.executor import FitJob
from provisioner.model.learnt import model_column, ratio_column
from provisioner.model.relations import aggregate, inherit, matching, polymorphic
from provisioner.model.relations.relational import ForeignKeyModel
from provisioner.schema.graph import LoadOrder
from provisioner.schema.snapshot import SchemaSnapshot, Table

References = tuple[tuple[matching.Reference, ...], pd.DataFrame]


def references(
    snapshot: SchemaSnapshot, table: Table, frames: Mapping[str, pd.DataFrame], fk_models: tuple[ForeignKeyModel, ...],
    models: Mapping[str, TableModel], order: LoadOrder, lookups: frozenset[str] = frozenset(),
) -> References:
    """The learnt columns of the parents each non-driving key points at (matching.py), joined to the rows;
    keys into lookup tables are categories of the model already."""
    found: list[matching.Reference] = []
    parts = [pd.DataFrame(index=frames[table.key].index)]
    for fkm in fk_models:
        parent = models.get(fkm.fk.ref_table)
        if fkm.driving or fkm.self_ref or order.is_deferred(table.key, fkm.fk) or parent is None or not parent.model_columns:
            continue
        if set(fkm.fk.columns) <= lookups:
            continue
        ptable = snapshot.table(fkm.fk.ref_table)
        spec = {c: model_column(ptable, c, parent.roles[c]) for c in parent.model_columns}
        learnt = matching.learn(table, frames[table.key], fkm.fk, frames[fkm.fk.ref_table], spec)
        if learnt is not None:
            found.append(learnt[0])
            parts.append(learnt[1])
    return tuple(found), pd.concat(parts, axis=1)



def with_inherited(snapshot: SchemaSnapshot, model: TableModel, frames: Mapping[str, pd.DataFrame], models: Mapping[str, TableModel]) -> TableModel:
    """The columns this table copies from its (already trained) parents (inherit.py)."""
    if not columns.is_model(model.method):
        return model
    table = snapshot.table(model.key)
    parents = {
        fk.ref_table: (snapshot.table(fk.ref_table), frames[fk.ref_table], models[fk.ref_table].roles)
        for fk in table.foreign_keys if fk.ref_table in models and fk.ref_table in frames
    }
    found = inherit.learn(table, frames[model.key], model.roles, parents)
    if not found:
        return model
    job = model.synthesizer
    if isinstance(job, FitJob) and any(i.mode == "ratio" for i in found):  # the model learns child / parent
        ratio_frame = inherit.ratios(job.frame, found, {k: v[1] for k, v in parents.items()})
        ratio_columns = dict(job.columns) | {i.column: ratio_column(i.column) for i in found if i.mode == "ratio" and i.column in job.columns}
        job = dataclasses.replace(job, frame=ratio_frame, columns=ratio_columns)
    return dataclasses.replace(model, inherited=found, synthesizer=job)


def _referencing(snapshot: SchemaSnapshot, key: str, complete: set[str], skip: tuple[str, ...]) -> list[Table]:
    """The tables read in full (``complete``) with a foreign key to ``key``, but for those in ``skip``."""
    return [t for t in snapshot.tables if t.key in complete and t.key not in skip and any(fk.ref_table == key for fk in t.foreign_keys)]


def learn_cross_table(snapshot: SchemaSnapshot, models: dict[str, TableModel], frames: Mapping[str, pd.DataFrame]) -> None:
    """Rules between a table and the tables around it, learnt once every table is trained: a parent
    column that is an aggregate of its children or of its grandchildren (aggregate.py), polymorphic
    associations (polymorphic.py) and the counts of the children of each type (a counter cache)."""
    complete = {t.key for t in snapshot.tables if t.key in frames and len(frames[t.key]) >= t.row_count and t.key in models}
    associations = _polymorphic(snapshot, models, frames, complete)
    for table in snapshot.tables:
        model = models.get(table.key)
        if model is None or not columns.is_model(model.method) or table.key not in complete:
            continue
        children = _referencing(snapshot, table.key, complete, (table.key,))
        found = aggregate.learn(table, frames[table.key], model.roles, [(c, frames[c.key], models[c.key].roles) for c in children])
        paths = [(middle, frames[middle.key], child, frames[child.key], models[child.key].roles) for middle in children
                 for child in _referencing(snapshot, middle.key, complete, (table.key, middle.key))]
        found += aggregate.learn_through(table, frames[table.key], model.roles, [a.column for a in found], paths)
        found += aggregate.learn_polymorphic(table, frames[table.key], model.roles, [a.column for a in found], [
            (snapshot.table(k), frames[k], models[k].roles, rule) for k, rules in associations.items() for rule in rules])
        if found:
            models[table.key] = dataclasses.replace(model, rules=model.rules + found)


def _polymorphic(
    snapshot: SchemaSnapshot, models: dict[str, TableModel], frames: Mapping[str, pd.DataFrame], complete: set[str],
) -> dict[str, tuple[polymorphic.Polymorphic, ...]]:
    """Each table's polymorphic associations (polymorphic.py), added to its rules; the tables they name are read in full."""
    whole = {k: frames[k] for k in complete}
    out = {}
    for key in sorted(complete):
        found = polymorphic.learn(snapshot, snapshot.table(key), frames[key], whole)
        if found:
            out[key] = found
            models[key] = dataclasses.replace(models[key], rules=models[key].rules + found)
    return out


def check_config(snapshot: SchemaSnapshot, config: Config) -> None:
    from provisioner.model.validate import validate

    validate(snapshot, config)  # unknown tables and columns, naming the config file and line
    if config.train.relational == "hma":
        raise ConfigError(
            f"{config.where('train.relational')}: train.relational hma cannot be used to train a bundle: a bundle is data "
            "(JSON and arrays, never code), and SDV's HMASynthesizer exists only as a pickled Python object; it also "
            "accepts at most 5 tables, depth 2 and no composite keys. Remove the setting to use provisioner's relational "
            "model; bench/quality.py and bench/detect.py --hma compare the two on the subsets HMA accepts"
        )
    for key, tconf in config.tables.items():
        if tconf.target and tconf.target not in {c.name for c in snapshot.table(key).columns}:
            raise ConfigError(f"{config.where(f'tables.{key}.target')}: tables.{key}.target names column {tconf.target!r}, "
                              f"which {key} does not have")


def with_providers(detected: tuple[pii.PiiColumn, ...], config: Config) -> tuple[pii.PiiColumn, ...]:
    """``pii.add`` entries written ``{table.column: provider}``: the column is filled by that Faker provider
    (a PII category such as full_name, or any Faker method such as name or catch_phrase)."""
    if not config.pii_providers:
        return detected
    from faker import Faker

    out = []
    for col in detected:
        provider = config.pii_providers.get(f"{col.table}.{col.column}")
        if provider is not None:
            category = {"name": "full_name"}.get(provider, provider)
            if category not in pii.CATEGORIES and not callable(getattr(Faker("en_US"), category, None)):
                raise ConfigError(f"{config.where('pii.add')}: pii.add {col.table}.{col.column}: {provider!r} is neither a PII "
                                  f"category ({', '.join(pii.CATEGORIES)}) nor a Faker provider")
            col = dataclasses.replace(col, category=category, reason=f"added in the pii configuration as {provider}")
        out.append(col)
    return tuple(out)


def with_columns(detected: tuple[pii.PiiColumn, ...], config: Config) -> tuple[pii.PiiColumn, ...]:
    """``tables.<t>.columns``: a ``faker`` or ``value`` column is filled at sampling (never learnt), in place of
    any detection; ``keep: true`` on a column detected as PII is refused unless ``pii.remove`` lists it."""
    configured = {(key, name): spec for key, tconf in config.tables.items() for name, spec in tconf.columns.items()}
    if not configured:
        return detected
    out = []
    for col in detected:
        spec = configured.get((col.table, col.column))
        if spec is not None and spec.option == "keep" and col.category != "text":
            raise ConfigError(
                f"{config.where(f'tables.{col.table}.columns.{col.column}')}: tables.{col.table}.columns.{col.column}: "
                f"keep: true, but {col.table}.{col.column} is detected as PII ({col.category}: {col.reason}); "
                f"list {col.table}.{col.column} in pii.remove to keep its real values"
            )
        if spec is None:
            out.append(col)
    for (key, name), spec in configured.items():
        if spec.option == "faker":
            out.append(pii.PiiColumn(key, name, str(spec.faker), f"set in the config: faker {spec.faker}", source="faker",
                                     args=tuple(spec.args.items())))
        elif spec.option == "value":
            out.append(pii.PiiColumn(key, name, "value", "set in the config: a constant value", source="value", value=spec.value))
    return tuple(out)


def kept_columns(config: Config, key: str) -> frozenset[str]:
    """The columns of table ``key`` set ``keep: true``: learnt from their real values, not generated."""
    return frozenset(name for name, spec in config.table(key).columns.items() if spec.option == "keep")
