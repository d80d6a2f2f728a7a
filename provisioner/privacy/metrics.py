"""The privacy gate: does a synthetic table leak the rows it was trained on?

Each table is compared three ways - synthetic against the training rows, and,
as a baseline, the holdout rows (real rows the generator never saw) against the
training rows. A generator that generalises looks at the training rows the way
a fresh real sample does; one that memorises sits measurably closer to them.

Metrics, all on a Gower-like distance (see :mod:`provisioner.privacy.distances`):

``exact_copies``
    Synthetic rows equal to a training row whose value combination is unique in
    train + holdout, after rounding numerics to the precision the training data
    is stored at. Found with a hash join over all rows, not by pairwise search.
    The baseline is the same rate for holdout rows, each judged as if it were the
    generated row (its match must be unique among the *other* real rows). Fails
    when the rate exceeds the baseline by more than ``copy_rate_gap_max``; in
    strict mode, on small tables and without a holdout, any copy fails.
``dcr_share``
    Share of synthetic rows whose distance to the closest record (DCR) in the
    training rows is smaller than in the holdout (ties count one half). Train is
    usually about four times the holdout, and the nearest of more rows is nearer,
    so the training side is a seeded random subsample of the holdout's size:
    without that, even an ideal generator would score well above one half. Fails
    when the share exceeds ``dcr_share_max`` *and* its z statistic against 0.5
    (binomial standard deviation) exceeds ``dcr_z_min``. The binomial n is the
    smaller of the query rows and the reference sample: with 15 holdout rows,
    77 queries are not 77 independent trials.
``nndr``
    Nearest-neighbour distance ratio d1/d2 of each synthetic row in the full
    training set (0/0 counts as 1). A violation is a ratio below the 5th
    percentile of the holdout rows' ratios (ratio 0 when that percentile is 0):
    the row sits on one training row rather than among several. Fails when the
    violation share exceeds ``nndr_violation_share_max`` *and* its excess over that
    threshold is significant: z (binomial, n the smaller of the synthetic queries and
    the holdout rows, as for DCR) above ``nndr_z_min``. The cut is a percentile of
    the holdout rows and jumps on discrete data: with 82 holdout invoices, 4 or 5
    exact matches moved Chinook's cut from 0 to 0.17 and failed two seeds of ten for
    that alone. The baseline is the holdout's own share (about 0.05).
``identifiability``
    Yoon et al. (ADS-GAN): columns weighted by inverse entropy (numerics and
    datetimes on ten quantile bins), weights capped at three times the median.
    I(R) is the share of rows of a real set R closer to the nearest synthetic
    row than to the nearest *other* row of R. The value is I(train sample of the
    holdout's size) - I(holdout). With small holdouts this gap is noisy (sd about
    0.07 at 100 rows), so it fails only when it exceeds ``identifiability_gap_max``
    *and* its excess over that threshold, divided by the standard error of a
    difference of two proportions, exceeds ``identifiability_z_min`` (as for DCR).

Nearest neighbours are exact over the whole reference set; only the query rows
(synthetic, holdout, and the identifiability sets) are sampled down to
``max_query_rows`` with a seeded generator, so the same inputs and seed give the
same report. Reports name rows only by synthetic row number and training row
position (0-based, in the frames passed in) and never contain data values.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import asdict, dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from provisioner.config import PrivacyConfig
from provisioner.privacy.distances import (
    Columnar,
    Embedding,
    copy_codes,
    embed,
    entropy_bins,
    nearest,
    prepare,
)

METRICS = ("exact_copies", "dcr_share", "nndr", "identifiability")
MAX_OFFENDING = 100
MAX_DRIVING = 3
LOO_QUERY_ROWS = 1000  # query rows per leave-one-column-out rerun
NNDR_PERCENTILE = 5.0
WEIGHT_CAP = 3.0  # identifiability weights capped at this multiple of the median
# Purposes of the seeded samples: each gets its own stream, so the samples do
# not depend on which metrics ran before.
_SYN_QUERY, _HOLD_QUERY, _TRAIN_SUB, _HOLD_SUB, _ID_TRAIN, _ID_HOLD, _SYN_REF = range(1, 8)


@dataclass(frozen=True)
class Metric:
    name: str  # "exact_copies", "dcr_share", "nndr", "identifiability"
    value: float
    baseline: float | None  # holdout-based baseline (dcr_share: 0.5; identifiability: I(holdout))
    threshold: float
    passed: bool
    detail: str = ""  # human-readable, no data values

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["value"], out["baseline"], out["threshold"] = (_num(out[k]) for k in ("value", "baseline", "threshold"))
        return out


@dataclass(frozen=True)
class TablePrivacy:
    table: str
    status: str  # "checked" | "small" | "exempt" | "no_columns"
    reason: str
    rows_train: int
    rows_holdout: int
    rows_synthetic: int
    columns: tuple[str, ...]
    metrics: tuple[Metric, ...]
    offending_rows: tuple[tuple[int, int], ...] = ()  # (synthetic row number, training row position)
    driving_columns: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return all(metric.passed for metric in self.metrics)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "status": self.status,
            "reason": self.reason,
            "passed": self.passed,
            "rows_train": int(self.rows_train),
            "rows_holdout": int(self.rows_holdout),
            "rows_synthetic": int(self.rows_synthetic),
            "columns": [str(c) for c in self.columns],
            "metrics": [metric.to_dict() for metric in self.metrics],
            "offending_rows": [[int(s), int(t)] for s, t in self.offending_rows],
            "driving_columns": [str(c) for c in self.driving_columns],
        }


@dataclass(frozen=True)
class PrivacyReport:
    tables: Mapping[str, TablePrivacy]

    @property
    def passed(self) -> bool:
        return all(table.passed for table in self.tables.values())

    @property
    def failures(self) -> tuple[str, ...]:
        return tuple(
            f"table {name}: {metric.detail}"
            for name, table in self.tables.items()
            for metric in table.metrics
            if not metric.passed
        )

    def summary(self) -> str:
        """One line: how many tables were checked and which were exempt, and why in short."""
        checked = [k for k, t in self.tables.items() if t.status not in ("exempt", "no_columns")]
        exempt = [k for k, t in self.tables.items() if t.status in ("exempt", "no_columns")]
        text = f"{len(checked)} tables checked" + (f" ({', '.join(checked)})" if checked else "")
        if exempt:
            text += f"; {len(exempt)} exempt ({', '.join(exempt)}: lookup copies or nothing learnt from rows, see the report)"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failures": list(self.failures),
            "tables": {name: table.to_dict() for name, table in self.tables.items()},
        }


def report(results: Iterable[TablePrivacy]) -> PrivacyReport:
    tables: dict[str, TablePrivacy] = {}
    for result in results:
        if result.table in tables:
            raise ValueError(f"privacy report: table {result.table!r} was checked twice")
        tables[result.table] = result
    return PrivacyReport(MappingProxyType(tables))


def exempt(table: str, reason: str, rows: int) -> TablePrivacy:
    """A table the gate does not apply to, e.g. a lookup table copied verbatim."""
    return TablePrivacy(table, "exempt", reason, rows, 0, rows, (), ())


# -- the per-table check ---------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    col: Columnar
    emb: Embedding
    codes: np.ndarray  # per-column codes for the exact-copy hash join
    weights: np.ndarray  # per-column identifiability weights
    config: PrivacyConfig
    seed: int
    any_copy: str  # why any copy fails ("" when the baseline gap applies)

    def features(self, part: str, cols: np.ndarray) -> np.ndarray:
        return self.emb.values[self.col.part(part)][:, self.feature_mask(cols)]

    def feature_mask(self, cols: np.ndarray) -> np.ndarray:
        return np.isin(self.emb.owner, cols)

    def sample(self, n: int, size: int, purpose: int) -> np.ndarray:
        if size >= n:
            return np.arange(n)
        rng = np.random.default_rng([self.seed % 2**63, purpose])
        return np.sort(rng.choice(n, size, replace=False))


@dataclass(frozen=True)
class _Result:
    metric: Metric
    excess: float  # the quantity compared with the threshold; smaller is safer
    offenders: np.ndarray  # (k, 2) synthetic row number, training row position


def check_table(
    table: str,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    synthetic: pd.DataFrame,
    kinds: Mapping[str, str],
    config: PrivacyConfig,
    seed: int = 0,
    max_offending: int | None = MAX_OFFENDING,
) -> TablePrivacy:
    """Run the privacy metrics on one table; see the module docstring.

    ``max_offending`` caps the offending rows named (None: every one, for resampling).
    """
    columns = _columns(table, train, holdout, synthetic)
    sizes = (len(train), len(holdout), len(synthetic))
    if not columns:
        return TablePrivacy(table, "no_columns", "no columns left to compare after removing keys and PII", *sizes, (), ())
    status, reason = _status(sizes, config)
    ctx = _context((train, holdout, synthetic), kinds, columns, config, seed, small=status == "small")
    every = np.arange(len(columns))
    results = [_exact_copies(ctx, every)]
    if status == "checked" and sizes[2] > 0:
        qcap = config.max_query_rows
        results += [_dcr_share(ctx, every, qcap), _nndr(ctx, every, qcap), _identifiability(ctx, every, qcap)]
    failing = tuple(r.metric.name for r in results if not r.metric.passed)
    return TablePrivacy(
        table,
        status,
        reason,
        *sizes,
        ctx.col.names,
        tuple(r.metric for r in results),
        _offending(results, max_offending),
        _driving(ctx, failing) if failing else (),
    )


def _columns(table: str, train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame) -> tuple[Hashable, ...]:
    """The column labels to compare, in training order; all three frames must have the same ones."""
    labels = tuple(train.columns)
    for part, frame in (("holdout", holdout), ("synthetic", synthetic)):
        if set(frame.columns) != set(labels):
            raise ValueError(f"privacy check of table {table}: {part} columns differ from the training columns")
    return labels


def _status(sizes: tuple[int, int, int], config: PrivacyConfig) -> tuple[str, str]:
    n_train, n_holdout, n_syn = sizes
    if n_train + n_holdout < config.min_rows:
        return "small", (
            f"{n_train + n_holdout} real rows < min_rows {config.min_rows}: only the exact-copy check ran; "
            "any copy of a unique training row fails"
        )
    if n_train < 2 or n_holdout < 2:
        return "small", "fewer than 2 training or holdout rows: only the exact-copy check ran; any copy fails"
    if n_syn == 0:
        return "checked", "no synthetic rows"
    sampled = min(n_syn, config.max_query_rows)
    return "checked", f"distance metrics on {sampled} of {n_syn} synthetic rows, exact neighbours in all {n_train} training rows"


def _context(
    frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    kinds: Mapping[str, str],
    columns: tuple[Hashable, ...],
    config: PrivacyConfig,
    seed: int,
    small: bool,
) -> _Context:
    col = prepare(frames, kinds, columns)
    any_copy = "small table" if small else "strict mode" if config.strict else ""
    return _Context(col, embed(col), copy_codes(col), _weights(col), config, int(seed), any_copy)


def _weights(col: Columnar) -> np.ndarray:
    """Inverse entropy, capped at WEIGHT_CAP x the median, normalised to sum 1."""
    inverse = 1.0 / np.maximum(entropy_bins(col), 1e-6)
    capped = np.minimum(inverse, WEIGHT_CAP * np.median(inverse))
    return capped / capped.sum()


# -- metrics -----------------------------------------------------------------------------


def _exact_copies(ctx: _Context, cols: np.ndarray) -> _Result:
    offenders, n_syn, baseline = _copy_matches(ctx, cols)
    copies, rate, cfg = len(offenders), len(offenders) / max(n_syn, 1), ctx.config
    what = f"{copies} of {n_syn} synthetic rows copy a training row unique in train+holdout"
    if ctx.any_copy or baseline is None:
        passed = copies == 0
        detail = f"exact copies {copies} {_op(not passed)} threshold 0 ({ctx.any_copy or 'no holdout'}: any copy fails; {what})"
        return _Result(Metric("exact_copies", rate, baseline, 0.0, passed, detail), float(copies), offenders)
    gap = rate - baseline
    passed = gap <= cfg.copy_rate_gap_max
    detail = (
        f"exact-copy rate gap {gap:.4f} {_op(not passed)} threshold {cfg.copy_rate_gap_max:.4f} "
        f"({what}: rate {rate:.4f}, holdout baseline {baseline:.4f})"
    )
    return _Result(Metric("exact_copies", rate, baseline, cfg.copy_rate_gap_max, passed, detail), gap, offenders)


def _copy_matches(ctx: _Context, cols: np.ndarray) -> tuple[np.ndarray, int, float | None]:
    """(synthetic row, training row) pairs of copies, the synthetic row count and the holdout rate.

    A synthetic row counts when it equals a training row whose combination occurs
    once in train + holdout. A holdout row counts for the baseline when it equals a
    training row that is unique among the other real rows.
    """
    ids = _row_ids(ctx.codes[:, cols])
    train, hold, syn = (ids[ctx.col.part(p)] for p in ("train", "holdout", "synthetic"))
    groups = int(ids.max()) + 1 if len(ids) else 0
    in_train, in_hold = np.bincount(train, minlength=groups), np.bincount(hold, minlength=groups)
    copies = np.flatnonzero(((in_train == 1) & (in_hold == 0))[syn])
    first = np.full(groups, -1, dtype=np.int64)
    first[train[::-1]] = np.arange(len(train))[::-1]
    baseline = float(((in_train == 1) & (in_hold == 1))[hold].mean()) if len(hold) else None
    return np.column_stack([copies, first[syn[copies]]]), len(syn), baseline


def _row_ids(codes: np.ndarray) -> np.ndarray:
    """Equal rows get equal ids: a hash group-by over the code columns."""
    if codes.shape[1] == 0:
        return np.zeros(len(codes), dtype=np.int64)
    frame = pd.DataFrame(codes)
    return frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy(dtype=np.int64)


def _dcr_share(ctx: _Context, cols: np.ndarray, qcap: int) -> _Result:
    col, cfg = ctx.col, ctx.config
    size = min(col.n_train, col.n_holdout)
    train = ctx.features("train", cols)[ctx.sample(col.n_train, size, _TRAIN_SUB)]
    hold = ctx.features("holdout", cols)[ctx.sample(col.n_holdout, size, _HOLD_SUB)]
    queries = ctx.features("synthetic", cols)[ctx.sample(col.n_synthetic, qcap, _SYN_QUERY)]
    is_cat = ctx.emb.is_cat[ctx.feature_mask(cols)]
    to_train = nearest(queries, train, is_cat)[0][:, 0]
    to_hold = nearest(queries, hold, is_cat)[0][:, 0]
    share = float(np.mean((to_train < to_hold) + 0.5 * (to_train == to_hold)))
    z = (share - 0.5) / math.sqrt(0.25 / min(len(queries), size))  # few reference rows: the share is that noisy
    passed = not (share > cfg.dcr_share_max and z > cfg.dcr_z_min)
    detail = (
        f"DCR share {share:.3f} {_op(share > cfg.dcr_share_max)} threshold {cfg.dcr_share_max:.3f} "
        f"with z {z:.2f} {_op(z > cfg.dcr_z_min)} {cfg.dcr_z_min:.2f} (share of {len(queries)} synthetic rows "
        f"closer to a {size}-row training sample than to {size} holdout rows; 0.5 expected)"
    )
    return _Result(Metric("dcr_share", share, 0.5, cfg.dcr_share_max, passed, detail), share - 0.5, np.empty((0, 2), int))


def _nndr(ctx: _Context, cols: np.ndarray, qcap: int) -> _Result:
    col, cfg = ctx.col, ctx.config
    train = ctx.features("train", cols)
    is_cat = ctx.emb.is_cat[ctx.feature_mask(cols)]
    syn_rows = ctx.sample(col.n_synthetic, qcap, _SYN_QUERY)
    hold_rows = ctx.sample(col.n_holdout, qcap, _HOLD_QUERY)
    syn_d, syn_i = nearest(ctx.features("synthetic", cols)[syn_rows], train, is_cat, k=2)
    hold_d, _ = nearest(ctx.features("holdout", cols)[hold_rows], train, is_cat, k=2)
    syn_ratio, hold_ratio = _ratio(syn_d), _ratio(hold_d)
    cut = float(np.percentile(hold_ratio, NNDR_PERCENTILE))
    violating, baseline = _below(syn_ratio, cut), float(_below(hold_ratio, cut).mean())
    value = float(violating.mean())
    trials = min(len(syn_rows), len(hold_rows))  # the cut is a percentile of this many holdout rows
    z = (value - cfg.nndr_violation_share_max) / math.sqrt(max(value * (1 - value), 1e-12) / max(trials, 1))
    passed = not (value > cfg.nndr_violation_share_max and z > cfg.nndr_z_min)
    order = np.flatnonzero(violating)[np.argsort(syn_ratio[violating], kind="stable")]
    offenders = np.column_stack([syn_rows[order], syn_i[order, 0]])
    detail = (
        f"NNDR violation share {value:.3f} {_op(value > cfg.nndr_violation_share_max)} threshold {cfg.nndr_violation_share_max:.3f} "
        f"with z {z:.2f} {_op(z > cfg.nndr_z_min)} {cfg.nndr_z_min:.2f} "
        f"({int(violating.sum())} of {len(syn_rows)} synthetic rows below the holdout's {NNDR_PERCENTILE:g}th "
        f"percentile ratio {cut:.3f}, a percentile of {len(hold_rows)} holdout rows; holdout baseline {baseline:.3f})"
    )
    return _Result(Metric("nndr", value, baseline, cfg.nndr_violation_share_max, passed, detail), value, offenders)


def _ratio(dist: np.ndarray) -> np.ndarray:
    d1, d2 = dist[:, 0], dist[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(d2 > 0, d1 / d2, 1.0)
    return np.where(np.isfinite(ratio), ratio, 0.0)


def _below(ratio: np.ndarray, cut: float) -> np.ndarray:
    """Strictly below the holdout's percentile, as the rule says. When that percentile
    is 0 (over 5% of real rows equal a unique training row: discrete data), nothing
    is below it: exact matches are what the exact_copies metric gates, against the
    holdout's own copy rate."""
    return ratio < cut


def _identifiability(ctx: _Context, cols: np.ndarray, qcap: int) -> _Result:
    col, cfg = ctx.col, ctx.config
    size = min(col.n_train, col.n_holdout)
    mask = ctx.feature_mask(cols)
    weights = ctx.weights[ctx.emb.owner[mask]]
    synthetic = ctx.features("synthetic", cols)[ctx.sample(col.n_synthetic, col.n_train, _SYN_REF)]
    sets = (("train", _TRAIN_SUB, _ID_TRAIN, col.n_train), ("holdout", _HOLD_SUB, _ID_HOLD, col.n_holdout))
    shares = []
    for part, sub, purpose, n in sets:
        real = ctx.features(part, cols)[ctx.sample(n, size, sub)]
        queries = ctx.sample(size, qcap, purpose)
        shares.append(_identified(real, queries, synthetic, ctx.emb.is_cat[mask], weights))
    i_train, i_hold = shares
    gap, thr = i_train - i_hold, cfg.identifiability_gap_max
    n_q = len(ctx.sample(size, qcap, _ID_TRAIN))
    z = _gap_z(gap - thr, i_train, i_hold, n_q)
    passed = not (gap > thr and z > cfg.identifiability_z_min)
    detail = (
        f"identifiability gap {gap:.3f} {_op(gap > thr)} threshold {thr:.3f} "
        f"with z {z:.2f} {_op(z > cfg.identifiability_z_min)} {cfg.identifiability_z_min:.2f} "
        f"(I(train)={i_train:.3f}, I(holdout)={i_hold:.3f}, {n_q} of {size} rows each)"
    )
    return _Result(
        Metric("identifiability", gap, i_hold, cfg.identifiability_gap_max, passed, detail), gap, np.empty((0, 2), int)
    )


def _gap_z(excess: float, p_train: float, p_hold: float, n: int) -> float:
    """z of ``excess`` (gap minus threshold) against the pooled standard error of a difference
    of two proportions (pooled: an estimate of exactly 1.0 on 15 rows must not look certain)."""
    pooled = (p_train + p_hold) / 2
    se = math.sqrt(2 * pooled * (1 - pooled) / max(n, 1))
    if se > 0:
        return excess / se
    return math.inf if excess > 0 else -math.inf if excess < 0 else 0.0


def _identified(real: np.ndarray, queries: np.ndarray, synthetic: np.ndarray, is_cat: np.ndarray, weights: np.ndarray) -> float:
    """Share of the query rows of ``real`` nearer to a synthetic row than to another row of ``real``."""
    to_syn = nearest(real[queries], synthetic, is_cat, weights=weights)[0][:, 0]
    to_real = nearest(real[queries], real, is_cat, weights=weights, exclude=queries)[0][:, 0]
    return float(np.mean(to_syn < to_real)) if len(queries) else 0.0


# -- offending rows and driving columns --------------------------------------------------------


def _offending(results: list[_Result], cap: int | None = MAX_OFFENDING) -> tuple[tuple[int, int], ...]:
    """Copies first, then NNDR violations when that metric failed; each synthetic row once."""
    seen: set[int] = set()
    out: list[tuple[int, int]] = []
    for result in results:
        if result.metric.name == "nndr" and result.metric.passed:
            continue
        for syn_row, train_row in result.offenders.tolist():
            if syn_row not in seen and (cap is None or len(out) < cap):
                seen.add(syn_row)
                out.append((int(syn_row), int(train_row)))
    return tuple(out)


def _driving(ctx: _Context, failing: tuple[str, ...]) -> tuple[str, ...]:
    """Columns whose removal lowers the failing metrics most (leave one column out)."""
    names = ctx.col.names
    if len(names) == 1:
        return names
    every = np.arange(len(names))
    qcap = min(ctx.config.max_query_rows, LOO_QUERY_ROWS)
    scores = np.zeros(len(names))
    for name in failing:
        full = _rerun(name, ctx, every, qcap)
        without = np.array([_rerun(name, ctx, np.delete(every, j), qcap) for j in every])
        scores += (full - without) / max(abs(full), 1e-9)
    order = np.argsort(-scores, kind="stable")
    return tuple(names[j] for j in order[:MAX_DRIVING] if scores[j] > 0)


def _rerun(name: str, ctx: _Context, cols: np.ndarray, qcap: int) -> float:
    if name == "exact_copies":
        return _exact_copies(ctx, cols).excess
    run = {"dcr_share": _dcr_share, "nndr": _nndr, "identifiability": _identifiability}[name]
    return run(ctx, cols, qcap).excess


def _op(exceeds: bool) -> str:
    return ">" if exceeds else "<="


def _num(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
