"""Configuration: packaged defaults, then a YAML file, then environment, then flags.

Resolved once at the entry point into a frozen :class:`Config` that is passed
down; the core never reads ``os.environ`` itself. Validation errors name the
key and the line of the file.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from provisioner.errors import ConfigError


def models() -> tuple[str, ...]:
    """Valid ``train.model`` / ``tables.<name>.model`` values: the column-model registry's names and the
    table methods (imported on first use, so ``--help`` does not load numpy, pandas and scipy)."""
    from provisioner import columns

    return ("auto", *columns.names(), "copy", "generate", "skip")


def __getattr__(name: str) -> Any:
    if name == "MODELS":
        return models()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


DEFAULT_MAX_ROWS = 1_000_000_000

_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_duration(value: Any, where: str = "train.time_budget") -> float | None:
    """``300``, ``"90s"``, ``"5m"``, ``"1.5h"`` -> seconds; ``None``/``0``/``""`` -> no budget."""
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)?\s*", str(value))
        if not match:
            raise ConfigError(f"{where}: {value!r} is not a duration; write seconds (300) or 90s, 5m, 1h")
        seconds = float(match.group(1)) * _UNITS[match.group(2) or ""]
    if seconds <= 0:
        raise ConfigError(f"{where}: {value!r} must be more than 0 seconds")
    return seconds




@dataclass(frozen=True)
class PrivacyConfig:
    nndr_violation_share_max: float = 0.10
    nndr_z_min: float = 3.0  # fail only when (share - threshold) / se exceeds this (as DCR and identifiability)
    identifiability_gap_max: float = 0.05
    identifiability_z_min: float = 3.0  # fail only when (gap - threshold) / se exceeds this (as DCR's z > 3)
    copy_rate_gap_max: float = 0.005
    dcr_share_max: float = 0.55
    dcr_z_min: float = 3.0
    min_rows: int = 50  # below this, statistical tests are skipped (copies still refused)
    max_query_rows: int = 5000  # synthetic / holdout rows sampled per table for distances
    strict: bool = False
    quasi_identifiers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # table -> columns (provisioner.privacy.risk)
    quasi_identifier_risk_max: float = 0.05  # fail when the lower 95% bound of a risk exceeds this


@dataclass(frozen=True)
class TrainConfig:
    model: str = "auto"
    epochs: int = 100
    row_cap: int = 20000
    holdout: float = 0.2
    batch_size: int = 500
    lookup_max_rows: int = 100
    gan_min_rows: int = 5000  # below this, "auto" picks the empirical Gaussian copula
    executor: str = "auto"  # auto (a process pool for 2+ GANs) | serial | local | ray
    ray_address: str = ""  # with executor ray: the cluster address ("" starts a local Ray)
    time_budget: float | None = None  # seconds for the whole train (YAML/flag also take 90s, 5m, 1h); see model/budget.py
    choose: str = "measure"  # measure: a table the rule gives CTGAN also fits the copula and keeps the one a classifier tells less well from its holdout; rule: the rule alone
    relational: str = "provisioner"  # provisioner (the hierarchical sampler) | hma (SDV's HMA: refused in bundles, see model/train.py)


@dataclass(frozen=True)
class TableConfig:
    rows: int | None = None
    scale: float | None = None
    model: str | None = None
    epochs: int | None = None
    row_cap: int | None = None
    target: str | None = None  # the column TSTR predicts in the quality report (default: chosen automatically)


@dataclass(frozen=True)
class Relationship:
    """One entry of ``relationships``: ``{child: invoice.customer_id, parent: customer.customer_id}``."""

    child: str  # table.column, schema.table.column or table.(a, b)
    parent: str  # the referenced primary or unique key, written the same way


@dataclass(frozen=True)
class Config:
    source: str | None = None
    target: str | None = None
    schemas: tuple[str, ...] = ("public",)
    seed: int = 0
    scale: float = 1.0
    max_rows: int = DEFAULT_MAX_ROWS  # guard: sampling more rows than this in all tables is refused before it starts
    train: TrainConfig = field(default_factory=TrainConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    pii_add: tuple[str, ...] = ()
    pii_remove: tuple[str, ...] = ()
    pii_providers: Mapping[str, str] = field(default_factory=dict)  # "table.column" -> Faker provider, from pii.add {table.column: provider}
    tables: Mapping[str, TableConfig] = field(default_factory=dict)
    relationships: tuple[Relationship, ...] = ()  # foreign keys the database does not declare (schema/virtual.py)
    foreign_keys: tuple[str, ...] = ()  # the older spelling of relationships: "table.column -> table.column"
    file: str | None = field(default=None, compare=False)  # the YAML file this came from, if any
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)  # "tables.x" / "pii.add[0]" -> line

    def where(self, key: str) -> str:
        """``file:line`` of a config key (``tables.invoice``, ``pii.add[1]``) for error messages."""
        if self.file is None:
            return "config"
        return f"{self.file}:{self.lines[key]}" if key in self.lines else self.file

    def table(self, key: str) -> TableConfig:
        return self.tables.get(key, TableConfig())

    def virtual_keys(self) -> dict[str, str]:
        """Every foreign key the config declares, ``relationships`` then ``foreign_keys``, as
        ``{config key: "child -> parent"}`` (the key names the line in errors: ``relationships[0]``)."""
        out = {f"relationships[{i}]": f"{r.child} -> {r.parent}" for i, r in enumerate(self.relationships)}
        out.update({f"foreign_keys[{i}]": spec for i, spec in enumerate(self.foreign_keys)})
        return out

    def with_overrides(self, **flags: Any) -> Config:
        """Apply CLI flags; ``None`` means "not given"."""
        given = {k: v for k, v in flags.items() if v is not None}
        train_keys = {f.name for f in fields(TrainConfig)}
        priv_keys = {f.name for f in fields(PrivacyConfig)}
        train = replace(self.train, **{k: v for k, v in given.items() if k in train_keys})
        privacy = replace(self.privacy, **{k: v for k, v in given.items() if k in priv_keys})
        if "time_budget" in given:
            train = replace(train, time_budget=parse_duration(given["time_budget"], "--time-budget"))
        top = {k: v for k, v in given.items() if k not in train_keys | priv_keys}
        if "schemas" in top:
            top["schemas"] = tuple(top["schemas"])
        for name, value in given.items():
            rule = FLAG_RULES.get(name)
            if rule is not None:
                check_bound(rule, value, "--" + name.replace("_", "-"))
        return replace(self, train=train, privacy=privacy, **top)


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


# -- bounds ------------------------------------------------------------------------------------

Rule = tuple[Callable[[float], bool], str]
_AT_LEAST_0: Rule = (lambda v: v >= 0, "0 or more")
_AT_LEAST_1: Rule = (lambda v: v >= 1, "1 or more")
_FINITE: Rule = (lambda v: True, "a number")
_POSITIVE: Rule = (lambda v: v > 0, "more than 0")
RULES: dict[str, Rule] = {
    "seed": (lambda v: 0 <= v < 2**63, "0 or more (below 2**63)"),
    "scale": _POSITIVE,
    "max_rows": (lambda v: 1 <= v <= 10**15, "between 1 and 10**15"),
    "train.holdout": (lambda v: 0 < v <= 0.5, "more than 0 and at most 0.5"),
    "train.epochs": _AT_LEAST_1,
    "train.row_cap": _AT_LEAST_1,
    "train.batch_size": _AT_LEAST_1,
    "train.lookup_max_rows": _AT_LEAST_0,
    "train.gan_min_rows": _AT_LEAST_0,
    "privacy.nndr_violation_share_max": _FINITE,  # thresholds: any number (a test may force a failure with -2)
    "privacy.identifiability_gap_max": _FINITE,
    "privacy.copy_rate_gap_max": _FINITE,
    "privacy.dcr_share_max": _FINITE,
    "privacy.quasi_identifier_risk_max": _FINITE,
    "privacy.identifiability_z_min": _FINITE,
    "privacy.dcr_z_min": _FINITE,
    "privacy.min_rows": _AT_LEAST_0,
    "privacy.max_query_rows": _AT_LEAST_1,
    "tables.*.rows": _AT_LEAST_0,
    "tables.*.scale": _POSITIVE,
    "tables.*.epochs": _AT_LEAST_1,
    "tables.*.row_cap": _AT_LEAST_1,
}
FLAG_RULES: dict[str, Rule] = {"seed": RULES["seed"], "scale": RULES["scale"], "max_rows": RULES["max_rows"],
                               "epochs": RULES["train.epochs"], "row_cap": RULES["train.row_cap"]}


def check_bound(rule: Rule, value: Any, where: str) -> None:
    """One clear line when ``value`` is out of its bounds (NaN and infinities never pass)."""
    test, wanted = rule
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and test(value)
    if not ok:
        finite = " (a finite number)" if isinstance(value, float) and wanted != "a number" else ""
        raise ConfigError(f"{where} must be {wanted}{finite}, not {value!r}")


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


_KEY_SIDE = re.compile(r"^\s*[^()]+?\.(?:\([^)]*\)|[^.()]+)\s*$")


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
            if not isinstance(text, str) or not _KEY_SIDE.match(text):
                raise ConfigError(f"{where(f'{key}.{side}')}: {key}.{side} must be written table.column "
                                  f"(or schema.table.column, table.(a, b)), not {text!r}")
        out.append(Relationship(item["child"].strip(), item["parent"].strip()))
    return tuple(out)


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


def _no_unknown(data: Mapping[str, Any], known: set[str], prefix: str, where: Any) -> None:
    for key in data:
        if key not in known:
            raise ConfigError(f"{where(prefix + str(key))}: unknown config key {prefix + str(key)!r}; known keys: {', '.join(sorted(known))}")


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


def _typed(value: Any, expected: tuple[type, ...], key: str, where: Any) -> Any:
    if isinstance(value, bool) and bool not in expected:
        ok = False
    else:
        ok = isinstance(value, expected)
    if not ok:
        names = " or ".join(t.__name__ for t in expected if t is not type(None))
        raise ConfigError(f"{where(key)}: {key} must be {names}, not {value!r}")
    return value
