"""Values of a date, number-with-unit or vocabulary-list text column (:mod:`provisioner.model.textforms`).

Both read the row's category that decides them (a movie's duration is in minutes) from the frame the column
model sampled, and draw everything else from the learnt quantiles, shares and vocabulary, vectorised.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from provisioner.model.textforms import DateText, ListText, UnitText

CHUNK = 20_000  # rows a list's random keys are drawn for at once (rows x vocabulary floats)


def generate(rule: UnitText | ListText | DateText, frame: pd.DataFrame, n: int, rng: np.random.Generator) -> np.ndarray:
    if isinstance(rule, DateText):
        return _dates(rule, n, rng)
    return _units(rule, frame, n, rng) if isinstance(rule, UnitText) else _lists(rule, frame, n, rng)


def _dates(rule: DateText, n: int, rng: np.random.Generator) -> np.ndarray:
    quantiles = np.asarray(rule.quantiles, dtype=float)
    days = np.round(np.interp(rng.random(n), np.linspace(0, 1, len(quantiles)), quantiles))
    when = pd.Series(pd.Timestamp("1970-01-01") + pd.to_timedelta(days, unit="D"))
    width = 2 if rule.padded else 1
    parts = {"%B": when.dt.month_name(), "%b": when.dt.month_name().str[:3], "%Y": when.dt.year.astype(str),
             "%d": when.dt.day.astype(str).str.zfill(width), "%m": when.dt.month.astype(str).str.zfill(width)}
    out = pd.Series("", index=when.index, dtype=object)
    for token in re.split(r"(%[BbdmY])", rule.format):
        out = out + (parts[token] if token in parts else token)
    return out.to_numpy(dtype=object)


def _groups(by: str | None, table: Mapping[str, tuple[float, ...]] | None, overall: tuple[float, ...], frame: pd.DataFrame, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Row positions and the weights they are drawn with: per value of ``by`` where it was learnt and sampled."""
    if by is None or table is None or by not in frame or len(frame) != n:
        return [(np.arange(n), _normal(overall))]
    values = frame[by].astype(str).to_numpy()
    known = np.isin(values, list(table))
    out = [(np.flatnonzero(values == k), _normal(w)) for k, w in table.items() if sum(w) > 0]
    return [g for g in out if len(g[0])] + ([(np.flatnonzero(~known), _normal(overall))] if (~known).any() else [])


def _normal(weights: tuple[float, ...]) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return p / p.sum() if p.sum() > 0 else np.full(len(p), 1.0 / len(p))


def _units(rule: UnitText, frame: pd.DataFrame, n: int, rng: np.random.Generator) -> np.ndarray:
    stem = np.zeros(n, dtype=np.int64)
    for at, p in _groups(rule.by, rule.by_shares, rule.shares, frame, n):
        stem[at] = rng.choice(len(p), size=len(at), p=p)
    quantiles = np.asarray(rule.quantiles, dtype=float)
    grid = np.linspace(0, 1, quantiles.shape[1])
    u = rng.random(n)
    numbers = np.empty(n)
    for s in range(len(rule.stems)):
        at = np.flatnonzero(stem == s)
        numbers[at] = np.interp(u[at], grid, quantiles[s])
    numbers = np.round(numbers, rule.decimals)
    singular = np.array([f[0] for f in rule.forms], dtype=object)[stem]
    plural = np.array([f[1] for f in rule.forms], dtype=object)[stem]
    unit = np.where(numbers == 1, singular, plural) if rule.singular_for_one else plural
    text = np.char.mod(f"%.{rule.decimals}f", numbers).astype(object)
    return text + rule.separator + unit


def _lists(rule: ListText, frame: pd.DataFrame, n: int, rng: np.random.Generator) -> np.ndarray:
    vocabulary = np.array(rule.vocabulary, dtype=object)
    lengths = rng.choice(np.arange(1, len(rule.lengths) + 1), size=n, p=_normal(rule.lengths))
    out = np.empty(n, dtype=object)
    for at, p in _groups(rule.by, rule.by_weights, rule.weights, frame, n):
        usable = int((p > 0).sum())
        for start in range(0, len(at), CHUNK):
            rows = at[start:start + CHUNK]
            keys = np.log(np.where(p > 0, p, 1e-300))[None, :] - np.log(-np.log(rng.random((len(rows), len(p)))))  # Gumbel top-k: no repeats
            order = np.argsort(-keys, axis=1)
            k = np.minimum(lengths[rows], max(usable, 1))
            for size in np.unique(k):
                which = np.flatnonzero(k == size)
                words = vocabulary[order[which, :size]]
                words = np.sort(words, axis=1) if rule.ordered else words
                joined = words[:, 0].copy()
                for j in range(1, int(size)):
                    joined = joined + rule.separator + words[:, j]
                out[rows[which]] = joined
    return out
