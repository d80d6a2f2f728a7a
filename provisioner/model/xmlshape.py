"""The shape of an ``xml`` column's documents, so that its synthetic values are documents too.

An ``xml`` column whose values are replaced rather than learnt (free text, personal data) used to get
words or a Faker value: PostgreSQL took them (a text node is XML content), but every ``xpath()`` over
the column, in a view or a query, then failed ("could not parse XML document"). Its documents are cut
into a *template* (elements, attribute names and namespace declarations: the schema of the document,
never a value) and *leaves* (each text node and attribute value). A synthetic document is a template
drawn by its share with every leaf made afresh from what the source's leaves at that place hold:

* ``number``: uniform between the smallest and largest, with as many decimals;
* ``date``: ``YYYY-MM-DD`` (and the suffix every value shares, ``Z``) between the earliest and latest;
* ``digits`` (a phone number, a code): the layout of a source value, every digit drawn afresh;
* ``category``: one of a few values, each held by at least ``MIN_CATEGORY_ROWS`` documents, by share;
* ``words``: as many words as the source's leaves have (between their fewest and most).

Documents with a DOCTYPE, comments or CDATA are not cut (they keep the text treatment).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from provisioner.model.pii import PiiColumn
from provisioner.schema.snapshot import Table

SLOT = "\x00"  # where a leaf was cut out of a template (never in XML text)
MAX_TEMPLATES = 20
MAX_CATEGORIES = 20
MIN_CATEGORY_ROWS = 5
MAX_ROWS = 5000  # documents read per column
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>\s*")
_ATTRIBUTE = re.compile(r"(\s[\w:.-]+\s*=\s*)(\"[^\"]*\"|'[^']*')")
_NUMBER = re.compile(r"^-?\d{1,15}(\.\d{1,10})?$")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(\S{0,10})$")
_DIGITS = re.compile(r"^[\d\s()+./:-]*\d[\d\s()+./:-]*$")


@dataclass(frozen=True)
class Leaf:
    """What the source's values at one place of one template hold (see the module docstring)."""

    kind: str  # number | date | digits | category | words
    low: float = 0.0  # number: value; date: days since 1970-01-01; words: word count
    high: float = 0.0
    decimals: int = 0
    suffix: str = ""  # date: the text after the date on every value
    values: tuple[tuple[str, float], ...] = ()  # category: (value, share); digits: (layout, share)


@dataclass(frozen=True)
class XmlShape:
    column: str
    templates: tuple[tuple[str, float], ...]  # (document with SLOT for each leaf, share of documents)
    leaves: tuple[tuple[Leaf, ...], ...]  # per template, per SLOT in order


def learn(table: Table, frame: pd.DataFrame, fills: Sequence[PiiColumn]) -> tuple[XmlShape, ...]:
    """An :class:`XmlShape` for every replaced (``fills``) column of ``table`` of type ``xml`` whose values are documents."""
    out = []
    for pii in fills:
        if pii.column in frame and table.column(pii.column).type == "xml":
            found = _shape(pii.column, frame[pii.column].dropna().astype(str).head(MAX_ROWS).tolist())
            if found is not None:
                out.append(found)
    return tuple(out)


def cut(document: str) -> tuple[str, list[str]] | None:
    """``document`` as a template and its leaves (unescaped), or None when it is not a plain document."""
    doc = _DECLARATION.sub("", document.strip())
    if not doc.startswith("<") or not doc.endswith(">") or "<!" in doc or SLOT in doc:
        return None
    leaves: list[str] = []
    parts = []
    for i, part in enumerate(re.split(r"(<[^>]*>)", doc)):
        if i % 2:  # a tag: its attribute values are leaves, namespace declarations stay
            parts.append(part if part.startswith("<?") else _ATTRIBUTE.sub(lambda m: _attribute(m, leaves), part))
        elif part.strip():
            leaves.append(html.unescape(part.strip()))
            parts.append(SLOT)
        else:
            parts.append(part)
    return "".join(parts), leaves


def _attribute(match: re.Match[str], leaves: list[str]) -> str:
    if match.group(1).strip().startswith("xmlns"):
        return match.group(0)
    leaves.append(html.unescape(match.group(2)[1:-1]))
    return f'{match.group(1)}"{SLOT}"'


def _shape(column: str, documents: list[str]) -> XmlShape | None:
    by_template: dict[str, list[list[str]]] = {}
    for doc in documents:
        found = cut(doc)
        if found is None:
            return None
        by_template.setdefault(found[0], []).append(found[1])
    if not by_template:
        return None
    ranked = sorted(by_template.items(), key=lambda kv: -len(kv[1]))[:MAX_TEMPLATES]
    total = sum(len(rows) for _, rows in ranked)
    templates = tuple((t, round(len(rows) / total, 6)) for t, rows in ranked)
    leaves = tuple(tuple(_leaf([row[k] for row in rows]) for k in range(len(rows[0]))) for _, rows in ranked)
    return XmlShape(column, templates, leaves)


def _leaf(values: list[str]) -> Leaf:
    if all(_NUMBER.match(v) for v in values):
        numbers = [float(v) for v in values]
        decimals = max((len(v.split(".")[1]) if "." in v else 0) for v in values)
        return Leaf("number", min(numbers), max(numbers), decimals)
    dates = [_DATE.match(v) for v in values]
    if all(dates) and len({m.group(2) for m in dates if m}) == 1:
        days = pd.to_datetime([m.group(1) for m in dates if m], errors="coerce")
        if not days.isna().any():
            epoch = (days - pd.Timestamp(0)).days
            return Leaf("date", float(epoch.min()), float(epoch.max()), suffix=dates[0].group(2) if dates[0] else "")
    if all(_DIGITS.match(v) for v in values):  # a phone number, a code: its layout, every digit drawn afresh
        layouts = Counter(re.sub(r"\d", "9", v) for v in values)
        return Leaf("digits", values=tuple((v, round(c / len(values), 6)) for v, c in layouts.most_common(MAX_CATEGORIES)))
    counts = Counter(values)
    if len(counts) <= MAX_CATEGORIES and min(counts.values()) >= MIN_CATEGORY_ROWS:
        return Leaf("category", values=tuple((v, round(c / len(values), 6)) for v, c in counts.most_common()))
    words = [len(v.split()) for v in values]
    return Leaf("words", float(max(min(words), 1)), float(max(words)))
