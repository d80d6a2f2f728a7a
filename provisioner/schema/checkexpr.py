"""CHECK expressions as data: parse ``pg_get_constraintdef`` text into a small tree.

The grammar covers what constraint repair can evaluate in pandas: AND, OR, NOT,
comparisons between columns and constants, IS [NOT] NULL, ``= ANY (ARRAY[...])``
(IN lists) and ``length(x)``; casts are stripped. Anything else raises
:class:`Unsupported`, and the check is left to PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_CAST = re.compile(r"::(?:\"?[a-z_][a-z0-9_ .\"]*?\"?)(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])?(?=\s*(?:[),\]]|$|[A-Z<>=!~]))")
_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>'(?:[^']|'')*')|(?P<op><=|>=|<>|!=|=|<|>)"
    r"|(?P<punct>[(),\[\]])|(?P<word>\"(?:[^\"]|\"\")+\"|[A-Za-z_][A-Za-z0-9_]*))"
)


class Unsupported(ValueError):
    """The expression is outside the grammar pandas can evaluate."""


@dataclass(frozen=True)
class Node:
    op: str  # and, or, not, cmp, isnull, notnull, in, col, const, length
    args: tuple[Any, ...] = ()


def parse(definition: str) -> Node:
    """Parse ``CHECK ((a > b))`` (casts are stripped) into a :class:`Node`."""
    body = re.sub(r"\s+NOT VALID\s*$", "", definition.strip())
    body = re.sub(r"^CHECK\s*", "", body)
    tokens = _tokens(_CAST.sub("", body))
    node, pos = _or(tokens, 0)
    if pos != len(tokens):
        raise Unsupported(f"unexpected {tokens[pos][1]!r}")
    return node


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise Unsupported(f"cannot read {text[pos:pos + 20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _peek(tokens: list[tuple[str, str]], pos: int) -> str:
    return tokens[pos][1].upper() if pos < len(tokens) else ""


def _or(tokens: list[tuple[str, str]], pos: int) -> tuple[Node, int]:
    return _chain(tokens, pos, "OR", _and)


def _and(tokens: list[tuple[str, str]], pos: int) -> tuple[Node, int]:
    return _chain(tokens, pos, "AND", _not)


def _chain(
    tokens: list[tuple[str, str]], pos: int, keyword: str, operand: Callable[[list[tuple[str, str]], int], tuple[Node, int]],
) -> tuple[Node, int]:
    """``operand (keyword operand)*`` as one ``keyword.lower()`` node (or the lone operand)."""
    node, pos = operand(tokens, pos)
    parts = [node]
    while _peek(tokens, pos) == keyword:
        node, pos = operand(tokens, pos + 1)
        parts.append(node)
    return (parts[0] if len(parts) == 1 else Node(keyword.lower(), tuple(parts))), pos


def _not(tokens: list[tuple[str, str]], pos: int) -> tuple[Node, int]:
    if _peek(tokens, pos) == "NOT":
        node, pos = _not(tokens, pos + 1)
        return Node("not", (node,)), pos
    return _predicate(tokens, pos)


def _predicate(tokens: list[tuple[str, str]], pos: int) -> tuple[Node, int]:
    left, pos = _operand(tokens, pos)
    word = _peek(tokens, pos)
    if word == "IS":
        negated = _peek(tokens, pos + 1) == "NOT"
        pos += 2 if negated else 1
        if _peek(tokens, pos) != "NULL":
            raise Unsupported("IS other than IS [NOT] NULL")
        return Node("notnull" if negated else "isnull", (left,)), pos + 1
    if pos < len(tokens) and tokens[pos][0] == "op":
        op = {"!=": "<>"}.get(tokens[pos][1], tokens[pos][1])
        if _peek(tokens, pos + 1) == "ANY":
            if op not in ("=", "<>"):
                raise Unsupported(f"{op} ANY")
            values, pos = _array(tokens, pos + 2)
            node = Node("in", (left, values))
            return (node if op == "=" else Node("not", (node,))), pos
        right, pos = _operand(tokens, pos + 1)
        return Node("cmp", (op, left, right)), pos
    return left, pos


def _array(tokens: list[tuple[str, str]], pos: int) -> tuple[tuple[Any, ...], int]:
    """``(ARRAY['a', 'b'])`` after ANY, possibly wrapped in extra parentheses."""
    depth = 0
    while _peek(tokens, pos) == "(":
        depth, pos = depth + 1, pos + 1
    if _peek(tokens, pos) != "ARRAY" or _peek(tokens, pos + 1) != "[":
        raise Unsupported("ANY without an ARRAY literal")
    pos += 2
    values = []
    while _peek(tokens, pos) != "]":
        node, pos = _operand(tokens, pos)
        if node.op != "const":
            raise Unsupported("ARRAY of non-constants")
        values.append(node.args[0])
        if _peek(tokens, pos) == ",":
            pos += 1
    pos += 1
    for _ in range(depth):
        if _peek(tokens, pos) != ")":
            raise Unsupported("unbalanced parentheses")
        pos += 1
    return tuple(values), pos


def _operand(tokens: list[tuple[str, str]], pos: int) -> tuple[Node, int]:
    if pos >= len(tokens):
        raise Unsupported("expression ends early")
    kind, value = tokens[pos]
    if value == "(":
        node, pos = _or(tokens, pos + 1)
        if _peek(tokens, pos) != ")":
            raise Unsupported("unbalanced parentheses")
        return node, pos + 1
    if kind == "num":
        return Node("const", (float(value) if "." in value else int(value),)), pos + 1
    if kind == "str":
        return Node("const", (value[1:-1].replace("''", "'"),)), pos + 1
    if kind == "word" and value.lower() in ("length", "char_length", "octet_length") and _peek(tokens, pos + 1) == "(":
        inner, pos = _operand(tokens, pos + 1)
        return Node("length", (inner,)), pos
    if kind == "word" and value.upper() not in ("AND", "OR", "NOT", "IS", "NULL", "ANY", "ARRAY", "TRUE", "FALSE"):
        name = value[1:-1].replace('""', '"') if value.startswith('"') else value
        return Node("col", (name,)), pos + 1
    if value.upper() in ("TRUE", "FALSE"):
        return Node("const", (value.upper() == "TRUE",)), pos + 1
    raise Unsupported(f"unexpected {value!r}")
