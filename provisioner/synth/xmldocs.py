"""Synthetic XML documents from an :class:`provisioner.model.xmlshape.XmlShape`: a template drawn by its
share, every leaf made afresh (numbers and dates in the source's range, categories by share, English
words), escaped for XML. Never a source document: only templates (structure) and aggregates were kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
from faker import Faker

from provisioner.model.xmlshape import SLOT, Leaf, XmlShape

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"}


def documents(shape: XmlShape, n: int, rng: np.random.Generator, fake: Faker) -> np.ndarray:
    """``n`` documents shaped like the column's."""
    out = np.empty(n, dtype=object)
    shares = np.array([s for _, s in shape.templates], dtype=float)
    picks = rng.choice(len(shares), size=n, p=shares / shares.sum())
    nouns = np.array(sorted(set(fake.get_words_list(part_of_speech="noun"))), dtype=object)
    for t, ((template, _), leaves) in enumerate(zip(shape.templates, shape.leaves)):
        rows = np.flatnonzero(picks == t)
        if not len(rows):
            continue
        pieces = template.split(SLOT)
        made = [_values(leaf, len(rows), rng, nouns) for leaf in leaves]
        out[rows] = ["".join(p + (_escape(made[k][i]) if k < len(made) else "") for k, p in enumerate(pieces)) for i in range(len(rows))]
    return out


def _escape(value: str) -> str:
    return "".join(_ESCAPES.get(ch, ch) for ch in value)


def _digits(layout: str, rng: np.random.Generator) -> str:
    digits = iter(rng.integers(0, 10, layout.count("9")))
    return "".join(str(next(digits)) if ch == "9" else ch for ch in layout)


def _values(leaf: Leaf, n: int, rng: np.random.Generator, nouns: np.ndarray) -> list[str]:
    if leaf.kind == "number":
        drawn = rng.uniform(leaf.low, leaf.high, n) if leaf.high > leaf.low else np.full(n, leaf.low)
        return [f"{v:.{leaf.decimals}f}" for v in drawn]
    if leaf.kind == "date":
        days = rng.integers(int(leaf.low), int(leaf.high) + 1, n)
        return [(pd.Timestamp(0) + pd.Timedelta(days=int(d))).strftime("%Y-%m-%d") + leaf.suffix for d in days]
    if leaf.kind in ("category", "digits"):
        values = np.array([v for v, _ in leaf.values], dtype=object)
        shares = np.array([s for _, s in leaf.values], dtype=float)
        drawn = [str(v) for v in values[rng.choice(len(values), size=n, p=shares / shares.sum())]]
        return drawn if leaf.kind == "category" else [_digits(layout, rng) for layout in drawn]
    counts = rng.integers(int(leaf.low), int(leaf.high) + 1, n)
    return [" ".join(nouns[rng.integers(0, len(nouns), int(k))]).capitalize() for k in counts]
