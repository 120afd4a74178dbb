"""SQL written inside definitions: parse it once, allow only one safe scalar expression, report what it reads.

A definition's `expr`, `filter` and a dimension's `expr` may use columns, literals, arithmetic, comparisons,
boolean logic, CASE, and an allow-list of portable functions. Subqueries, statements, window functions,
unknown functions and `;` are refused with a code and the position inside the text.

    >>> parsed, problems = parse_expression("amount * 2", "expr")
    >>> sorted(parsed.columns), problems
    (['amount'], [])
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

_ALLOWED_NODES: tuple[type[exp.Expr], ...] = (
    exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Star,
    exp.Paren, exp.Neg, exp.Not, exp.And, exp.Or,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Is, exp.In, exp.Between, exp.Like, exp.ILike,
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod, exp.Tuple,
    exp.Case, exp.If, exp.Coalesce, exp.Cast, exp.DataType, exp.DataTypeParam,
    exp.Abs, exp.Lower, exp.Upper, exp.Trim, exp.Length, exp.Round, exp.Floor, exp.Ceil, exp.Greatest,
    exp.Least, exp.Nullif, exp.Concat, exp.Substring, exp.DPipe, exp.Var,
)

_AGGREGATES: tuple[type[exp.Expr], ...] = (exp.Sum, exp.Count, exp.Avg, exp.Min, exp.Max)

# The one dialect every definition is written in. It is close to ANSI and portable through sqlglot.
DEFINITION_DIALECT = "postgres"


@dataclass(frozen=True, slots=True)
class SqlProblem:
    code: str
    message: str
    hint: str
    line: int = 1
    col: int = 1


@dataclass(frozen=True, slots=True)
class ParsedExpr:
    text: str
    tree: exp.Expr
    columns: frozenset[str]
    """Column names read, lower-cased and unqualified."""
    qualified: frozenset[tuple[str, str]]
    """`(qualifier, column)` pairs written as `x.y`, e.g. `finance.gmv` in a derived metric."""


@lru_cache(maxsize=65_536)
def parse_expression(text: str, role: str, allow_aggregates: bool = False,
                     ) -> tuple[ParsedExpr | None, tuple[SqlProblem, ...]]:
    """Parse `text` as one scalar expression (`role` names the field in messages).

    Results are cached and shared: callers must `.copy()` the tree before changing it.
    """
    try:
        trees = sqlglot.parse(text, read=DEFINITION_DIALECT)
    except (ParseError, TokenError) as err:
        first = err.errors[0] if isinstance(err, ParseError) and err.errors else {}
        return None, (SqlProblem("Q001", f"{role} does not parse: {_first_line(err)}",
                                 "write one SQL expression, e.g. `amount * 2` or `status = 'paid'`",
                                 int(first.get("line") or 1), int(first.get("col") or 1)),)
    except (RecursionError, ValueError, TypeError) as err:  # hostile nesting or tokens sqlglot chokes on
        return None, (SqlProblem("Q001", f"{role} does not parse: {_first_line(err)}",
                                 "write one plain SQL expression"),)
    statements = [t for t in trees if t is not None]
    if len(statements) != 1 or ";" in _code_outside_strings(text):
        return None, (SqlProblem("Q002", f"{role} must be one expression, not several statements",
                                 "remove the ';' and anything after it"),)
    tree = statements[0]
    if isinstance(tree, exp.Query | exp.Command | exp.DDL | exp.DML) or tree.find(exp.Query):
        return None, (SqlProblem("Q003", f"{role} contains a query or statement ({tree.key.upper()})",
                                 "definitions hold expressions over the source's columns; "
                                 "model another table as its own source instead of a subquery"),)
    problems = tuple(_check_nodes(tree, role, allow_aggregates))
    if problems:
        return None, problems
    columns = frozenset(c.name.lower() for c in tree.find_all(exp.Column))
    qualified = frozenset((c.table.lower(), c.name.lower()) for c in tree.find_all(exp.Column) if c.table)
    return ParsedExpr(text, tree, columns, qualified), ()


def _check_nodes(tree: exp.Expr, role: str, allow_aggregates: bool) -> list[SqlProblem]:
    problems: list[SqlProblem] = []
    for node in tree.walk():
        if isinstance(node, _ALLOWED_NODES):
            if isinstance(node, exp.Column) and len(node.parts) > 2:
                problems.append(SqlProblem("Q003", f"{role}: column {node.sql()!r} has too many parts",
                                           "name the column alone, or as source.column"))
            continue
        if isinstance(node, _AGGREGATES):
            if not allow_aggregates:
                problems.append(SqlProblem("Q005", f"{role} contains the aggregate {node.key.upper()}",
                                           "the metric's `agg` aggregates; `expr` is the per-row value"))
            continue
        if isinstance(node, exp.Window):
            problems.append(SqlProblem("Q003", f"{role} contains a window function",
                                       "use a cumulative or period_over_period metric instead"))
        elif isinstance(node, exp.Func):
            name = node.sql_name() if not isinstance(node, exp.Anonymous) else node.name
            problems.append(SqlProblem("Q004", f"{role} calls {name.upper()}(), which is not allowed",
                                       "allowed: CASE, COALESCE, NULLIF, CAST, ABS, ROUND, FLOOR, CEIL, "
                                       "LOWER, UPPER, TRIM, LENGTH, SUBSTRING, CONCAT, GREATEST, LEAST"))
        else:
            problems.append(SqlProblem("Q003", f"{role} uses {node.key.upper()}, which is not allowed "
                                       "in a definition", "keep to columns, literals, arithmetic, "
                                       "comparisons, AND/OR/NOT, IN, BETWEEN, LIKE, IS NULL and CASE"))
        break
    return problems


def _code_outside_strings(text: str) -> str:
    """The text with quoted literals blanked, so a ';' inside a string is not a statement break."""
    out, quote = [], ""
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
            continue
        out.append(ch)
    return "".join(out)


def _first_line(err: Exception) -> str:
    return str(err).splitlines()[0][:200] if str(err) else type(err).__name__
