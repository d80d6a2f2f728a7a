"""Text keys that are a counter behind a fixed prefix: ``s1``, ``s2``, ... or ``INV-00017``.

The text key shape keeps a shared prefix only up to its last punctuation (``cus_`` of Stripe-style ids) and
draws random characters after it, so ``s1`` ... ``s8807`` became ``961``, ``72s``, ``9ss``: no longer the
source's form. :func:`counter_of` finds the form every source key has (one non-digit prefix, then a number:
without leading zeros, or zero-padded to one width) and :func:`counter_keys` counts on from the smallest
number, as an integer key does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_KEYS = 20  # keys needed to tell a convention from chance
_FORM = r"^(\D+)(\d+)$"


def counter_of(values: pd.Series) -> tuple[str, int, int] | None:
    """(prefix, first number, zero-padded width or 0) when every key is one prefix and a counter, else None."""
    parts = values.astype(str).str.extract(_FORM)
    if len(parts) < MIN_KEYS or parts[0].isna().any() or parts[0].nunique() != 1:
        return None
    digits = parts[1]
    widths = digits.str.len()
    plain = bool(((widths == 1) | ~digits.str.startswith("0")).all())  # no leading zeros: not padded
    if not plain and widths.nunique() != 1:
        return None
    return str(parts[0].iloc[0]), int(digits.astype(np.int64).min()), 0 if plain else int(widths.iloc[0])


def counter_keys(prefix: str, start: int, width: int, n: int) -> np.ndarray:
    numbers = pd.Series(np.arange(start, start + n, dtype=np.int64)).astype(str)
    return (prefix + (numbers.str.zfill(width) if width else numbers)).to_numpy(dtype=object)
