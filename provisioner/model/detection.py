"""Can a classifier tell synthetic rows from real ones? And is a model trained on them useful?

:func:`detect` is a classifier two-sample test: a gradient-boosting classifier
(scikit-learn's ``HistGradientBoostingClassifier``) learns to tell real rows
(label 0) from synthetic ones (label 1) on the same columns, and its 5-fold
cross-validated ROC AUC is the score: 0.5 means indistinguishable, 1.0 means
every synthetic row gives itself away. Both sides are subsampled to the same
number of rows. Permutation importance (the AUC lost when one feature's values
are shuffled in the test fold) names the features that give synthetic rows away.

Datetimes are three features each, because the giveaways a person sees first
are calendar ones: the instant (seconds since 1970), the day of the week and
the time of day (a date-only column has time 0 on every real row).

:func:`tstr` is "train on synthetic, test on real": a gradient-boosting model
predicting one target column, trained once on synthetic rows and once on real
training rows, both scored on the same real holdout rows (accuracy for a
category, R² for a number).

Only aggregates come out: scores and feature names, never a row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from provisioner.columns.codec import to_numbers, without_specials

FOLDS = 5
MAX_ROWS = 20_000  # rows per side
MAX_CODES = 250  # categories with their own code; rarer ones share one (HistGradientBoosting bins)
TOP_FEATURES = 5
DAY = 86_400.0


@dataclass(frozen=True)
class Detection:
    """The classifier test of one table: its AUC, per fold, and the features that gave rows away."""

    auc: float
    folds: tuple[float, ...]
    rows: int  # per side
    features: tuple[str, ...]
    importance: tuple[tuple[str, float], ...]  # (feature, mean AUC lost when shuffled), largest first

    def to_dict(self) -> dict[str, Any]:
        return {"auc": round(self.auc, 4), "auc_folds": [round(f, 4) for f in self.folds], "rows": self.rows,
                "features": list(self.features),
                "giveaways": [{"feature": f, "auc_drop": round(v, 4)} for f, v in self.importance[:TOP_FEATURES]]}


@dataclass(frozen=True)
class Utility:
    """Train on synthetic, test on real (TSTR) against train on real (TRTR), for one target column."""

    target: str
    task: str  # "classification" (accuracy) | "regression" (R²)
    synthetic: float  # TSTR score
    real: float  # TRTR score
    rows: int  # real holdout rows scored

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "task": self.task, "tstr": round(self.synthetic, 4), "trtr": round(self.real, 4),
                "ratio": round(self.synthetic / self.real, 4) if self.real > 0 else None, "holdout_rows": self.rows}


def features(frame: pd.DataFrame, kinds: Mapping[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """Numeric features of ``frame``'s columns (``kinds``: numeric, datetime, boolean, categorical);
    categorical ones left as values (coded by :func:`_codes` over real and synthetic together).
    Returns the frame and the names of its categorical features."""
    out: dict[str, pd.Series] = {}
    categorical: list[str] = []
    for name, kind in kinds.items():
        series = frame[name].reset_index(drop=True)
        if kind == "datetime":
            stamps = pd.to_datetime(without_specials(series), errors="coerce", utc=True).dt.tz_localize(None)
            seconds = (stamps - pd.Timestamp(0)).dt.total_seconds()
            out[name] = seconds
            out[f"{name}:weekday"] = stamps.dt.dayofweek.astype(float)
            out[f"{name}:time_of_day"] = seconds % DAY
        elif kind in ("numeric", "boolean"):
            values = to_numbers(series.astype(object).where(series.notna(), None)).astype(float)
            out[name] = values.where(np.isfinite(values))  # NaN and infinity (special values) as missing
        else:
            out[name] = series.astype(object).where(series.notna(), None).map(lambda v: None if v is None else str(v))
            categorical.append(name)
    return pd.DataFrame(out), categorical


def _codes(real: pd.Series, synthetic: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Category codes shared by both sides; the MAX_CODES most frequent real values own one each."""
    ranked = real.value_counts().index[:MAX_CODES]
    index = {v: i for i, v in enumerate(ranked)}
    other = float(len(ranked))

    def code(s: pd.Series) -> np.ndarray:
        return s.map(lambda v: np.nan if v is None else index.get(v, other)).to_numpy(dtype=float)

    return code(real), code(synthetic)


def _matrix(real: pd.DataFrame, synthetic: pd.DataFrame, categorical: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X real, X synthetic, categorical mask) with categories coded consistently."""
    xr, xs = real.copy(), synthetic.copy()
    for name in categorical:
        xr[name], xs[name] = _codes(real[name], synthetic[name])
    mask = np.array([c in categorical for c in real.columns], dtype=bool)
    return xr.to_numpy(dtype=float), xs.to_numpy(dtype=float), mask


def _classifier(mask: np.ndarray, seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        categorical_features=mask if mask.any() else None, random_state=seed % (2**32), max_iter=100, early_stopping=True,
    )


def _balanced(real: pd.DataFrame, synthetic: pd.DataFrame, rng: np.random.Generator, cap: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = min(len(real), len(synthetic), cap)
    pick = lambda f: f.iloc[np.sort(rng.choice(len(f), n, replace=False))].reset_index(drop=True) if len(f) > n else f.reset_index(drop=True)  # noqa: E731
    return pick(real), pick(synthetic)


def detect(
    real: pd.DataFrame, synthetic: pd.DataFrame, kinds: Mapping[str, str], seed: int = 0,
    folds: int = FOLDS, max_rows: int = MAX_ROWS, importance: bool = True, group: str | None = None,
) -> Detection | None:
    """The cross-validated AUC of telling ``synthetic`` rows from ``real`` ones on ``kinds``' columns
    (None when there is nothing to compare: no column, or too few rows for ``folds`` folds).

    ``group`` names a column of both frames (a row's parent): rows of one group are never split
    between the folds a classifier learns from and the fold it is tested on, so it cannot win by
    recognising a parent it has seen (its exact values, repeated over its children)."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng([seed % (2**32), 17])
    real, synthetic = _balanced(real, synthetic, rng, max_rows)
    if not kinds or len(real) < 2 * folds:
        return None
    groups = None
    if group is not None and group in real and group in synthetic:
        groups = np.concatenate([("r:" + real[group].astype(str)).to_numpy(), ("s:" + synthetic[group].astype(str)).to_numpy()])
        if len(np.unique(groups[: len(real)])) < folds or len(np.unique(groups[len(real):])) < folds:
            return None
    fr, categorical = features(real, kinds)
    fs, _ = features(synthetic, kinds)
    xr, xs, mask = _matrix(fr, fs, categorical)
    x = np.vstack([xr, xs])
    y = np.concatenate([np.zeros(len(xr)), np.ones(len(xs))])
    names = list(fr.columns)
    scores, drops = [], np.zeros(len(names))
    if groups is None:
        folds_of = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed % (2**32)).split(x, y)
    else:
        folds_of = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed % (2**32)).split(x, y, groups)
    with threadpool_limits(1):  # small data: threads only contend (a fit is 5x slower on a busy 2-core machine)
        for k, (fit_rows, test_rows) in enumerate(folds_of):
            model = _classifier(mask, seed + k).fit(_no_empty_features(x[fit_rows]), y[fit_rows])
            base = roc_auc_score(y[test_rows], model.predict_proba(x[test_rows])[:, 1])
            scores.append(float(base))
            if importance:
                drops += _drops(model, x[test_rows], y[test_rows], base, rng)
    ranked = sorted(zip(names, drops / folds), key=lambda p: -p[1]) if importance else []
    return Detection(float(np.mean(scores)), tuple(scores), len(xr), tuple(names), tuple((n, float(v)) for n, v in ranked))


def _no_empty_features(x: np.ndarray) -> np.ndarray:
    """``x`` with a feature that is missing on every row (a column NULL throughout, on both sides or in one
    fold's rows) made a constant 0: scikit-learn's binning fails on a feature with no value at all, and such a
    feature tells the classifier nothing either way."""
    empty = np.isnan(x).all(axis=0)
    if not empty.any():
        return x
    out = x.copy()
    out[:, empty] = 0.0
    return out


def _drops(model: Any, x: np.ndarray, y: np.ndarray, base: float, rng: np.random.Generator) -> np.ndarray:
    """AUC lost when each feature's test values are shuffled (permutation importance)."""
    from sklearn.metrics import roc_auc_score

    out = np.zeros(x.shape[1])
    for j in range(x.shape[1]):
        shuffled = x.copy()
        shuffled[:, j] = rng.permutation(shuffled[:, j])
        out[j] = base - roc_auc_score(y, model.predict_proba(shuffled)[:, 1])
    return out


def choose_target(frame: pd.DataFrame, kinds: Mapping[str, str]) -> str | None:
    """A target column when the config names none: the category (or boolean) with the fewest
    classes (2 to 50) whose commonest class is under 95% of the rows, else the number with the
    most distinct values; datetimes never."""
    best: tuple[int, str] | None = None
    for name, kind in kinds.items():
        if kind not in ("categorical", "boolean"):
            continue
        counts = frame[name].astype(object).value_counts(dropna=True)
        if 2 <= len(counts) <= 50 and counts.iloc[0] < 0.95 * counts.sum() and (best is None or len(counts) < best[0]):
            best = (len(counts), name)
    if best is not None:
        return best[1]
    numbers = [(frame[n].nunique(), n) for n, k in kinds.items() if k == "numeric" and frame[n].nunique() >= 5]
    return max(numbers)[1] if numbers else None


def tstr(
    synthetic: pd.DataFrame, train: pd.DataFrame, holdout: pd.DataFrame, kinds: Mapping[str, str], target: str, seed: int = 0,
) -> Utility | None:
    """Score a model of ``target`` trained on ``synthetic`` and one trained on ``train`` (real), both on
    ``holdout`` (real rows neither saw). None when the holdout or a training side is too small."""
    usable = [f for f in (synthetic, train, holdout) if target in f]
    if len(usable) < 3 or min(len(synthetic), len(train)) < 10 or len(holdout) < 10:
        return None
    task = "regression" if kinds[target] in ("numeric", "datetime") else "classification"
    inputs = {c: k for c, k in kinds.items() if c != target}
    y = [_target(f[target], kinds[target]) for f in (synthetic, train, holdout)]
    keep = [_present(v) for v in y]  # NULLs and special values (infinity, NaN) are not predicted
    frames = [f.reset_index(drop=True).loc[k] for f, k in zip((synthetic, train, holdout), keep)]
    ys = [v[k] for v, k in zip(y, keep)]
    if min(len(f) for f in frames) < 10:
        return None
    if not inputs:
        return None
    encoded = [features(f, inputs) for f in frames]
    categorical = encoded[0][1]
    xs = [e[0] for e in encoded]
    for name in categorical:
        ranked = xs[1][name].value_counts().index[:MAX_CODES]
        index = {v: i for i, v in enumerate(ranked)}
        for x in xs:
            x[name] = x[name].map(lambda v: np.nan if v is None else index.get(v, float(len(ranked)))).astype(float)
    mask = np.array([c in categorical for c in xs[0].columns], dtype=bool)
    from threadpoolctl import threadpool_limits

    arrays = [np.where(np.isfinite(x.to_numpy(float)), x.to_numpy(float), np.nan) for x in xs]  # infinity as missing
    with threadpool_limits(1):
        scores = [_fit_score(task, arrays[side], ys[side], arrays[2], ys[2], mask, seed) for side in (0, 1)]
    return Utility(target, task, scores[0], scores[1], len(xs[2]))


def _present(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind == "f":
        return np.isfinite(values)
    return ~pd.isna(values)


def _target(series: pd.Series, kind: str) -> np.ndarray:
    if kind == "datetime":
        return (pd.to_datetime(series, errors="coerce", utc=True) - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(dtype=float)
    if kind == "numeric":
        return to_numbers(series).to_numpy(dtype=float)
    return series.astype(object).where(series.notna(), None).map(lambda v: None if v is None else str(v)).to_numpy(dtype=object)


def _fit_score(task: str, x: np.ndarray, y: np.ndarray, x_test: np.ndarray, y_test: np.ndarray, mask: np.ndarray, seed: int) -> float:
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )
    from sklearn.metrics import accuracy_score, r2_score

    cats = mask if mask.any() else None
    x = _no_empty_features(x)
    if task == "regression":
        model = HistGradientBoostingRegressor(categorical_features=cats, random_state=seed % (2**32)).fit(x, y)
        return float(r2_score(y_test, model.predict(x_test)))
    if len(set(y)) < 2:
        return float(np.mean(y_test == y[0]))
    model = HistGradientBoostingClassifier(categorical_features=cats, random_state=seed % (2**32)).fit(x, y)
    return float(accuracy_score(y_test, model.predict(x_test)))
