"""Re-identification risk on quasi-identifiers, in the manner of anonymeter (Giomi et al., 2022).

For a table with ``privacy.quasi_identifiers`` configured, three attacks are
run with the synthetic rows as the attacker's knowledge, each twice: against
training rows (the people whose privacy is at stake) and, as the control,
against holdout rows (people the generator never saw). The training side is a
seeded subsample of the holdout's size, so both sides are equally hard.

``singling_out``
    Each sampled synthetic row becomes a predicate on the quasi-identifiers
    (categories equal, numbers within :data:`PREDICATE_TOLERANCE` of the
    column's scaled range). It succeeds when exactly one real row satisfies it.
``linkability``
    The quasi-identifiers are split in two halves. A real row is linked when
    its nearest synthetic row on the first half is also its nearest on the
    second: the synthetic data joins two partial views of one person. (Ties go
    to the lowest synthetic row, so coarse halves, e.g. one small category,
    link little: choose quasi-identifiers with some resolution on each side.)
``inference``
    For every learnt column outside the quasi-identifiers (the secret), the
    nearest synthetic row on the quasi-identifiers guesses the real row's
    value; right when equal, or numerically within :data:`TOLERANCE`. The
    reported value is the worst secret.

Risk is ``(main - control) / (1 - control)`` of the success rates. Its lower
95% bound uses Wilson intervals (main low, control high); the table fails when
that bound exceeds ``privacy.quasi_identifier_risk_max`` (0.05). Nothing here
reports a data value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from provisioner.config import PrivacyConfig
from provisioner.privacy.distances import embed, nearest, prepare
from provisioner.privacy.metrics import Metric

ATTACKS = 500  # real rows (and synthetic predicates) per attack and side
TOLERANCE = 0.05  # inference: a numeric guess within 5% of the column's 1st-99th percentile range is right
PREDICATE_TOLERANCE = 0.01  # singling out: a numeric predicate matches within 1% of that range
MAX_SECRETS = 5
Z95 = 1.96


@dataclass(frozen=True)
class _Data:
    train: np.ndarray  # embedded features, train subsample of the holdout's size
    holdout: np.ndarray
    synthetic: np.ndarray
    owner: np.ndarray
    is_cat: np.ndarray
    names: tuple[str, ...]

    def cols(self, names: Sequence[str]) -> np.ndarray:
        return np.isin(self.owner, [self.names.index(n) for n in names])


def quasi_identifier_metrics(
    train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame, kinds: Mapping[str, str],
    quasi: Sequence[str], config: PrivacyConfig, seed: int = 0,
) -> tuple[Metric, ...]:
    """The three attacks on one table; ``quasi`` are learnt columns of the frames."""
    quasi = [str(c) for c in quasi if c in train.columns]
    if not quasi or min(len(train), len(holdout), len(synthetic)) < 2:
        return ()
    data = _data(train, holdout, synthetic, kinds, seed)
    rng = np.random.default_rng([seed % 2**63, 99])
    secrets = [n for n in data.names if n not in quasi][:MAX_SECRETS]
    out = [_singling_out(data, quasi, rng, config)]
    if len(quasi) >= 2:
        out.append(_linkability(data, quasi, rng, config))
    if secrets:
        out.append(_inference(data, quasi, secrets, rng, config))
    return tuple(out)


def _data(train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame, kinds: Mapping[str, str], seed: int) -> _Data:
    col = prepare((train, holdout, synthetic), kinds, list(train.columns))
    emb = embed(col)
    rng = np.random.default_rng([seed % 2**63, 98])
    size = min(col.n_train, col.n_holdout)
    sub = np.sort(rng.choice(col.n_train, size, replace=False))
    values = emb.values
    return _Data(values[col.part("train")][sub], values[col.part("holdout")], values[col.part("synthetic")],
                 emb.owner, emb.is_cat, col.names)


def _rows(n: int, rng: np.random.Generator) -> np.ndarray:
    return np.sort(rng.choice(n, min(n, ATTACKS), replace=False))


def _matches(query: np.ndarray, refs: np.ndarray, is_cat: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """(len(query), len(refs)) booleans: every column of the row matches (categories equal, numbers close)."""
    ok = np.ones((len(query), len(refs)), dtype=bool)
    for j in np.unique(owner):
        feats = owner == j
        if is_cat[feats].any():
            ok &= (query[:, feats][:, None, :] == refs[:, feats][None, :, :]).all(axis=2)
        else:
            diff = np.abs(query[:, feats][:, None, :] - refs[:, feats][None, :, :]).sum(axis=2)
            ok &= diff <= PREDICATE_TOLERANCE
    return ok


def _singling_out(data: _Data, quasi: Sequence[str], rng: np.random.Generator, config: PrivacyConfig) -> Metric:
    mask = data.cols(quasi)
    predicates = data.synthetic[_rows(len(data.synthetic), rng)][:, mask]
    args = (data.is_cat[mask], data.owner[mask])
    main = int((_matches(predicates, data.train[:, mask], *args).sum(axis=1) == 1).sum())
    control = int((_matches(predicates, data.holdout[:, mask], *args).sum(axis=1) == 1).sum())
    return _metric("singling_out", main, control, len(predicates), config, f"{len(predicates)} synthetic predicates on {', '.join(quasi)}")


def _linkability(data: _Data, quasi: Sequence[str], rng: np.random.Generator, config: PrivacyConfig) -> Metric:
    half = len(quasi) // 2
    left, right = data.cols(quasi[:half]), data.cols(quasi[half:])

    def linked(real: np.ndarray) -> int:
        a = nearest(real[:, left], data.synthetic[:, left], data.is_cat[left])[1][:, 0]
        b = nearest(real[:, right], data.synthetic[:, right], data.is_cat[right])[1][:, 0]
        return int((a == b).sum())

    rows = _rows(len(data.train), rng)
    what = f"{len(rows)} real rows, {', '.join(quasi[:half])} | {', '.join(quasi[half:])}"
    return _metric("linkability", linked(data.train[rows]), linked(data.holdout[rows]), len(rows), config, what)


def _inference(data: _Data, quasi: Sequence[str], secrets: Sequence[str], rng: np.random.Generator, config: PrivacyConfig) -> Metric:
    mask = data.cols(quasi)
    rows = _rows(len(data.train), rng)
    guesses = {part: nearest(real[rows][:, mask], data.synthetic[:, mask], data.is_cat[mask])[1][:, 0]
               for part, real in (("train", data.train), ("holdout", data.holdout))}
    worst: Metric | None = None
    for secret in secrets:
        feats = data.cols([secret])
        main = _guessed(data.train[rows][:, feats], data.synthetic[guesses["train"]][:, feats], data.is_cat[feats])
        control = _guessed(data.holdout[rows][:, feats], data.synthetic[guesses["holdout"]][:, feats], data.is_cat[feats])
        metric = _metric("inference", main, control, len(rows), config, f"secret {secret} from {', '.join(quasi)}")
        if worst is None or metric.value > worst.value:
            worst = metric
    assert worst is not None
    return worst


def _guessed(real: np.ndarray, guess: np.ndarray, is_cat: np.ndarray) -> int:
    if is_cat.any():
        return int((real == guess).all(axis=1).sum())
    return int((np.abs(real - guess).sum(axis=1) <= TOLERANCE).sum())


def wilson(successes: int, trials: int) -> tuple[float, float]:
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    centre = (p + Z95**2 / (2 * trials)) / (1 + Z95**2 / trials)
    half = Z95 * math.sqrt(p * (1 - p) / trials + Z95**2 / (4 * trials**2)) / (1 + Z95**2 / trials)
    return max(0.0, centre - half), min(1.0, centre + half)


def _metric(name: str, main: int, control: int, trials: int, config: PrivacyConfig, what: str) -> Metric:
    rate, base = main / max(trials, 1), control / max(trials, 1)
    risk = (rate - base) / (1 - base) if base < 1 else 0.0
    main_low, _ = wilson(main, trials)
    _, control_high = wilson(control, trials)
    low = (main_low - control_high) / (1 - control_high) if control_high < 1 else 0.0
    limit = config.quasi_identifier_risk_max
    passed = low <= limit
    detail = (f"{name.replace('_', ' ')} risk {risk:.3f}, lower 95% bound {low:.3f} {'>' if not passed else '<='} "
              f"threshold {limit:.3f} (attack {rate:.3f} on training rows, control {base:.3f} on holdout rows; {what})")
    return Metric(name, risk, base, limit, passed, detail)
