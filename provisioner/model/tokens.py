"""The format of token-like text: password hashes, API keys, reference codes, tracking numbers.

A column of values such as ``pbkdf2_sha256$600000$<salt>$<hash>`` or ``INV-2024-00017`` is free text to
the profile (too many distinct values to learn), so it used to be filled with English words
("Combination"), and every login form, parser and regular expression that reads it broke. :func:`learn`
keeps the format: the separators every value has the same number of, in the same order, split each
value into segments; a segment that is the same on every row is kept (the algorithm name, the
iteration count: shared by every row, never a record), the others keep their alphabet (digits,
hexadecimal, letters by case, the punctuation seen), their lengths by share, and a prefix or suffix
every value has. Synthetic values are drawn fresh from that (synth/tokens.py); no source value is kept.
"""

from __future__ import annotations

import os
import re
import string
from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_ROWS = 20
MIN_MIXED = 0.8  # share of values mixing letters and digits, for a token without separators
MAX_LENGTHS = 16
SAMPLE = 5000
SPACE_PER_ROW = 20  # a format with fewer values than this many per row would mostly redraw real ones


@dataclass(frozen=True)
class Segment:
    constant: str | None  # the segment's text on every row, or None
    alphabet: str = ""
    lengths: tuple[int, ...] = ()  # of the part between prefix and suffix
    shares: tuple[float, ...] = ()
    prefix: str = ""
    suffix: str = ""
    counter: int | None = None  # a running number: the first synthetic one (the source's last plus one)


@dataclass(frozen=True)
class TokenShape:
    column: str
    separators: str  # between the segments, in order
    segments: tuple[Segment, ...]


def learn(series: pd.Series, column: str) -> TokenShape | None:
    """The column's token format, or None when its values are not tokens (words, sentences, mixed formats)."""
    values = series.dropna().astype(str)
    values = values[values != ""]
    counted = _counter(values, column)
    if counted is not None:
        return counted
    values = values.iloc[np.linspace(0, len(values) - 1, SAMPLE).astype(int)] if len(values) > SAMPLE else values  # across the key order
    if len(values) < MIN_ROWS or values.str.contains(r"\s").any():
        return None
    separators = _separators(values)
    if not separators and values.str.contains(r"[A-Za-z]").mul(values.str.contains(r"\d")).mean() < MIN_MIXED:
        return None  # one word each, not a code
    parts = [re.split("|".join(map(re.escape, sorted(set(separators)))), v) if separators else [v] for v in values]
    segments = tuple(_segment([p[i] for p in parts]) for i in range(len(separators) + 1))
    if all(s.constant is not None for s in segments) or _space(segments) < SPACE_PER_ROW * len(values):
        return None  # no segment to draw, or too few codes to draw new ones that are not the source's ('h1'..'h250')
    return TokenShape(column, separators, segments)


def _counter(values: pd.Series, column: str) -> TokenShape | None:
    """A sequence's names ('SO00001' .. 'SO01400'): one prefix, a number, one suffix, each number once, the
    numbers a run with few gaps. Synthetic names go on counting after the source's last one (never a real
    name), at the same width while it holds them."""
    if len(values) < MIN_ROWS or not values.is_unique:
        return None
    parts = values.str.extract(r"^(\S*?)(\d{1,15})(\S*)$")  # no whitespace: 'Some title 5' is a sentence
    one_number = ~parts[0].str.contains(r"\d", na=True) & ~parts[2].str.contains(r"\d", na=True)
    if not one_number.all() or parts[0].nunique() != 1 or parts[2].nunique() != 1:
        return None
    numbers = parts[1].astype(np.int64)
    widths = parts[1].str.len()
    padded = widths.nunique() == 1 and bool(parts[1].str.startswith("0").any())
    start = int(numbers.max()) + 1
    if int(numbers.max()) - int(numbers.min()) + 1 > 2 * len(values) or (padded and start + len(values) >= 10 ** int(widths.iloc[0])):
        return None
    segment = Segment(None, string.digits, (int(widths.iloc[0]) if padded else 0,), (1.0,), str(parts[0].iloc[0]), str(parts[2].iloc[0]), start)
    return TokenShape(column, "", (segment,))


def _space(segments: tuple[Segment, ...]) -> float:
    """How many values the format holds at its most common lengths."""
    out = 1.0
    for segment in segments:
        if segment.constant is None and segment.lengths:
            out *= float(len(segment.alphabet)) ** segment.lengths[0]
    return out


def _separators(values: pd.Series) -> str:
    """The punctuation every value holds the same number of times, in the same order ('_$$$')."""
    first = values.iloc[0]
    found = []
    for char in sorted({c for c in first if not c.isalnum()}):
        counts = values.str.count(re.escape(char))
        if counts.nunique() == 1 and counts.iloc[0] > 0:
            found.append(char)
    if not found:
        return ""
    kept = re.compile("[^" + re.escape("".join(found)) + "]")
    orders = values.map(lambda v: kept.sub("", v))
    return str(orders.iloc[0]) if orders.nunique() == 1 else ""


def _segment(texts: list[str]) -> Segment:
    if len(set(texts)) == 1:
        return Segment(constant=texts[0])
    prefix = os.path.commonprefix(texts)
    suffix = os.path.commonprefix([t[len(prefix):][::-1] for t in texts])[::-1]
    middles = [t[len(prefix):len(t) - len(suffix)] for t in texts]
    lengths = pd.Series([len(m) for m in middles]).value_counts(normalize=True).head(MAX_LENGTHS)
    return Segment(None, _alphabet("".join(middles)), tuple(int(x) for x in lengths.index),
                   tuple(round(float(x), 4) for x in lengths.to_numpy() / lengths.sum()), prefix, suffix)


def _alphabet(text: str) -> str:
    chars = set(text)
    out = string.digits if chars & set(string.digits) else ""
    lower = chars & set(string.ascii_lowercase)
    upper = chars & set(string.ascii_uppercase)
    hexa = bool(out) and not (lower and upper) and (lower | upper) <= set("abcdefABCDEF")  # 'e3b0c4' or 'E3B0C4'
    out += "abcdef" if hexa and lower else string.ascii_lowercase if lower else ""
    out += "ABCDEF" if hexa and upper else string.ascii_uppercase if upper else ""
    out += "".join(sorted(c for c in chars if not c.isalnum() and c.isascii()))
    return out or string.ascii_lowercase


def draw_lengths(segment: Segment, n: int, rng: np.random.Generator) -> np.ndarray:
    if not segment.lengths:
        return np.zeros(n, dtype=np.int64)
    shares = np.asarray(segment.shares, dtype=float)
    return np.asarray(segment.lengths, dtype=np.int64)[rng.choice(len(shares), size=n, p=shares / shares.sum())]
