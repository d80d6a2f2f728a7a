"""Text made to match a CHECK's regular expression (``color ~ '^#[0-9a-f]{6}$'``).

A code column checked by a pattern (a hex colour, a SKU, a postal code) is often free text to
the model: its values are replaced, and the replacements break the check. Values drawn from
the pattern itself pass it. The pattern is read with Python's own regular-expression parser,
which agrees with PostgreSQL's on what such checks use (literals, classes, ranges, counted
repeats, alternatives, anchors; POSIX classes like ``[[:alpha:]]`` are translated first);
PostgreSQL still checks every value, so a pattern read differently fails as it did before.
"""

from __future__ import annotations

import re
import string
from typing import Any

import numpy as np

try:
    import re._parser as _sre  # type: ignore[import-not-found]  # Python 3.11+
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre  # type: ignore[no-redef]

_PATTERN = re.compile(r"~\*?\s*'((?:[^']|'')*)'")
_POSIX = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z", "space": " \\t",
          "xdigit": "0-9a-fA-F", "word": "a-zA-Z0-9_", "punct": "!-/:-@\\[-`{-~"}
_POOL = string.ascii_letters + string.digits
_CATEGORIES = {"CATEGORY_DIGIT": string.digits, "CATEGORY_WORD": _POOL + "_", "CATEGORY_SPACE": " ",
               "CATEGORY_NOT_DIGIT": string.ascii_letters, "CATEGORY_NOT_WORD": "-", "CATEGORY_NOT_SPACE": _POOL}
_UNBOUNDED_EXTRA = 8  # a '+' or '*' repeats up to this many times more than its minimum


class _Unsupported(Exception):
    pass


def pattern_of(definition: str) -> str | None:
    """The regular expression a CHECK's text matches a column against (``x ~ '...'``), if exactly one."""
    found = _PATTERN.findall(definition)
    if len(found) != 1 or "!~" in definition:
        return None
    return found[0].replace("''", "'")


def matching(pattern: str, n: int, rng: np.random.Generator) -> list[str] | None:
    """``n`` strings that match ``pattern``, or None when the pattern uses what this cannot make."""
    for name, chars in _POSIX.items():
        pattern = pattern.replace(f"[:{name}:]", chars)
    try:
        parsed = _sre.parse(pattern)
        return [_emit(list(parsed), rng) for _ in range(n)]
    except (_Unsupported, re.error, ValueError, TypeError, IndexError, RecursionError):
        return None


def _emit(items: list[Any], rng: np.random.Generator) -> str:
    return "".join(_one(op, arg, rng) for op, arg in items)


def _one(op: Any, arg: Any, rng: np.random.Generator) -> str:
    name = str(op)
    if name == "LITERAL":
        return chr(arg)
    if name == "AT" or name in ("ASSERT", "ASSERT_NOT"):
        return ""
    if name == "ANY":
        return _pick(_POOL, rng)
    if name == "NOT_LITERAL":
        return _pick(_POOL.replace(chr(arg), ""), rng)
    if name == "IN":
        return _pick(_class(arg), rng)
    if name == "CATEGORY":
        return _pick(_CATEGORIES.get(str(arg), _POOL), rng)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, sub = arg
        top = low + _UNBOUNDED_EXTRA if high == _sre.MAXREPEAT else high
        return "".join(_emit(list(sub), rng) for _ in range(int(rng.integers(low, max(low, top) + 1))))
    if name == "SUBPATTERN":
        return _emit(list(arg[-1]), rng)
    if name == "BRANCH":
        branches = arg[1]
        return _emit(list(branches[int(rng.integers(0, len(branches)))]), rng)
    raise _Unsupported(name)


def _class(items: list[Any]) -> str:
    """The characters of a ``[...]`` class; a negated one: letters and digits outside it."""
    chars: list[str] = []
    negate = False
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars.append(chr(arg))
        elif name == "RANGE":
            chars += [chr(c) for c in range(arg[0], min(arg[1], arg[0] + 200) + 1)]
        elif name == "CATEGORY":
            chars += list(_CATEGORIES.get(str(arg), ""))
        else:
            raise _Unsupported(name)
    if negate:
        chars = [c for c in _POOL if c not in set(chars)]
    if not chars:
        raise _Unsupported("empty class")
    return "".join(chars)


def _pick(chars: str, rng: np.random.Generator) -> str:
    return chars[int(rng.integers(0, len(chars)))]
