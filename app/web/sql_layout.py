"""Compiled SQL laid out on several lines for reading, without re-generating it.

Re-parsing and pretty-printing with sqlglot is slow for a page and could, in some dialect, print something
other than what the compiler produced. Instead the statement is tokenized with its dialect's own
tokenizer and only the whitespace *between* tokens is changed: line breaks before clauses and subqueries,
one select item per line. Every token keeps its exact text, so the statement means the same on every engine.

    >>> print(readable_sql("SELECT a, b FROM (SELECT a, b FROM t WHERE c = 'x, y') AS q", "duckdb"))
    SELECT
      a,
      b
    FROM (
      SELECT
        a,
        b
      FROM t
      WHERE c = 'x, y'
    ) AS q
"""

from __future__ import annotations

from functools import lru_cache

from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

INDENT = "  "
# Clauses that start a line at the level of their SELECT.
_CLAUSES = frozenset(
    {
        TokenType.FROM,
        TokenType.WHERE,
        TokenType.GROUP_BY,
        TokenType.HAVING,
        TokenType.ORDER_BY,
        TokenType.LIMIT,
        TokenType.JOIN,
        TokenType.LEFT,
        TokenType.RIGHT,
        TokenType.FULL,
        TokenType.INNER,
        TokenType.CROSS,
        TokenType.OUTER,
        TokenType.UNION,
        TokenType.QUALIFY,
        TokenType.WINDOW,
    }
)
# Join words after which JOIN continues the same line (`LEFT JOIN`, `FULL OUTER JOIN`).
_JOIN_WORDS = frozenset(
    {
        TokenType.LEFT,
        TokenType.RIGHT,
        TokenType.FULL,
        TokenType.INNER,
        TokenType.CROSS,
        TokenType.OUTER,
        TokenType.NATURAL,
    }
)


@lru_cache(maxsize=4096)
def readable_sql(sql: str, dialect: str) -> str:
    """`sql` with line breaks and indentation; unchanged when it cannot be tokenized."""
    try:
        tokens = Dialect.get_or_raise(dialect).tokenize(sql)
    except SqlglotError:
        return sql
    return _layout(sql, tokens)


def _layout(sql: str, tokens: list[Token]) -> str:
    out: list[str] = []
    # One entry per open parenthesis: True when it opens a subquery (the next token is SELECT).
    parens: list[bool] = []
    # Per subquery level: inside its select list (commas there break the line).
    in_select = [False]
    previous: Token | None = None
    for i, token in enumerate(tokens):
        kind = token.token_type
        before = previous.token_type if previous is not None else None
        level = parens.count(True)
        clause_level = not parens or parens[-1]  # not inside a function call's or a list's parentheses
        gap = sql[previous.end + 1 : token.start] if previous is not None else ""
        if kind is TokenType.SELECT:
            in_select[-1] = True
            if previous is not None:
                gap = _newline(level)
        elif kind in _CLAUSES and before not in _JOIN_WORDS and clause_level:
            in_select[-1] = False
            gap = _newline(level)
        elif kind is TokenType.R_PAREN and parens and parens[-1]:
            gap = _newline(level - 1)
        elif before is TokenType.SELECT or (before is TokenType.COMMA and in_select[-1] and clause_level):
            gap = _newline(level + 1)
        out.append(gap)
        out.append(sql[token.start : token.end + 1])
        if kind is TokenType.L_PAREN:
            opens_subquery = i + 1 < len(tokens) and tokens[i + 1].token_type is TokenType.SELECT
            parens.append(opens_subquery)
            if opens_subquery:
                in_select.append(False)
        elif kind is TokenType.R_PAREN and parens and parens.pop():
            in_select.pop()
        previous = token
    return "".join(out)


def _newline(level: int) -> str:
    return "\n" + INDENT * level
