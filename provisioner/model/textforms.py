"""Text columns that are not free text: a number with a unit, or a list drawn from a vocabulary.

A column of ``'90 min'``, ``'1 Season'``, ``'2 Seasons'``, or of ``'Dramas, Thrillers'``, has too many distinct
values to be a category, so the profile calls it free text, and it used to be filled with English words
("Frequent Steak"): every parser, unit conversion and ``string_to_array`` that reads it broke. :func:`learn`
reads what every source value obeys:

:class:`UnitText`
    every value is a number, then a unit with no digit (``'90 min'``, ``'12kg'``), with few units. The
    units are grouped by stem (``Season``/``Seasons``); the stem follows a category of the row when one
    decides it on every source row (a movie's duration in minutes, a show's in seasons), else its share;
    the number is drawn from its stem's quantiles (aggregates, never a row) at the source's precision; the
    singular form is used for 1 where the source does so.
:class:`ListText`
    values are lists joined by one separator (``', '``) whose elements come from a vocabulary that repeats
    (each element on several rows: genres, countries, tags). Synthetic lists have the source's share of
    lengths, no element twice, elements in sorted order when the source's lists are, and elements drawn
    with the weights they have among the rows of each value of the category that tells them apart best
    (a show's genres are TV genres). Only elements on ``MIN_ELEMENT_ROWS`` rows or more are kept: a
    vocabulary word, like a category's value, not a record.

:class:`DateText`
    every value is a date written in one format (``'September 25, 2021'``, ``'25/09/2021'``), zero-padded or
    not: synthetic dates are drawn from the quantiles of the source's days and written the same way.

Only quantiles, shares and the vocabulary are kept, never a row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MAX_UNITS = 12
QUANTILES = 41
MIN_VALUES = 10
MAX_CATEGORY_VALUES = 64
LIST_SEPARATORS = (", ", "; ", " | ", "|", ",", ";", " / ")
MIN_LISTED = 0.1  # share of values with two elements or more
MIN_REPEATS = 3.0  # element occurrences per distinct element: a vocabulary, not names or sentences
MIN_ELEMENT_ROWS = 2
MIN_COVERED = 0.9  # share of element occurrences the kept vocabulary covers
MAX_VOCABULARY = 2000
MAX_ELEMENTS = 12
SORTED_SHARE = 0.95
_UNIT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)(\s?)([^\d\s][^\d]*?)\s*$")


@dataclass(frozen=True)
class UnitText:
    column: str
    stems: tuple[str, ...]  # unit stems ('min', 'Season')
    forms: tuple[tuple[str, str], ...]  # per stem: (singular, plural) as written; equal when one form is seen
    shares: tuple[float, ...]  # per stem, over every row
    quantiles: tuple[tuple[float, ...], ...]  # per stem: QUANTILES quantiles of its numbers
    decimals: int
    separator: str  # between the number and the unit: ' ' or ''
    singular_for_one: bool  # the singular form exactly when the number is 1
    by: str | None = None  # the category that decides the stem
    by_shares: Mapping[str, tuple[float, ...]] | None = None  # its value -> shares per stem


@dataclass(frozen=True)
class ListText:
    column: str
    vocabulary: tuple[str, ...]
    weights: tuple[float, ...]  # per element, over every row
    lengths: tuple[float, ...]  # share of lists of 1, 2, ... elements
    separator: str
    ordered: bool  # elements in sorted order
    by: str | None = None
    by_weights: Mapping[str, tuple[float, ...]] | None = None


@dataclass(frozen=True)
class DateText:
    column: str
    format: str  # strftime-like: %B %b %d %m %Y, and the literal text between them
    padded: bool  # day and month numbers written with two digits
    quantiles: tuple[float, ...]  # of the dates as days since 1970-01-01


DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d")


def _dates(values: pd.Series, column: str) -> DateText | None:
    text = values.str.strip()
    if not text.str.contains(r"\d", regex=True).all():
        return None
    for fmt in DATE_FORMATS:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        if parsed.notna().all():
            padded = bool(text.equals(parsed.dt.strftime(fmt)))
            days = (parsed - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float)
            return DateText(column, fmt, padded, tuple(float(q) for q in np.quantile(days, np.linspace(0, 1, QUANTILES))))
    return None


def learn(frame: pd.DataFrame, column: str, others: Sequence[str], lists: bool = True) -> UnitText | ListText | DateText | None:
    """The form of text ``column`` (``others``: columns a category may be taken from), if it has one;
    ``lists`` False: not a list (a list of people's names is personal, never a vocabulary)."""
    values = frame[column].dropna()
    values = values[values.map(lambda v: isinstance(v, str))].astype(str)
    values = values[values.str.strip() != ""]
    if len(values) < MIN_VALUES:
        return None
    return _dates(values, column) or _units(frame, values, column, others) or (_list(frame, values, column, others) if lists else None)


def _categories(frame: pd.DataFrame, others: Sequence[str], index: pd.Index) -> dict[str, pd.Series]:
    out = {}
    for name in others:
        if name not in frame:
            continue
        col = frame[name].loc[index]
        if col.isna().any() or not 2 <= col.astype(str).nunique() <= MAX_CATEGORY_VALUES:
            continue
        if not (pd.api.types.is_bool_dtype(col) or pd.api.types.is_integer_dtype(col) or col.map(lambda v: isinstance(v, str)).all()):
            continue
        out[name] = col.astype(str)
    return out


def _units(frame: pd.DataFrame, values: pd.Series, column: str, others: Sequence[str]) -> UnitText | None:
    parts = values.str.extract(_UNIT)
    if parts[0].isna().any() or parts[2].nunique() > MAX_UNITS or parts[1].nunique() > 1:
        return None
    numbers = parts[0].astype(float)
    units = parts[2]
    stem = units.map(lambda u: u[:-1] if u.endswith("s") and u[:-1] in set(units) else u)
    stems = tuple(sorted(stem.unique()))
    forms = tuple((_form(units[stem == s], False), _form(units[stem == s], True)) for s in stems)
    two = [s for s, (one, many) in zip(stems, forms) if one != many]
    singular_for_one = bool(two) and all(((units[stem == s] == one) == (numbers[stem == s] == 1)).all()
                                         for s, (one, _) in zip(stems, forms) if s in two)
    decimals = int(parts[0].str.extract(r"\.(\d+)$")[0].fillna("").str.len().max())
    probs = np.linspace(0, 1, QUANTILES)
    quantiles = tuple(tuple(round(float(q), decimals + 2) for q in np.quantile(numbers[stem == s], probs)) for s in stems)
    by, by_shares = _decider(frame, stem, stems, others)
    shares = tuple(round(float((stem == s).mean()), 6) for s in stems)
    return UnitText(column, stems, forms, shares, quantiles, decimals, str(parts[1].iloc[0]), singular_for_one, by, by_shares)


def _form(units: pd.Series, plural: bool) -> str:
    seen = sorted(set(units), key=len)
    return seen[-1] if plural else seen[0]


def _decider(frame: pd.DataFrame, stem: pd.Series, stems: tuple[str, ...], others: Sequence[str]) -> tuple[str | None, Mapping[str, tuple[float, ...]] | None]:
    """The category that decides the stem on every row (the first such, in column order), and its shares."""
    if len(stems) < 2:
        return None, None
    for name, col in _categories(frame, others, stem.index).items():
        if (stem.groupby(col).nunique() == 1).all():
            table = pd.crosstab(col, stem).reindex(columns=list(stems), fill_value=0)
            return name, {str(k): tuple(round(float(x), 6) for x in row / row.sum()) for k, row in table.iterrows()}
    return None, None


def _list(frame: pd.DataFrame, values: pd.Series, column: str, others: Sequence[str]) -> ListText | None:
    separator = max(LIST_SEPARATORS, key=lambda s: (values.str.contains(re.escape(s), regex=True).mean(), len(s)))
    if values.str.contains(re.escape(separator), regex=True).mean() < MIN_LISTED:
        return None
    lists = values.map(lambda v: [e.strip() for e in v.split(separator.strip() or separator) if e.strip()])
    exploded = lists.explode().dropna().astype(str)
    counts = lists.map(lambda e: len(set(e)))
    pairs = pd.DataFrame({"row": exploded.index, "e": exploded.to_numpy()}).drop_duplicates()
    rows_of = pairs.groupby("e").size()
    if len(rows_of) > MAX_VOCABULARY or len(exploded) / max(len(rows_of), 1) < MIN_REPEATS:
        return None
    kept = rows_of[rows_of >= MIN_ELEMENT_ROWS]
    if exploded.isin(kept.index).mean() < MIN_COVERED:
        return None
    vocabulary = tuple(sorted(kept.index.astype(str)))
    weights = _weights(exploded, vocabulary)
    lengths = np.bincount(np.clip(counts.to_numpy(), 1, MAX_ELEMENTS), minlength=MAX_ELEMENTS + 1)[1:] / len(counts)
    multi = lists[lists.map(len) > 1]
    ordered = len(multi) > 0 and float(multi.map(lambda e: e == sorted(e)).mean()) >= SORTED_SHARE
    by, by_weights = _grouping(frame, exploded, vocabulary, others)
    return ListText(column, vocabulary, weights, tuple(round(float(x), 6) for x in lengths), separator, ordered, by, by_weights)


def _weights(exploded: pd.Series, vocabulary: tuple[str, ...]) -> tuple[float, ...]:
    counts = exploded.value_counts().reindex(list(vocabulary), fill_value=0).to_numpy(dtype=float)
    return tuple(round(float(x), 6) for x in counts / max(counts.sum(), 1.0))


MIN_EXCLUSIVE = 0.3  # share of element occurrences whose element is seen under one value of the category only


def _grouping(frame: pd.DataFrame, exploded: pd.Series, vocabulary: tuple[str, ...], others: Sequence[str]) -> tuple[str | None, Mapping[str, tuple[float, ...]] | None]:
    """The category under whose values the elements differ most (genres of shows vs of movies), and the
    elements' weights under each of its values."""
    inside = exploded[exploded.isin(vocabulary)]
    best, score = None, MIN_EXCLUSIVE
    for name, col in _categories(frame, others, exploded.index.unique()).items():
        under = col.reindex(inside.index).to_numpy()
        pairs = pd.DataFrame({"e": inside.to_numpy(), "c": under})
        exclusive = pairs.groupby("e")["c"].nunique() == 1
        share = float(pairs["e"].map(exclusive).mean())
        if share > score:
            best, score = name, share
    if best is None:
        return None, None
    col = _categories(frame, [best], exploded.index.unique())[best]
    under = col.reindex(inside.index)
    return best, {str(k): _weights(inside[under.to_numpy() == k], vocabulary) for k in sorted(col.unique())}
