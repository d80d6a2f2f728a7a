"""How a row's personal values agree with each other: learnt as shares, never as values.

Faker fills PII columns one at a time; left alone, a row's e-mail has nothing to do
with its name and a Belgian customer gets a state. :func:`learn` measures, on the
source rows, what :mod:`provisioner.synth.fake` then keeps:

:class:`EmailFromName`
    the share of rows whose e-mail's local part holds the person's first or last
    name (``luis.goncalves@...``): that share of synthetic e-mails is built from the
    row's own fake name.
:class:`NullsByCountry`
    the share of NULLs of a PII column among the rows of each country (a state for
    US and Canadian customers, none for Belgian ones), for countries with at least
    ``MIN_COUNTRY_ROWS`` rows; other countries get the column's overall share. Without a
    country, a category one of whose values never fills the column plays its part
    (single-table inheritance: an 'Admin' row has no company name).
:class:`TextShape`
    free text that is not personal (titles, product names, composers): the
    distribution of its word counts, whether words are capitalised, and which Faker
    provider fits it (person names for a composer column, words otherwise), so
    synthetic values look like the column, never like lorem ipsum, and are never real.
:class:`~provisioner.model.textforms.UnitText`, :class:`~provisioner.model.textforms.ListText`
    text that is a number with a unit (``'90 min'``) or a list from a vocabulary (``'Dramas, Thrillers'``):
    its form, learnt by :mod:`provisioner.model.textforms`, instead of words.

Only shares and histograms are kept: no value of any PII or text column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from provisioner.model import textforms, tokens
from provisioner.model.pii import PiiColumn, _common_first_names

MIN_COUNTRY_ROWS = 3
MAX_WORDS = 12
NAME_SHARE = 0.3  # parts of a value starting with a common first name: a list of people
SEPARATORS = (", ", " / ", " & ", "/", "; ")
NAME_TOKENS = frozenset("composer author artist writer director performer singer creator editor translator owner".split())


@dataclass(frozen=True)
class EmailFromName:
    column: str
    names: tuple[str, ...]  # (first_name column, last_name column) or (full_name column,)
    share: float


@dataclass(frozen=True)
class LetterCase:
    column: str
    case: str  # "upper" (names written 'IVANOV') or "lower", as nearly every source value is


@dataclass(frozen=True)
class NullsByCountry:
    column: str
    country: str  # the row's country column
    shares: Mapping[str, float]  # country -> share of NULLs (countries with MIN_COUNTRY_ROWS rows or more)


@dataclass(frozen=True)
class TextShape:
    column: str
    words: tuple[float, ...]  # share of values with 1, 2, ... MAX_WORDS (or more) words
    capitalised: float  # share of words starting with a capital letter
    provider: str  # "name" (people, joined by separator) or "words"
    separator: str = ", "
    parts: tuple[float, ...] = ()  # provider "name": share of values naming 1, 2, ... people


Rule = EmailFromName | NullsByCountry | TextShape | tokens.TokenShape | LetterCase | textforms.UnitText | textforms.ListText | textforms.DateText


def ascii_lower(value: object) -> str:
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z]", "", text)


def country_column(column: str, columns: Sequence[str]) -> str | None:
    """The country a column's row is in: ``<prefix>_country`` (ship_country for ship_city) or ``country``."""
    parts = column.split("_")
    candidates = ["_".join(parts[:i] + ["country"]) for i in range(len(parts) - 1, 0, -1)] + ["country"]
    return next((c for c in candidates if c in columns and c != column), None)


def learn(frame: pd.DataFrame, fills: Sequence[PiiColumn]) -> tuple[Rule, ...]:
    """The agreement rules of one table's source rows (``fills``: its PII and text columns)."""
    out: list[Rule] = []
    by_category = {f.category: f.column for f in fills}
    others = [c for c in frame.columns if c not in {f.column for f in fills}]
    for pii in fills:
        if pii.column not in frame:
            continue
        named = pii.category == "text" and _text_shape(frame[pii.column], pii.column).provider == "name"
        form = textforms.learn(frame, pii.column, others, lists=not named) if pii.category == "text" else None
        if form is not None:  # a number with a unit, or a vocabulary list: its form, not words
            out.append(form)
            continue
        if pii.category == "email":
            found = _email(frame, pii.column, by_category)
            if found is not None:
                out.append(found)
        token = tokens.learn(frame[pii.column], pii.column) if pii.category == "text" else None
        case = _letter_case(frame[pii.column], pii.column) if token is None else None
        out += [case] if case is not None else []
        if pii.category == "text":
            out.append(token or _text_shape(frame[pii.column], pii.column))
        elif 0 < frame[pii.column].isna().mean() < 1:
            country = country_column(pii.column, list(frame.columns)) or _null_category(frame, pii.column, fills)
            if country is not None:
                out.append(_nulls(frame, pii.column, country))
    return tuple(out)


def _email(frame: pd.DataFrame, column: str, by_category: Mapping[str, str]) -> EmailFromName | None:
    if "first_name" in by_category and "last_name" in by_category:
        names = (by_category["first_name"], by_category["last_name"])
    elif "full_name" in by_category:
        names = (by_category["full_name"],)
    else:
        return None
    rows = frame.dropna(subset=[column, *names])
    if rows.empty:
        return None
    local = rows[column].astype(str).str.split("@").str[0].map(ascii_lower)
    tokens = [rows[n].astype(str).map(lambda v: [ascii_lower(t) for t in v.split()]) for n in names]
    hits = 0
    for i, mail in enumerate(local):
        words = [w for part in tokens for w in part.iloc[i] if len(w) >= 2]
        hits += any(w in mail for w in words)
    return EmailFromName(column, names, round(hits / len(rows), 3))


MIN_CASED = 20  # values with letters, to tell a convention from chance
CASE_SHARE = 0.95


def _letter_case(series: pd.Series, column: str) -> LetterCase | None:
    """Upper or lower case when nearly every source value with letters is written so (not title case)."""
    values = series.dropna()
    values = values[values.map(lambda v: isinstance(v, str))].head(5000).astype(str)  # none at all: a date column
    lettered = values[values.str.contains(r"[^\W\d_]", regex=True)]
    if len(lettered) < MIN_CASED:
        return None
    for case in ("upper", "lower"):
        if (lettered == lettered.map(lambda v: _simply_cased(v, case))).mean() >= CASE_SHARE:
            return LetterCase(column, case)
    return None


def _simply_cased(text: str, case: str) -> str:
    """``text`` in upper or lower case, letters by letter as PostgreSQL's upper() and lower() write them:
    a letter whose case is several letters ('ß', upper 'SS') stays itself ('STRAßE' is upper case)."""
    mapped = ((c, c.upper() if case == "upper" else c.lower()) for c in text)
    return "".join(m if len(m) == 1 else c for c, m in mapped)


def _nulls(frame: pd.DataFrame, column: str, country: str) -> NullsByCountry:
    grouped = frame[column].isna().groupby(frame[country].astype(str))
    sizes, shares = grouped.size(), grouped.mean()
    return NullsByCountry(column, country, {str(c): round(float(shares[c]), 3) for c in shares.index if sizes[c] >= MIN_COUNTRY_ROWS})


MIN_CATEGORY_ROWS = 20
MAX_CATEGORY_VALUES = 64


def _null_category(frame: pd.DataFrame, column: str, fills: Sequence[PiiColumn]) -> str | None:
    """A category (not PII, never NULL) one of whose values, on ``MIN_CATEGORY_ROWS`` rows or more, never
    fills ``column`` while another does: single-table inheritance's ``type``, whose 'Admin' has no company name."""
    personal = {f.column for f in fills}
    for name in frame.columns:
        values = frame[name]
        if name in personal or name == column or values.isna().any() or not _plain(values) or not 2 <= values.nunique() <= MAX_CATEGORY_VALUES:
            continue
        grouped = frame[column].isna().groupby(values.astype(str))
        sizes, shares = grouped.size(), grouped.mean()
        if ((shares == 1.0) & (sizes >= MIN_CATEGORY_ROWS)).any() and (shares < 1.0).any():
            return str(name)
    return None


def _plain(values: pd.Series) -> bool:
    """Integers, booleans or strings: values a category may hold (never a JSON object or an array)."""
    if pd.api.types.is_integer_dtype(values) or pd.api.types.is_bool_dtype(values):
        return True
    return values.dtype == object and bool(values.map(lambda v: isinstance(v, str)).all())


def _text_shape(series: pd.Series, column: str) -> TextShape:
    values = series.dropna().astype(str).str.strip()
    values = values[values != ""]
    if values.empty:
        return TextShape(column, (1.0,), 1.0, "words")
    counts = np.minimum(values.str.split().str.len().to_numpy(), MAX_WORDS)
    words = np.bincount(counts, minlength=MAX_WORDS + 1)[1:] / len(counts)
    tokens = [t for v in values.head(2000) for t in v.split()]
    capitalised = float(np.mean([t[:1].isupper() for t in tokens])) if tokens else 1.0
    separator = max(SEPARATORS, key=lambda s: values.str.contains(re.escape(s)).sum())
    parts = values.map(lambda v: [p.strip() for p in re.split(r",|/|&|;", v) if p.strip()])
    firsts = _common_first_names()
    named = [p.split()[0].lower() in firsts for ps in parts.head(2000) for p in ps if p.split()]
    provider = "name" if (named and np.mean(named) >= NAME_SHARE) or set(re.split(r"[^a-z]+", column.lower())) & NAME_TOKENS else "words"
    per_value = np.minimum(parts.map(len).clip(lower=1).to_numpy(), MAX_WORDS)
    shares = tuple(round(float(x), 4) for x in np.bincount(per_value, minlength=MAX_WORDS + 1)[1:] / len(per_value))
    return TextShape(column, tuple(round(float(w), 4) for w in words), round(capitalised, 3), provider, separator,
                     shares if provider == "name" else ())
