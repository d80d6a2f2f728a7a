"""The settings: frozen dataclasses, one per section of the config file, with their bounds.

Every field carries its help text in ``metadata["doc"]``: ``docs/generate_config.py`` writes
``docs/config.md`` from them, and a test fails when that page is stale.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from provisioner.errors import ConfigError


def doc(text: str, default: Any = None, factory: Callable[[], Any] | None = None, **kw: Any) -> Any:
    """A dataclass field with its help text (``docs/config.md``)."""
    if factory is not None:
        return field(default_factory=factory, metadata={"doc": text}, **kw)
    return field(default=default, metadata={"doc": text}, **kw)


def models() -> tuple[str, ...]:
    """Valid ``train.model`` / ``tables.<name>.model`` values: the column-model registry's names and the
    table methods (imported on first use, so ``--help`` does not load numpy, pandas and scipy)."""
    from provisioner import columns

    return ("auto", *columns.names(), "copy", "generate", "skip")


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



@dataclass(frozen=True)
class PrivacyConfig:
    """``privacy:`` the gate every synthetic table passes before anything is written (exit 1 when it fails)."""

    nndr_violation_share_max: float = doc("Most share of synthetic rows whose nearest real neighbour is much closer than the "
                                          "second nearest (nearest-neighbour distance ratio).", 0.10)
    nndr_z_min: float = doc("Fail only when (share - threshold) / standard error exceeds this.", 3.0)
    identifiability_gap_max: float = doc("Most gap between synthetic and holdout rows in how often a real row is "
                                         "their closest match (identifiability).", 0.05)
    identifiability_z_min: float = doc("Fail only when (gap - threshold) / standard error exceeds this.", 3.0)
    copy_rate_gap_max: float = doc("Most excess share of synthetic rows that copy a training row exactly, over the "
                                   "holdout's rate.", 0.005)
    dcr_share_max: float = doc("Most share of synthetic rows closer to a training row than to any holdout row "
                               "(distance to closest record).", 0.55)
    dcr_z_min: float = doc("Fail only when (share - threshold) / standard error exceeds this.", 3.0)
    min_rows: int = doc("Below this many rows a table's statistical tests are skipped (exact copies are still refused).", 50)
    max_query_rows: int = doc("Synthetic and holdout rows sampled per table for the distance metrics.", 5000)
    strict: bool = doc("Refuse any synthetic row that copies a training row, in every table (not only in small ones).", False)
    quasi_identifiers: Mapping[str, tuple[str, ...]] = doc(
        "Columns that together could identify a person, per table: `{customer: [age, zip]}` "
        "(re-identification risk, provisioner/privacy/risk.py).", factory=dict)
    quasi_identifier_risk_max: float = doc("Fail when the lower 95% bound of a quasi-identifier risk exceeds this.", 0.05)


@dataclass(frozen=True)
class TrainConfig:
    """``train:`` how the models are fitted."""

    model: str = doc("Column model for every table: auto (the documented rule), a column model "
                     "(gaussian_copula, ctgan), copy, generate or skip.", "auto")
    epochs: int = doc("GAN epochs.", 100)
    row_cap: int = doc("Most source rows read per table (a seeded sample above it).", 20000)
    holdout: float = doc("Share of each table's rows held out from training, the privacy gate's baseline (at most 0.5).", 0.2)
    batch_size: int = doc("GAN batch size.", 500)
    lookup_max_rows: int = doc("A table with at most this many rows, no PII and copied parents (an optional key into a table most tables point into, such as audit columns into users, points at synthetic rows) is copied as a lookup table.", 100)
    gan_min_rows: int = doc("Below this many rows, auto picks the Gaussian copula rather than a GAN.", 5000)
    executor: str = doc("Where fits run: auto (a process pool for 2 or more GANs), serial, local or ray.", "auto")
    ray_address: str = doc("With executor ray: the cluster address (empty starts a local Ray).", "")
    time_budget: float | None = doc("Seconds for the whole train (also 90s, 5m, 1h); GAN tables get fewer rows, epochs "
                                    "or the copula to fit it.", None)
    choose: str = doc("measure: a table the rule gives CTGAN also fits the copula and keeps the one a classifier tells "
                      "less well from its holdout; rule: the rule alone.", "measure")
    relational: str = doc("provisioner (the hierarchical sampler) or hma (SDV's HMA, refused in bundles).", "provisioner")


@dataclass(frozen=True)
class ColumnConfig:
    """``tables.<table>.columns.<column>:`` exactly one of ``faker``, ``value`` or ``keep``."""

    faker: str | None = doc("Fill the column with this Faker provider (email, name, pyint, ...); any other key of the "
                            "entry is passed to it: `{faker: pyint, min_value: 1, max_value: 9}`. Never learnt.", None)
    args: Mapping[str, Any] = doc("The provider's keyword arguments (the entry's other keys).", factory=dict)
    value: Any = doc("Every row gets this constant (null allowed where the column is nullable).", None)
    keep: bool = doc("Learn the column from its real values (a category) instead of generating text; refused for a "
                     "detected PII column unless pii.remove lists it.", False)
    option: str = doc("Which of faker, value or keep was given (set when the file is read).", "")


@dataclass(frozen=True)
class TableConfig:
    """``tables.<table>:`` settings of one table (``schema.table`` outside public)."""

    rows: int | None = doc("Rows to make (overrides scale).", None)
    scale: float | None = doc("Rows to make as a multiple of the source's.", None)
    model: str | None = doc("This table's model: auto, a column model, copy (the real rows, PII masked), generate "
                            "(values from types and constraints) or skip (the table is created empty).", None)
    epochs: int | None = doc("GAN epochs for this table.", None)
    row_cap: int | None = doc("Most source rows read for this table.", None)
    target: str | None = doc("The column TSTR predicts in the quality report (default: chosen automatically).", None)
    columns: Mapping[str, ColumnConfig] = doc("Per-column settings: `{email: {faker: email}}`, `{notes: {value: null}}`, "
                                              "`{country: {keep: true}}`.", factory=dict)


@dataclass(frozen=True)
class Relationship:
    """One entry of ``relationships``: ``{child: invoice.customer_id, parent: customer.customer_id}``."""

    child: str = doc("The referencing column: table.column, schema.table.column or table.(a, b).", "")
    parent: str = doc("The referenced primary or unique key, written the same way.", "")


@dataclass(frozen=True)
class Config:
    """The whole config file; every key is optional."""

    source: str | None = doc("Source database URL (read-only); `env:NAME` reads it from an environment variable.", None)
    target: str | None = doc("Target database URL; `env:NAME` reads it from an environment variable.", None)
    schemas: tuple[str, ...] = doc("Schemas to read.", ("public",))
    seed: int = doc("Seed of every random choice: the same seed, source and config give the same rows.", 0)
    scale: float = doc("Rows to make as a multiple of the source's, for every table.", 1.0)
    max_rows: int = doc("Guard: sampling more rows than this in all tables is refused before it starts.", DEFAULT_MAX_ROWS)
    train: TrainConfig = doc("How the models are fitted (below).", factory=TrainConfig)
    privacy: PrivacyConfig = doc("The privacy gate's thresholds (below).", factory=PrivacyConfig)
    pii_add: tuple[str, ...] = doc("`pii.add`: columns to treat as PII, `table.column` or `{table.column: provider}`.", ())
    pii_remove: tuple[str, ...] = doc("`pii.remove`: detected columns that are not PII (`table.column`).", ())
    pii_providers: Mapping[str, str] = doc("The providers of `pii.add` entries written `{table.column: provider}`.", factory=dict)
    tables: Mapping[str, TableConfig] = doc("Per-table settings (below).", factory=dict)
    relationships: tuple[Relationship, ...] = doc("Foreign keys the database does not declare, modelled like declared ones "
                                                  "(below).", ())
    foreign_keys: tuple[str, ...] = doc("The older spelling of relationships: `[invoice.customer_id -> customer.customer_id]`.", ())
    file: str | None = doc("The YAML file this came from (set when it is read).", None, compare=False)
    lines: Mapping[str, int] = doc("Line of each key in the file (set when it is read).", factory=dict, compare=False, repr=False)

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
