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
    """``m`` titles of ``k`` words. A word is an index into one vocabulary (the patterns' own tokens, then
    each part of speech's list), so slots, capitals and function words are integer arrays, not strings;
    the random draws are the same as drawing the strings themselves."""
    patterns = _patterns(k)
    tokens = sorted({t for p in patterns for t in p} | set(lists))
    vocabulary = np.array(tokens + [w for words_of in lists.values() for w in words_of], dtype=object)
    starts = np.cumsum([len(tokens)] + [len(w) for w in lists.values()])
    code = {t: i for i, t in enumerate(tokens)}
    chosen = np.array([[code[t] for t in p] for p in patterns], dtype=np.int64)[rng.integers(0, len(patterns), size=m)]
    upper = rng.random((m, k)) < capitalised
    capitals = np.array([w[:1].upper() + w[1:] for w in vocabulary], dtype=object)
    function = np.isin(vocabulary, _FUNCTION)
    words = np.empty((m, k), dtype=object)
    for j in range(k):
        slot, index = chosen[:, j], chosen[:, j].copy()
        for (pos, words_of), start in zip(lists.items(), starts):
            here = slot == code[pos]
            index[here] = start + rng.integers(0, len(words_of), size=int(here.sum()))
        cap = upper[:, j] | ((j == 0) & ~function[index])
        words[:, j] = np.where(cap, capitals[index], vocabulary[index])
    return np.array([" ".join(row) for row in words.tolist()], dtype=object)


def _names(fake: Faker, shape: TextShape, n: int, rng: np.random.Generator) -> np.ndarray:
    firsts = np.array(sorted({fake.first_name() for _ in range(400)}), dtype=object)
    lasts = np.array(sorted({fake.last_name() for _ in range(400)}), dtype=object)
    counts = _draw(shape.parts or (1.0,), n, rng)
    out = np.empty(n, dtype=object)
    for k in np.unique(counts):
        at = np.flatnonzero(counts == k)
        text = np.empty(0, dtype=object)
        for j in range(int(k)):
            person = firsts[rng.integers(0, len(firsts), len(at))] + " " + lasts[rng.integers(0, len(lasts), len(at))]
            text = person if j == 0 else text + shape.separator + person
        out[at] = text
    return out
