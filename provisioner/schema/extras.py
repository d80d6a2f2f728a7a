"""The objects around tables that a snapshot carries: composite and range types, sequences,
views, row-level security policies, comments, aggregates (see :mod:`provisioner.schema.snapshot`)."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql


@dataclass(frozen=True)
class Policy:
    """A row-level security policy (``CREATE POLICY``)."""

    name: str
    command: str  # ALL | SELECT | INSERT | UPDATE | DELETE
    permissive: bool
    roles: tuple[str, ...]  # role names; "public" for PUBLIC
    using: str | None = None
    check: str | None = None


@dataclass(frozen=True)
class Composite:
    """A composite type (``CREATE TYPE name AS (attr type, ...)``)."""

    schema: str
    name: str
    attributes: tuple[tuple[str, str], ...]  # (name, format_type spelling)
    depends: tuple[str, ...] = ()


@dataclass(frozen=True)
class DbSequence:
    """A sequence of the reflected schemas (identity sequences belong to their column instead)."""

    schema: str
    name: str
    data_type: str = "bigint"
    start: int = 1
    increment: int = 1
    min_value: int | None = None
    max_value: int | None = None
    cache: int = 1
    cycle: bool = False
    owned_by: tuple[str, str] | None = None  # (table key, column)

    @property
    def sql_name(self) -> str:
        return sql.Identifier(self.schema, self.name).as_string(None)


@dataclass(frozen=True)
class View:
    """A view or materialized view, re-created after the tables (materialized ones refreshed after the load)."""

    schema: str
    name: str
    query: str  # pg_get_viewdef()
    materialized: bool = False
    options: tuple[str, ...] = ()  # reloptions: security_barrier=true, check_option=local, ...
    indexes: tuple[str, ...] = ()  # index definitions of a materialized view

    @property
    def sql_name(self) -> str:
        return sql.Identifier(self.schema, self.name).as_string(None)


@dataclass(frozen=True)
class Comment:
    target: str  # the object as COMMENT ON names it: TABLE "app"."t", COLUMN "app"."t"."c", ...
    text: str


@dataclass(frozen=True)
class TypeDef:
    """A user type created from its definition: a range type (``CREATE TYPE ... AS RANGE``)."""

    schema: str
    name: str
    definition: str
    depends: tuple[str, ...] = ()
