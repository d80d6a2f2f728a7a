"""Config entries that are more than a number: ``relationships`` and ``tables.<t>.columns``.

Checked when the file is read (shape, option names); ``model/validate.py`` checks them against
the source's schema (tables, columns, PII, NOT NULL) once it is reflected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from provisioner.config.settings import ColumnConfig, Relationship
from provisioner.errors import ConfigError
from provisioner.schema.virtual import SIDE

OPTIONS = ("faker", "value", "keep")




def _relationships(value: Any, where: Any) -> tuple[Relationship, ...]:
    """``relationships``: a list of ``{child: table.column, parent: table.column}`` mappings."""
    items = _typed(value or [], (list,), "relationships", where)
    out = []
    for i, item in enumerate(items):
        key = f"relationships[{i}]"
        if not isinstance(item, dict) or set(item) != {"child", "parent"}:
            extra = sorted(set(item) - {"child", "parent"}) if isinstance(item, dict) else []
            hint = f" (unknown key {extra[0]!r})" if extra else ""
            if any(str(k).endswith(")") for k in extra):
                hint += "; quote a composite key inside braces: {child: \"t.(a, b)\", parent: \"p.(a, b)\"}"
            raise ConfigError(f"{where(key)}: {key} must be a mapping {{child: table.column, parent: table.column}}{hint}, "
                              f"not {item!r}")
        for side in ("child", "parent"):
            text = item[side]
            if not isinstance(text, str) or not SIDE.match(text):
                raise ConfigError(f"{where(f'{key}.{side}')}: {key}.{side} must be written table.column "
                                  f"(or schema.table.column, table.(a, b)), not {text!r}")
        out.append(Relationship(item["child"].strip(), item["parent"].strip()))
    return tuple(out)


def columns(value: Any, table: str, where: Any) -> dict[str, ColumnConfig]:
    """``tables.<table>.columns``: ``{column: {faker: provider, **args} | {value: constant} | {keep: true}}``."""
    key = f"tables.{table}.columns"
    if not isinstance(value, dict):
        raise ConfigError(f"{where(key)}: {key} must map column names to one of {{faker: provider}}, {{value: constant}} "
                          f"or {{keep: true}}, not {value!r}")
    return {str(name): _column(spec, f"{key}.{name}", where) for name, spec in value.items()}


def _column(spec: Any, key: str, where: Any) -> ColumnConfig:
    if not isinstance(spec, dict):
        raise ConfigError(f"{where(key)}: {key} must be a mapping with one of faker, value or keep, "
                          f"e.g. {{faker: email}}, not {spec!r}")
    given = [o for o in OPTIONS if o in spec]
    if len(given) != 1:
        said = f"both {' and '.join(given)}" if given else "none of them"
        raise ConfigError(f"{where(key)}: {key} must set exactly one of faker, value or keep, not {said}")
    option = given[0]
    extra = sorted(str(k) for k in spec if k not in OPTIONS)
    if option == "faker":
        provider = spec["faker"]
        if not isinstance(provider, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", provider):
            raise ConfigError(f"{where(key + '.faker')}: {key}.faker must name a Faker provider (email, name, pyint), not {provider!r}")
        return ColumnConfig(faker=provider, args={str(k): v for k, v in spec.items() if k != "faker"}, option=option)
    if extra:
        raise ConfigError(f"{where(key + '.' + extra[0])}: unknown option {extra[0]!r} in {key}; only faker takes more "
                          f"keys (its arguments); {option} stands alone")
    if option == "keep":
        if spec["keep"] is not True:
            raise ConfigError(f"{where(key + '.keep')}: {key}.keep must be true, not {spec['keep']!r}; "
                              "remove the entry to let provisioner decide")
        return ColumnConfig(keep=True, option=option)
    return ColumnConfig(value=spec["value"], option=option)


def _no_unknown(data: Mapping[str, Any], known: set[str], prefix: str, where: Any) -> None:
    for key in data:
        if key not in known:
            raise ConfigError(f"{where(prefix + str(key))}: unknown config key {prefix + str(key)!r}; known keys: {', '.join(sorted(known))}")


def _typed(value: Any, expected: tuple[type, ...], key: str, where: Any) -> Any:
    if isinstance(value, bool) and bool not in expected:
        ok = False
    else:
        ok = isinstance(value, expected)
    if not ok:
        names = " or ".join(t.__name__ for t in expected if t is not type(None))
        raise ConfigError(f"{where(key)}: {key} must be {names}, not {value!r}")
    return value
