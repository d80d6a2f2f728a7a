"""Free text that is not personal, shaped like its column (:class:`provisioner.model.agreement.TextShape`).

A title, a product name or a composer gets as many words as the source's values
have (a draw from the learnt histogram of word counts), capitalised as often as the
source's words are, from the Faker provider that fits the column:

* ``words``: English nouns, adjectives and verbs from Faker's word lists, put in
  simple title patterns ("Silent River", "Night of the Garden") rather than lorem;
* ``name``: people's names from Faker, as many per value as the source lists
  (``"Joan Smith, Peter Ortiz"``), joined by the source's separator.

Never a source value: nothing here saw one (the gate also replaces any chance
collision with a real value, :mod:`provisioner.privacy.leaks`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from faker import Faker

from provisioner.model.agreement import TextShape

_FUNCTION = ("of", "the", "in", "and", "to", "my", "your", "on", "for", "from", "with", "at", "a")
_PATTERNS: dict[int, tuple[tuple[str, ...], ...]] = {
    1: (("noun",), ("adjective",), ("verb",)),
    2: (("adjective", "noun"), ("noun", "noun"), ("verb", "noun"), ("the", "noun"), ("my", "noun")),
    3: (("the", "adjective", "noun"), ("noun", "of", "noun"), ("verb", "the", "noun"), ("adjective", "noun", "noun"),
        ("noun", "and", "noun"), ("in", "the", "noun")),
    4: (("the", "noun", "of", "noun"), ("verb", "the", "adjective", "noun"), ("noun", "in", "the", "noun"),
        ("adjective", "noun", "of", "noun"), ("the", "adjective", "adjective", "noun")),
}


def shaped(fake: Faker, shape: TextShape, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` values shaped like the column (see the module docstring), built a word position at a time
    for every value of one word count together."""
    if shape.provider == "name":
        return _names(fake, shape, n, rng)
    lists = {pos: np.array(sorted(set(fake.get_words_list(part_of_speech=pos))), dtype=object) for pos in ("noun", "adjective", "verb")}
    counts = _draw(shape.words, n, rng)
    out = np.empty(n, dtype=object)
    for k in np.unique(counts):
        at = np.flatnonzero(counts == k)
        out[at] = _titles(int(k), len(at), lists, shape.capitalised, rng)
    return out


def _draw(shares: tuple[float, ...], n: int, rng: np.random.Generator) -> np.ndarray:
    p = np.asarray(shares, dtype=float)
    p = p / p.sum() if p.sum() > 0 else np.ones(len(p)) / len(p)
    return rng.choice(np.arange(1, len(p) + 1), size=n, p=p)


def _patterns(k: int) -> tuple[tuple[str, ...], ...]:
    """The title patterns of ``k`` words; longer titles are runs of four-word patterns."""
    if k in _PATTERNS:
        return _PATTERNS[k]
    runs = [sum((_PATTERNS[4][(i + j) % len(_PATTERNS[4])] for j in range(-(-k // 4))), ())[:k] for i in range(len(_PATTERNS[4]))]
    return tuple(runs)


def _titles(k: int, m: int, lists: dict[str, np.ndarray], capitalised: float, rng: np.random.Generator) -> np.ndarray:
    patterns = np.array(_patterns(k), dtype=object)
    chosen = patterns[rng.integers(0, len(patterns), size=m)]  # (m, k) slots
    upper = rng.random((m, k)) < capitalised
    text = pd.Series([""] * m, dtype=object)
    for j in range(k):
        slot = chosen[:, j]
        words = slot.copy()
        for pos, vocabulary in lists.items():
            here = slot == pos
            words[here] = vocabulary[rng.integers(0, len(vocabulary), size=int(here.sum()))]
        cap = upper[:, j] | ((j == 0) & ~np.isin(words, _FUNCTION))
        column = pd.Series(words, dtype=object)
        column = column.where(~cap, column.str[:1].str.upper() + column.str[1:])
        text = column if j == 0 else text + " " + column
    return text.to_numpy(dtype=object)


def _names(fake: Faker, shape: TextShape, n: int, rng: np.random.Generator) -> np.ndarray:
    firsts = np.array(sorted({fake.first_name() for _ in range(400)}), dtype=object)
    lasts = np.array(sorted({fake.last_name() for _ in range(400)}), dtype=object)
    counts = _draw(shape.parts or (1.0,), n, rng)
    out = np.empty(n, dtype=object)
    for k in np.unique(counts):
        at = np.flatnonzero(counts == k)
        text = pd.Series([""] * len(at), dtype=object)
        for j in range(int(k)):
            person = pd.Series(firsts[rng.integers(0, len(firsts), len(at))]) + " " + pd.Series(lasts[rng.integers(0, len(lasts), len(at))])
            text = person if j == 0 else text + shape.separator + person
        out[at] = text.to_numpy(dtype=object)
    return out
