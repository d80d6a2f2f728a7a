"""Stage 1, reflect: read the source schema into a :class:`SchemaSnapshot`.

SQLAlchemy's inspector supplies the structure (tables, keys, constraints,
indexes, enums, domains); the catalog supplies the exact PostgreSQL spelling
of types, defaults and constraint definitions so the staging schema can be
re-created faithfully.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from psycopg import sql
from sqlalchemy import Connection, Engine, inspect, text

from provisioner.errors import SchemaError
from provisioner.pg.connect import connect, run
from provisioner.progress import Progress, silent
from provisioner.schema import catalog, types
from provisioner.schema.objects import (
    functions_of,
    partition_foreign_keys,
    partition_key_of,
    partitions_of,
    triggers_of,
)
from provisioner.schema.snapshot import (
    Column,
    Composite,
    Constraint,
    Domain,
    EnumType,
    ForeignKey,
    Index,
    SchemaSnapshot,
    Table,
    TypeDef,
)
from provisioner.schema.virtual import with_virtual_keys

_TYPE_SQL = """
SELECT c.relname AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       t.typtype, t.typcategory, a.attnotnull AS notnull,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr, a.attidentity, a.attgenerated,
       CASE WHEN t.typtype = 'd' THEN format_type(dom.oid, dom.typmod) END AS base_type, COALESCE(dom.strict, false) AS domain_notnull,
       bt.typtype AS base_typtype, bt.typcategory AS base_typcategory,
       CASE WHEN COALESCE(bt.typcategory, t.typcategory) = 'A' THEN format_type(et.oid, NULL) END AS element_type,
       et.typtype AS element_typtype, et.oid AS element_oid,
       COALESCE(bt.oid, t.oid) AS type_oid, COALESCE(bt.typrelid, t.typrelid) AS type_relid,
       format_type(rg.rngsubtype, NULL) AS range_subtype,
       pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname) AS sequence,
       (SELECT format('%I.%I', cn.nspname, co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace
        WHERE co.oid = a.attcollation AND a.attcollation <> t.typcollation AND cn.nspname = 'pg_catalog') AS collation
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN LATERAL (  -- a domain's base type under any domains over domains, and whether one of them is NOT NULL
    WITH RECURSIVE chain(oid, typmod, strict, depth) AS (
        SELECT t.typbasetype, t.typtypmod, t.typnotnull, 1 WHERE t.typtype = 'd'
        UNION ALL SELECT b.typbasetype, b.typtypmod, chain.strict OR b.typnotnull, chain.depth + 1
        FROM chain JOIN pg_type b ON b.oid = chain.oid WHERE b.typtype = 'd')
    SELECT oid, typmod, strict FROM chain ORDER BY depth DESC LIMIT 1) dom ON true
LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = dom.oid
LEFT JOIN pg_type et ON COALESCE(bt.typcategory, t.typcategory) = 'A' AND et.oid = COALESCE(bt.typelem, t.typelem)
LEFT JOIN pg_range rg ON rg.rngtypid = COALESCE(bt.oid, t.oid)
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND {where}
ORDER BY c.relname, a.attnum
"""
_COLUMNS_SQL = text(_TYPE_SQL.format(where="n.nspname = :schema AND c.relkind IN ('r', 'p') AND NOT c.relispartition"))
_ATTRIBUTES_SQL = text(_TYPE_SQL.format(where="c.oid = :relid").replace(
    "pg_get_serial_sequence(format('%I.%I', n.nspname, c.relname), a.attname)", "NULL"))

_CONSTRAINTS_SQL = text("""
SELECT c.relname AS table_name, k.conname AS name, k.contype, pg_get_constraintdef(k.oid) AS definition,
       ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i) AS columns
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema AND k.contype IN ('c', 'u', 'x', 'f', 'p') AND k.conislocal
ORDER BY c.relname, k.conname
""")

_INDEXES_SQL = text("""
SELECT c.relname AS table_name, i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition,
       x.indisunique AS is_unique,
       ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY u(n, o)
             LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = u.n ORDER BY u.o) AS columns,
       x.indnkeyatts AS nkey, array_length(x.indkey, 1) AS natts
FROM pg_index x
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = :schema AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x'))
ORDER BY c.relname, i.relname
""")

_KINDS: Sequence[tuple[str, str]] = (
    (r"^smallint$", "smallint"), (r"^integer$", "integer"), (r"^(bigint|oid)$", "bigint"),
    (r"^numeric", "numeric"), (r"^real$", "real"), (r"^double precision$", "double"),
    (r"^character varying", "varchar"), (r"^character\b", "char"), (r'^"?char"?$', "char"), (r"^text$", "text"),
    (r"^boolean$", "boolean"), (r"^date$", "date"),
    (r"^timestamp\(?\d*\)? with time zone$", "timestamptz"), (r"^timestamp", "timestamp"),
    (r"^time", "time"), (r"^interval", "interval"), (r"^uuid$", "uuid"), (r"^jsonb$", "jsonb"),
    (r"^json$", "json"), (r"^bytea$", "bytea"), (r"^(inet|cidr)$", "inet"), (r"^tsvector$", "tsvector"),
    (r"^(int4|int8|num|ts|tstz|date)range$", "range"), (r"^money$", "numeric"), (r"^(citext|name)$", "text"),
    (r"^(macaddr|macaddr8)$", "macaddr"), (r"^bit", "bit"), (r"^xml$", "text"), (r"^hstore$", "hstore"),
    (r"^point$", "point"), (r"^(box|circle|lseg|line|path|polygon)$", "geometric"),
)


def reflect(
    engine: Engine, schemas: Sequence[str] = ("public",), progress: Progress = silent,
    foreign_keys: Sequence[str] | Mapping[str, str] = (), where: Callable[[str], str] | None = None,
) -> SchemaSnapshot:
    """Read every table of ``schemas`` from a (read-only) source engine; ``foreign_keys`` are the
    config's virtual foreign keys (schema/virtual.py), ``where`` names a config key's file and line."""
    return with_virtual_keys(_reflect(engine, schemas, progress), foreign_keys, where or (lambda key: "config"))


def _reflect(engine: Engine, schemas: Sequence[str], progress: Progress) -> SchemaSnapshot:
    with connect(engine) as conn:
        insp = inspect(conn)
        known = set(insp.get_schema_names())
        missing = [s for s in schemas if s not in known]
        if missing:
            raise SchemaError(f"schema {missing[0]!r} does not exist in the source; pass --schema with one of: {', '.join(sorted(known))}")
        tables: list[Table] = []
        enums: list[EnumType] = []
        domains: list[Domain] = []
        composites: list[Composite] = []
        ranges: list[TypeDef] = []
        for schema in schemas:
            enum_map = {(e["schema"], e["name"]): tuple(e["labels"]) for e in insp.get_enums(schema=schema)}
            enums += [EnumType(s, n, v) for (s, n), v in sorted(enum_map.items())]
            domains += types.domains_of(conn, schema)
            composites += types.composites_of(conn, schema)
            ranges += types.ranges_of(conn, schema)
            tables += _reflect_schema(conn, schema, progress)
        for schema, names in sorted(types.foreign_types(conn, schemas).items()):  # a domain in public used by app's tables
            enums += types.enums_of(conn, schema, names)
            domains += types.domains_of(conn, schema, names)
            composites += types.composites_of(conn, schema, names)
            ranges += types.ranges_of(conn, schema, names)
        outside = catalog.outside_reference(conn, schemas)
        if outside is not None:
            raise SchemaError(outside)
        aggregates, aggregate_notes = types.aggregates_of(conn, schemas)
        version = conn.execute(text("SHOW server_version")).scalar_one()
        extensions, extension_schemas = types.extensions_of(conn)
        views, view_notes = catalog.views_of(conn, schemas)
        kept = {f"{v.schema}.{v.name}" for v in views}
        dropped = {n for n in _relations(conn, schemas, "vm") if n not in kept}
        return SchemaSnapshot(
            schemas=tuple(schemas),
            tables=tuple(sorted(tables, key=lambda t: t.key)),
            enums=tuple(enums),
            domains=tuple(domains),
            extensions=extensions,
            functions=functions_of(conn, schemas),
            server_version=str(version).split()[0],
            composites=tuple(composites),
            sequences=types.sequences_of(conn, schemas),
            views=views,
            comments=catalog.comments_of(conn, schemas, dropped),
            extension_schemas=extension_schemas,
            skipped=tuple(view_notes) + tuple(aggregate_notes) + tuple(catalog.skipped_of(conn, schemas)),
            range_types=tuple(ranges),
            aggregates=aggregates,
        )


def _relations(conn: Connection, schemas: Sequence[str], kinds: str) -> list[str]:
    return list(conn.execute(text(
        "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = ANY(:schemas) AND c.relkind = ANY(:kinds)"), {"schemas": list(schemas), "kinds": list(kinds)}).scalars())


def _reflect_schema(conn: Connection, schema: str, progress: Progress) -> list[Table]:
    columns = _group(conn.execute(_COLUMNS_SQL, {"schema": schema}).mappings())
    constraints = _group(conn.execute(_CONSTRAINTS_SQL, {"schema": schema}).mappings())
    indexes = _group(conn.execute(_INDEXES_SQL, {"schema": schema}).mappings())
    enum_values = _enum_values(conn)
    tables = []
    for name in progress.iter(sorted(columns), f"reflect {schema}", unit="table"):
        cons = constraints.get(name, [])
        rls, forced, policies = catalog.row_security_of(conn, schema, name)
        tables.append(
            Table(
                schema=schema,
                name=name,
                columns=_columns_of(conn, columns[name], enum_values),
                primary_key=next((tuple(c["columns"]) for c in cons if c["contype"] == "p"), ()),
                primary_key_name=next((c["name"] for c in cons if c["contype"] == "p"), None),
                foreign_keys=tuple(_foreign_key(conn, schema, c) for c in cons if c["contype"] == "f") + _partition_fks(conn, schema, name),
                constraints=tuple(
                    Constraint(c["name"], {"c": "check", "u": "unique", "x": "exclude"}[c["contype"]], tuple(c["columns"]), c["definition"])
                    for c in cons if c["contype"] in "cux"
                ),
                indexes=tuple(_index(i) for i in indexes.get(name, [])),
                row_count=_row_count(conn, schema, name, partition_key_of(conn, schema, name)),
                partition_key=partition_key_of(conn, schema, name),
                partitions=partitions_of(conn, schema, name),
                triggers=triggers_of(conn, schema, name),
                row_security=rls,
                force_row_security=forced,
                policies=policies,
            )
        )
    return tables


def _partition_fks(conn: Connection, schema: str, name: str) -> tuple[ForeignKey, ...]:
    """Foreign keys declared on the partitions: one FK of the table per distinct definition,
    re-created on the partitions that carried it and honoured for every row."""
    merged: dict[tuple[Any, ...], ForeignKey] = {}
    for row in partition_foreign_keys(conn, schema, name):
        ref = row["ref_name"] if row["ref_schema"] == "public" else f"{row['ref_schema']}.{row['ref_name']}"
        key = (tuple(row["columns"]), ref, row["definition"])
        where = (row["part_schema"], row["part_name"], row["name"])
        if key in merged:
            merged[key] = dataclasses.replace(merged[key], on_partitions=merged[key].on_partitions + (where,))
        else:
            merged[key] = ForeignKey(row["name"], tuple(row["columns"]), ref, tuple(row["ref_columns"]), row["definition"], (where,))
    return tuple(merged.values())


def _group(rows: Iterable[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for row in rows:
        out.setdefault(row["table_name"], []).append(row)
    return out


def _enum_values(conn: Connection) -> dict[int, tuple[str, ...]]:
    rows = conn.execute(text("SELECT enumtypid, array_agg(enumlabel ORDER BY enumsortorder) FROM pg_enum GROUP BY 1"))
    return {int(oid): tuple(labels) for oid, labels in rows}


def _row_count(conn: Connection, schema: str, name: str, partition_key: str | None) -> int:
    """The table's own rows: a parent of table inheritance (INHERITS) is counted without its children's."""
    only = sql.SQL("") if partition_key else sql.SQL("ONLY ")
    return int(run(conn, sql.SQL("SELECT count(*) FROM {}{}").format(only, sql.Identifier(schema, name))).fetchone()[0])


def kind_of(type_name: str) -> str:
    """Map a format_type() spelling to a normalised kind."""
    clean = type_name.strip().lower()
    if clean.endswith("[]"):
        return "array"
    clean = re.sub(r'^("[^"]*"|[a-z_][\w$]*)\.(?=.)', "", clean).strip('"')  # citext in another schema: extensions.citext
    for pattern, kind in _KINDS:
        if re.search(pattern, clean):
            return kind
    return "other"


def _columns_of(conn: Connection, rows: list[Any], enum_values: dict[int, tuple[str, ...]]) -> tuple[Column, ...]:
    """A table's columns, each followed by its parts (a range's lower bound and length, a composite's attributes)."""
    out: list[Column] = []
    for row in rows:
        col = _column(row, enum_values)
        out.append(col)
        out += _parts(conn, col, row, enum_values)
    return tuple(out)


def _column(row: Any, enum_values: dict[int, tuple[str, ...]]) -> Column:
    spelled = row["base_type"] or row["type"]
    typtype = row["base_typtype"] or row["typtype"]
    kind = {"e": "enum", "r": "range", "c": "composite"}.get(typtype) or kind_of(spelled)
    length, precision, scale = _modifiers(spelled)
    element = row["element_type"]
    element_kind = ("enum" if row["element_typtype"] == "e" else kind_of(element)) if element else None
    labels = enum_values.get(int(row["type_oid"])) if kind == "enum" else None
    if element_kind == "enum":
        labels = enum_values.get(int(row["element_oid"]))
    return Column(
        name=row["name"],
        type=row["type"],
        kind=kind,
        nullable=not (row["notnull"] or row["domain_notnull"]),  # a NOT NULL domain holds no NULL either
        domain_not_null=bool(row["domain_notnull"]) and not row["notnull"],
        default=row["default_expr"] if not row["attgenerated"] else None,
        identity={"a": "always", "d": "by default"}.get(row["attidentity"] or ""),
        generated=row["default_expr"] if row["attgenerated"] == "s" else None,
        max_length=length,
        precision=precision,
        scale=scale,
        enum_values=labels,
        element_kind=element_kind,
        sequence=row["sequence"],
        collation=row["collation"],
    )


#: A range's two part columns: the lower bound (the subtype) and the length (upper - lower).
_RANGE_LENGTH = {"date": ("integer", "integer"), "timestamp": ("interval", "interval"), "timestamptz": ("interval", "interval")}


def _parts(conn: Connection, col: Column, row: Any, enum_values: dict[int, tuple[str, ...]]) -> list[Column]:
    """Part columns: learnt like any other column, then put together into ``col`` (synth/parts.py):
    a range's lower bound and length, a point's x and y, a composite's attributes."""
    if not col.insertable:
        return []
    if col.kind == "range" and row["range_subtype"]:
        lower = kind_of(row["range_subtype"])
        length_type, length_kind = _RANGE_LENGTH.get(lower, (row["range_subtype"], lower))
        return [Column(f"{col.name}.lower", row["range_subtype"], lower, part_of=col.name),
                Column(f"{col.name}.length", length_type, length_kind, part_of=col.name)]
    if col.kind == "point":
        return [Column(f"{col.name}.{axis}", "double precision", "double", part_of=col.name) for axis in ("x", "y")]
    if col.kind == "composite" and row["type_relid"]:
        attrs = conn.execute(_ATTRIBUTES_SQL, {"relid": int(row["type_relid"])}).mappings().all()
        return [dataclasses.replace(_column(a, enum_values), name=f"{col.name}.{a['name']}", nullable=True, default=None,
                                    sequence=None, part_of=col.name) for a in attrs]
    return []


def _modifiers(type_name: str) -> tuple[int | None, int | None, int | None]:
    match = re.search(r"\((\d+)(?:,\s*(\d+))?\)", type_name)
    if not match:
        return None, None, None
    if type_name.startswith(("character", "bit")):
        return int(match[1]), None, None
    if type_name.startswith("numeric"):
        return None, int(match[1]), int(match[2] or 0)
    return None, None, None


def _foreign_key(conn: Connection, schema: str, row: Any) -> ForeignKey:
    """The referenced table and columns come from the catalog (``confkey``), never parsed from the
    definition text: a quoted name may hold ``"``, ``,``, ``(`` or ``)``."""
    definition = row["definition"]
    ref = conn.execute(
        text("SELECT n.nspname, c.relname, ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, i) "
             "JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i) "
             "FROM pg_constraint k JOIN pg_class c ON c.oid = COALESCE(pg_partition_root(k.confrelid), k.confrelid) "
             "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE k.conname = :name AND k.conrelid = "
             "(SELECT c2.oid FROM pg_class c2 JOIN pg_namespace n2 ON n2.oid = c2.relnamespace "
             "WHERE n2.nspname = :schema AND c2.relname = :table)"),
        {"name": row["name"], "schema": schema, "table": row["table_name"]},
    ).one_or_none()
    if ref is None:
        raise SchemaError(f"cannot read foreign key {row['name']} on {row['table_name']}: {definition}")
    ref_key = ref[1] if ref[0] == "public" else f"{ref[0]}.{ref[1]}"
    return ForeignKey(
        name=row["name"],
        columns=tuple(row["columns"]),
        ref_table=ref_key,
        ref_columns=tuple(ref[2]),
        definition=definition,
    )


def _index(row: Any) -> Index:
    return Index(
        name=row["name"],
        definition=row["definition"],
        unique=bool(row["is_unique"]),
        columns=_plain_keys(row["columns"][: row["nkey"]]),
    )


def _plain_keys(keys: Sequence[str | None]) -> tuple[str, ...]:
    """An index's key columns; none when one key is an expression (NULL here: ``(tenant_id, lower(email))``
    is not a unique tenant_id), which load/pgunique.py holds."""
    return () if any(k is None for k in keys) else tuple(keys)  # type: ignore[arg-type]


def snapshot_path(directory: str | Path, database: str) -> Path:
    """Where ``reflect`` saves the snapshot of a database: ``schemas/<db>.json``."""
    return Path(directory) / f"{database}.json"


def save_snapshot(snapshot: SchemaSnapshot, directory: str | Path, database: str) -> Path:
    return snapshot.save(snapshot_path(directory, database))
