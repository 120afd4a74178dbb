"""SQL written inside definitions: parse it once, allow only one safe scalar expression, report what it reads.

A definition's `expr`, `filter` and a dimension's `expr` may use columns, literals, arithmetic, comparisons,
boolean logic, CASE, and an allow-list of portable functions. Subqueries, statements, window functions,
unknown functions and `;` are refused with a code and the position inside the text.

    >>> parsed, problems = parse_expression("amount * 2", "expr")
    >>> sorted(parsed.columns), problems
    (['amount'], ())
"""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.parser import Parser
from sqlglot.tokens import Token, Tokenizer, TokenType

_ALLOWED_NODES: tuple[type[exp.Expr], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Star,
    exp.Paren,
    exp.Neg,
    exp.Not,
    exp.And,
    exp.Or,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.Is,
    exp.In,
    exp.Between,
    exp.Like,
    exp.ILike,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.Tuple,
    exp.Case,
    exp.If,
    exp.Coalesce,
    exp.Cast,
    exp.DataType,
    exp.DataTypeParam,
    exp.Abs,
    exp.Lower,
    exp.Upper,
    exp.Trim,
    exp.Length,
    exp.Round,
    exp.Floor,
    exp.Ceil,
    exp.Greatest,
    exp.Least,
    exp.Nullif,
    exp.Concat,
    exp.Substring,
    exp.DPipe,
    exp.Var,
)

_QUERY_STARTS = frozenset({TokenType.SELECT, TokenType.WITH, TokenType.VALUES, TokenType.FROM})

_AGGREGATES: tuple[type[exp.Expr], ...] = (exp.Sum, exp.Count, exp.Avg, exp.Min, exp.Max)

# sqlglot logs a warning when it parses unknown statements as a Command; here that is a refused definition
# already reported as an issue, so the warning would only be noise on the lint output.
logging.getLogger("sqlglot").addFilter(lambda record: "Falling back to parsing" not in record.getMessage())

# The one dialect every definition is written in. It is close to ANSI and portable through sqlglot.
DEFINITION_DIALECT = "postgres"
_DIALECT = Dialect.get_or_raise(DEFINITION_DIALECT)  # one instance: looking it up by name costs per call
# Each thread keeps one parser and one tokenizer: `Dialect.parse` builds both per call, much of the cost of
# parsing a short filter. Both reset themselves at the start of every call, so reuse after an error is safe.
_tools = threading.local()


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
def parse_expression(
    text: str,
    role: str,
    allow_aggregates: bool = False,
) -> tuple[ParsedExpr | None, tuple[SqlProblem, ...]]:
    """Parse `text` as one scalar expression (`role` names the field in messages).

    Results are cached and shared: callers must `clone` the tree before changing it.
    """
    try:
        trees = _parser().parse(_tokenize(text), text)
    except (ParseError, TokenError) as err:
        first = err.errors[0] if isinstance(err, ParseError) and err.errors else {}
        return None, (
            SqlProblem(
                "Q001",
                f"{role} does not parse: {_first_line(err)}",
                "write one SQL expression, e.g. `amount * 2` or `status = 'paid'`",
                int(first.get("line") or 1),
                int(first.get("col") or 1),
            ),
        )
    except (RecursionError, ValueError, TypeError) as err:  # hostile nesting or tokens sqlglot chokes on
        return None, (
            SqlProblem(
                "Q001", f"{role} does not parse: {_first_line(err)}", "write one plain SQL expression"
            ),
        )
    statements = [t for t in trees if t is not None]
    if len(statements) != 1 or _has_semicolon(text):
        return None, (
            SqlProblem(
                "Q002",
                f"{role} must be one expression, not several statements",
                "remove the ';' and anything after it",
            ),
        )
    tree = statements[0]
    if not isinstance(tree, exp.Condition | exp.Star) and _is_statement(text, tree):
        return None, (
            SqlProblem(
                "Q002",
                f"{role} is an SQL statement ({tree.key.upper()}), not an expression",
                "write one SQL expression over the source's columns, e.g. `amount * 2`",
            ),
        )
    query = tree.find(exp.Query)
    if query is not None:
        return None, (
            SqlProblem(
                "Q003",
                f"{role} contains a subquery ({query.key.upper()})",
                "definitions hold expressions over the source's columns; "
                "model another table as its own source instead of a subquery",
            ),
        )
    problems = tuple(_check_nodes(tree, role, allow_aggregates))
    if problems:
        return None, problems
    found = list(tree.find_all(exp.Column))
    columns = frozenset(c.name.lower() for c in found)
    qualified = frozenset((c.table.lower(), c.name.lower()) for c in found if c.table)
    return ParsedExpr(text, tree, columns, qualified), ()


def _check_nodes(tree: exp.Expr, role: str, allow_aggregates: bool) -> list[SqlProblem]:
    problems: list[SqlProblem] = []
    for node in tree.walk():
        if isinstance(node, exp.Literal) and not node.is_string and not finite_number(node.this):
            problems.append(
                SqlProblem(
                    "Q003",
                    f"{role}: the number {node.this[:40]} is not finite in floating point",
                    "write a number between -1.7e308 and 1.7e308: engines disagree on larger ones",
                )
            )
            break
        if isinstance(node, _ALLOWED_NODES):
            if isinstance(node, exp.Column) and len(node.parts) > 2:
                problems.append(
                    SqlProblem(
                        "Q003",
                        f"{role}: column {node.sql()!r} has too many parts",
                        "name the column alone, or as source.column",
                    )
                )
            continue
        if isinstance(node, _AGGREGATES):
            if not allow_aggregates:
                problems.append(
                    SqlProblem(
                        "Q005",
                        f"{role} contains the aggregate {node.key.upper()}",
                        "the metric's `agg` aggregates; `expr` is the per-row value",
                    )
                )
            continue
        if isinstance(node, exp.Alias):
            problems.append(
                SqlProblem(
                    "Q003",
                    f"{role} names its result ({node.alias!r})",
                    "remove the alias: the definition's key is its name",
                )
            )
        elif isinstance(node, exp.Window):
            problems.append(
                SqlProblem(
                    "Q003",
                    f"{role} contains a window function",
                    "use a cumulative or period_over_period metric instead",
                )
            )
        elif isinstance(node, exp.Func):
            name = node.sql_name() if not isinstance(node, exp.Anonymous) else node.name
            problems.append(
                SqlProblem(
                    "Q004",
                    f"{role} calls {name.upper()}(), which is not allowed",
                    "allowed: CASE, COALESCE, NULLIF, CAST, ABS, ROUND, FLOOR, CEIL, "
                    "LOWER, UPPER, TRIM, LENGTH, SUBSTRING, CONCAT, GREATEST, LEAST",
                )
            )
        else:
            problems.append(
                SqlProblem(
                    "Q003",
                    f"{role} uses {node.key.upper()}, which is not allowed in a definition",
                    "keep to columns, literals, arithmetic, "
                    "comparisons, AND/OR/NOT, IN, BETWEEN, LIKE, IS NULL and CASE",
                )
            )
        break
    return problems


def finite_number(text: str) -> bool:
    """Whether a numeric literal is a finite 8-byte float: `1e999` is infinity on some engines, an error or an
    exact number on others."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _is_statement(text: str, tree: exp.Expr) -> bool:
    """Whether the text is a statement (DROP, GRANT, SELECT, SHOW…) rather than an odd expression."""
    if isinstance(tree, exp.Query | exp.DDL | exp.DML | exp.Command):
        return True
    tokens = _tokenize(text)
    return bool(tokens) and (
        tokens[0].token_type in _DIALECT.parser_class.STATEMENT_PARSERS
        or tokens[0].token_type in _QUERY_STARTS
    )


def _has_semicolon(text: str) -> bool:
    """A `;` token (not one inside a string or comment): `sqlglot.parse` silently drops a trailing one."""
    if ";" not in text:
        return False
    tokens = _tokenize(text)
    return any(t.token_type is TokenType.SEMICOLON for t in tokens)


def _parser() -> Parser:
    parser: Parser | None = getattr(_tools, "parser", None)
    if parser is None:
        parser = _tools.parser = _DIALECT.parser()
    return parser


def _tokenize(text: str) -> list[Token]:
    tokenizer: Tokenizer | None = getattr(_tools, "tokenizer", None)
    if tokenizer is None:
        tokenizer = _tools.tokenizer = _DIALECT.tokenizer()
    return tokenizer.tokenize(text)


def _first_line(err: Exception) -> str:
    return str(err).splitlines()[0][:200] if str(err) else type(err).__name__


# -- building trees ---------------------------------------------------------------------------------------

E = TypeVar("E", bound=exp.Expr)


def clone(node: E) -> E:
    """A deep copy of a tree without its token positions and comments: the one way the compiler copies
    (`Expression.copy()` deep-copies through a memo and carries the parser's positions along)."""
    args: dict[str, object] = {}
    for key, value in node.args.items():
        if isinstance(value, exp.Expr):
            args[key] = clone(value)
        elif type(value) is list:
            args[key] = [clone(v) if isinstance(v, exp.Expr) else v for v in value]
        else:
            args[key] = value
    return node.__class__(**args)


def all_of(*conditions: exp.Expr) -> exp.Expr:
    """`c1 AND c2 AND …`, taking the conditions as they are: what `exp.and_(*conditions, copy=False)` builds,
    without the builder re-checking every operand as parseable text. Connectors are parenthesized alike."""
    return _connected(exp.And, conditions)


def any_of(*conditions: exp.Expr) -> exp.Expr:
    """`c1 OR c2 OR …`, built like `all_of`."""
    return _connected(exp.Or, conditions)


def _connected(connector: type[exp.Connector], conditions: tuple[exp.Expr, ...]) -> exp.Expr:
    first, *rest = conditions
    result = _wrapped(first) if rest else first
    for condition in rest:
        result = connector(this=result, expression=_wrapped(condition))
    return result


def _wrapped(condition: exp.Expr) -> exp.Expr:
    return exp.Paren(this=condition) if isinstance(condition, exp.Connector) else condition
