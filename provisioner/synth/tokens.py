"""Fresh tokens in a column's format (:class:`provisioner.model.tokens.TokenShape`): the constant segments
as they are, the others random characters of their alphabet at a length drawn by share, between their
prefix and suffix. A source value is never used: the shape holds none."""

from __future__ import annotations

import numpy as np
import pandas as pd

from provisioner.model.relations import counters
from provisioner.model.tokens import Segment, TokenShape, draw_lengths


def generate(shape: TokenShape, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` values in ``shape``'s format."""
    columns = [_segment(segment, n, rng) for segment in shape.segments]
    out = columns[0]
    for separator, column in zip(shape.separators, columns[1:]):
        out = out + separator + column
    return out.astype(object)


def generate_unique(shape: TokenShape, n: int, rng: np.random.Generator, rounds: int = 20) -> np.ndarray:
    """``n`` values in ``shape``'s format, repeats drawn again (a UNIQUE code keeps its length and alphabet;
    a suffix would break a CHECK on its length); repeats left after ``rounds`` are the caller's to resolve."""
    out = generate(shape, n, rng)
    for _ in range(rounds):
        repeated = pd.Series(out).duplicated().to_numpy()
        if not repeated.any():
            break
        out[repeated] = generate(shape, int(repeated.sum()), rng)
    return out


def _segment(segment: Segment, n: int, rng: np.random.Generator) -> np.ndarray:
    if segment.constant is not None:
        return np.full(n, segment.constant, dtype=object)
    if segment.counter is not None:  # a sequence's names, counted on, as a text key is (counters.py)
        return counters.counter_keys(segment.prefix, segment.counter, segment.lengths[0], n) + segment.suffix
    lengths = draw_lengths(segment, n, rng)
    alphabet = np.array(list(segment.alphabet), dtype=object)
    width = int(lengths.max()) if n else 0
    chars = alphabet[rng.integers(0, len(alphabet), size=(n, width))] if width else np.empty((n, 0), dtype=object)
    middles = np.array(["".join(row[:k]) for row, k in zip(chars.tolist(), lengths.tolist())], dtype=object)
    return segment.prefix + middles + segment.suffix
