"""Configuration: packaged defaults, then a YAML file, then environment, then flags.

Resolved once at the entry point into a frozen :class:`Config` (``settings.py``) that is
passed down; the core never reads ``os.environ`` itself. Validation errors name the key and
the line of the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import yaml

from provisioner.config import entries
from provisioner.config.entries import _no_unknown, _relationships, _typed
from provisioner.config.settings import (  # noqa: F401 - the config's public names
    DEFAULT_MAX_ROWS,
    FLAG_RULES,
    RULES,
    ColumnConfig,
    Config,
    PrivacyConfig,
    Relationship,
    Rule,
    TableConfig,
    TrainConfig,
    check_bound,
    models,
    parse_duration,
)
from provisioner.errors import ConfigError


def __getattr__(name: str) -> Any:
    if name == "MODELS":
        return models()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")



def load_config(path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Defaults, then the YAML file (if any), then PROVISIONER_* environment variables."""
    config = Config()
    if path is not None:
        config = _from_file(Path(path))
    env = dict(os.environ if environ is None else environ)
    if env.get("PROVISIONER_SOURCE") and config.source is None:
        config = replace(config, source=env["PROVISIONER_SOURCE"])
    if env.get("PROVISIONER_TARGET") and config.target is None:
        config = replace(config, target=env["PROVISIONER_TARGET"])
    for attr in ("source", "target"):
        value = getattr(config, attr)
        if isinstance(value, str) and value.startswith("env:"):
            name = value[4:]
            if name not in env:
                raise ConfigError(f"config key {attr!r} names environment variable {name!r}, which is not set")
            config = replace(config, **{attr: env[name]})
    return config


def _from_file(path: Path) -> Config:
    try:
        raw_text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not UTF-8 text; save the config file as UTF-8") from None
    try:
        node = yaml.compose(raw_text)
        data = yaml.safe_load(raw_text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_error(path, exc)) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config must be a mapping of keys, not {type(data).__name__}")
    _no_repeats(node, path)
    lines = _line_map(node)
    where = _where(path, lines)
    config = _build(data, where)
    validate(config, where)
    return replace(config, file=str(path), lines=lines)


def _where(path: Path, lines: Mapping[str, int]) -> Callable[[str], str]:
    """``file:line`` of a key; a key with no line of its own takes its closest parent's."""
    def where(key: str) -> str:
        probe = key
        while probe and probe not in lines:
            probe = probe.rpartition(".")[0]
        return f"{path}:{lines.get(probe, 1)}"
    return where


def _yaml_error(path: Path, exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = f":{mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    return f"{path}{line}: not valid YAML: {problem}" + (f" ({context})" if context else "") + "; fix the syntax at that line"


def validate(config: Config, where: Callable[[str], str]) -> None:
    """Every numeric setting within its bounds; errors name the key and its file:line."""
    values: dict[str, Any] = {"seed": config.seed, "scale": config.scale, "max_rows": config.max_rows}
    values.update({f"train.{f.name}": getattr(config.train, f.name) for f in fields(TrainConfig)})
    values.update({f"privacy.{f.name}": getattr(config.privacy, f.name) for f in fields(PrivacyConfig)})
    for name, table in config.tables.items():
        values.update({f"tables.{name}.{f.name}": getattr(table, f.name) for f in fields(TableConfig)})
    for key, value in values.items():
        pattern = f"tables.*.{key.rpartition('.')[2]}" if key.startswith("tables.") else key
        rule = RULES.get(pattern)
        if rule is not None and value is not None:
            check_bound(rule, value, f"{where(key)}: {key}")


def _no_repeats(node: Any, path: Path, prefix: str = "") -> None:
    """A key given twice in one mapping (YAML would keep the last silently) is a mistake: name both lines."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key, line = str(key_node.value), key_node.start_mark.line + 1
            if key in seen:
                raise ConfigError(f"{path}:{line}: {prefix}{key} is given twice (lines {seen[key]} and {line}); "
                                  "keep one of them")
            seen[key] = line
            _no_repeats(value_node, path, f"{prefix}{key}.")
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _no_repeats(item, path, f"{prefix[:-1]}[{i}]." if prefix else f"[{i}].")


def _line_map(node: Any, prefix: str = "") -> dict[str, int]:
    out: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = f"{prefix}{key_node.value}"
            out[key] = key_node.start_mark.line + 1
            out.update(_line_map(value_node, key + "."))
    elif isinstance(node, yaml.SequenceNode) and prefix:
        for i, item in enumerate(node.value):
            out[f"{prefix[:-1]}[{i}]"] = item.start_mark.line + 1
            out.update(_line_map(item, f"{prefix[:-1]}[{i}]."))
    return out


def _build(data: dict[str, Any], where: Any) -> Config:
    known = {f.name for f in fields(Config)} - {"pii_add", "pii_remove", "pii_providers"} | {"pii"}
    _no_unknown(data, known, "", where)
    train = _section(TrainConfig, data.get("train") or {}, "train", where)
    privacy = _section(PrivacyConfig, data.get("privacy") or {}, "privacy", where)
    train = replace(train, time_budget=parse_duration(train.time_budget, where("train.time_budget")))
    if train.relational not in ("provisioner", "hma"):
        raise ConfigError(f"{where('train.relational')}: train.relational must be provisioner or hma, not {train.relational!r}")
    if train.choose not in ("measure", "rule"):
        raise ConfigError(f"{where('train.choose')}: train.choose must be measure or rule, not {train.choose!r}")
    if train.model not in models():
        raise ConfigError(f"{where('train.model')}: train.model must be one of {', '.join(models())}, not {train.model!r}")
    pii = data.get("pii") or {}
    if not isinstance(pii, dict):
        raise ConfigError(f"{where('pii')}: pii must be a mapping with 'add' and 'remove' lists")
    _no_unknown(pii, {"add", "remove"}, "pii.", where)
    tables = {}
    for name, spec in (data.get("tables") or {}).items():
        tables[str(name)] = _section(TableConfig, spec or {}, f"tables.{name}", where)
        model = tables[str(name)].model
        if model is not None and model not in models():
            raise ConfigError(f"{where(f'tables.{name}.model')}: model must be one of {', '.join(models())}, not {model!r}")
    schemas = data.get("schemas", ["public"])
    foreign_keys = _typed(data.get("foreign_keys") or [], (list,), "foreign_keys", where)
    return Config(
        source=_typed(data.get("source"), (str, type(None)), "source", where),
        target=_typed(data.get("target"), (str, type(None)), "target", where),
        schemas=tuple(schemas if isinstance(schemas, list) else [schemas]),
        seed=_typed(data.get("seed", 0), (int,), "seed", where),
        scale=float(_typed(data.get("scale", 1.0), (int, float), "scale", where)),
        max_rows=_typed(data.get("max_rows", DEFAULT_MAX_ROWS), (int,), "max_rows", where),
        train=train,
        privacy=privacy,
        pii_add=tuple(_pii_refs(pii.get("add"), "add", where)),
        pii_remove=tuple(pii.get("remove") or ()),
        pii_providers=_pii_providers(pii.get("add"), where),
        tables=tables,
        relationships=_relationships(data.get("relationships"), where),
        foreign_keys=tuple(_typed(v, (str,), f"foreign_keys[{i}]", where) for i, v in enumerate(foreign_keys)),
    )


def _pii_entries(value: Any, where: Any) -> list[tuple[str, str | None]]:
    """``pii.add`` as (table.column, provider or None): a list of ``table.column`` strings and
    ``{table.column: provider}`` mappings, or one such mapping."""
    if value is None:
        return []
    items = [{k: v} for k, v in value.items()] if isinstance(value, dict) else value
    if not isinstance(items, list):
        raise ConfigError(f"{where('pii.add')}: pii.add must be a list of table.column entries or table.column: provider pairs")
    out: list[tuple[str, str | None]] = []
    for i, item in enumerate(items):
        if isinstance(item, str):
            out.append((item, None))
        elif isinstance(item, dict) and len(item) == 1 and all(isinstance(v, str) for v in item.values()):
            ref, provider = next(iter(item.items()))
            out.append((str(ref), str(provider)))
        else:
            raise ConfigError(f"{where(f'pii.add[{i}]')}: pii.add entry {item!r} must be table.column or table.column: provider")
    return out


def _pii_refs(value: Any, which: str, where: Any) -> list[str]:
    return [ref for ref, _ in _pii_entries(value, where)]


def _pii_providers(value: Any, where: Any) -> dict[str, str]:
    return {ref: provider for ref, provider in _pii_entries(value, where) if provider is not None}


def _section(cls: type, data: Any, name: str, where: Any) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{where(name)}: {name} must be a mapping")
    spec = {f.name: f for f in fields(cls)}
    _no_unknown(data, set(spec), name + ".", where)
    values = {}
    for key, value in data.items():
        if key == "quasi_identifiers":
            values[key] = _quasi_identifiers(value, f"{name}.{key}", where)
            continue
        if key == "columns" and cls is TableConfig:
            values[key] = entries.columns(value, name.partition(".")[2], where)
            continue
        if key == "time_budget":  # 300, "90s", "5m": parsed by parse_duration
            values[key] = value
            continue
        default = spec[key].default
        expected: tuple[type, ...] = (type(default),) if default is not None else (int, float, str)
        if isinstance(default, float) or spec[key].type in ("float | None",):
            expected = (int, float)
        if spec[key].type == "int | None":
            expected = (int,)
        values[key] = _typed(value, expected, f"{name}.{key}", where)
    return cls(**values)


def _quasi_identifiers(value: Any, key: str, where: Any) -> dict[str, tuple[str, ...]]:
    """``{table: [column, ...]}``; the columns must be learnt columns to carry any risk."""
    ok = isinstance(value, dict) and all(
        isinstance(cols, list) and all(isinstance(c, str) for c in cols) for cols in value.values()
    )
    if not ok:
        raise ConfigError(f"{where(key)}: {key} must map table names to lists of column names, e.g. customer: [age, zip]")
    return {str(table): tuple(cols) for table, cols in value.items()}
