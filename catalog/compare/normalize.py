"""SQL normalisation for comparing definitions: two texts that mean the same rows give the same strings.

Columns are lower-cased and unqualified (an atomic metric reads one physical table, which its canonical form
names); then a few rewrites that sqlglot's optimizer does not do run before and after `normalize` (to CNF)
and `simplify`:

- `IF(c, a, b)` → `CASE WHEN c THEN a ELSE b END`; `CASE … ELSE NULL END` → `CASE … END`
- casts of literals that change nothing (`CAST(1 AS INT)`, `'paid'::text`) → the literal
- `x * 1`, `1 * x`, `x + 0`, `x - 0`, `x / 1` → `x`; `flag = TRUE` → `flag`; `flag = FALSE` → `NOT flag`
- `x NOT IN (a, b)` → `x <> a AND x <> b`, `x BETWEEN a AND b` → `x >= a AND x <= b` (before CNF)
- `x = a OR x = b OR x IN (c)` → `x IN (a, b, c)`, values sorted and deduplicated; `x IN (a)` → `x = a`
- numbers compared with `1.0`/`1` written alike; operands of commutative operators sorted

A filter becomes the set of its top-level conjuncts, each normalised on its own (and cached by content), so
conjunct order never matters and a catalog of many filters built from the same terms stays cheap.

    >>> sorted(filter_terms("0 < amount AND (status = 'b' OR status = 'a')"))
    ['amount > 0', "status IN ('a', 'b')"]
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.optimizer.normalize import normalize
from sqlglot.optimizer.simplify import simplify

from catalog.sqlexpr import DEFINITION_DIALECT, all_of, clone, parse_expression

_ASSOCIATIVE = (exp.And, exp.Or, exp.Add, exp.Mul)
_PRECEDENCE: tuple[tuple[type[exp.Expr], ...], ...] = (
    (exp.Or,),
    (exp.And,),
    (exp.Not,),
    (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Is, exp.In, exp.Like, exp.ILike, exp.Between),
    (exp.Add, exp.Sub, exp.DPipe),
    (exp.Mul, exp.Div, exp.Mod),
    (exp.Neg,),
)
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
_FLIPPED: dict[type[exp.Expr], type[exp.Expr]] = {
    exp.EQ: exp.EQ,
    exp.NEQ: exp.NEQ,
    exp.GT: exp.LT,
    exp.LT: exp.GT,
    exp.GTE: exp.LTE,
    exp.LTE: exp.GTE,
}
_TEXT_TYPES = {
    exp.DataType.Type.TEXT,
    exp.DataType.Type.VARCHAR,
    exp.DataType.Type.CHAR,
    exp.DataType.Type.NVARCHAR,
    exp.DataType.Type.NCHAR,
}
# Writing a metric's filter out to CNF is exponential in the worst case; past this sqlglot keeps the input.
_CNF_MAX_DISTANCE = 128
_CACHE_SIZE = 262_144
_local = threading.local()
# What the conjunct splitter looks at: quoted text (skipped whole), words and parentheses.
_TOKEN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[A-Za-z_][A-Za-z_0-9]*|[()]")
_AND = re.compile(r"\band\b")


def render(tree: exp.Expr) -> str:
    """The tree as text in the definition dialect, through one generator per thread (a generator keeps state;
    `tree.sql()` would build a generator and copy the tree on every call)."""
    generator = getattr(_local, "generator", None)
    if generator is None:
        generator = _local.generator = Dialect.get_or_raise(DEFINITION_DIALECT).generator(comments=False)
    return generator.generate(tree, copy=False)


def expression_sql(text: str) -> str:
    """The canonical SQL of a per-row expression (a metric's `expr`).

    >>> expression_sql("IF(Paid, orders.Amount * 1, NULL)")
    'CASE WHEN paid THEN amount END'
    """
    return render(expression_tree(text))


def expression_tree(text: str) -> exp.Expr:
    """Parsed and rewritten; a fresh tree the caller may change."""
    parsed, problems = parse_expression(text, "expr")
    if parsed is None:
        raise ValueError(f"cannot normalise {text!r}: {problems[0].message if problems else 'no tree'}")
    return canonical_tree(prepare(clone(parsed.tree)))


@lru_cache(maxsize=_CACHE_SIZE)
def filter_terms(text: str | None) -> frozenset[str]:
    """The canonical conjuncts of a boolean filter (empty for no filter), cached by the text.

    Top-level conjuncts are cut apart in the text and normalised one by one (each cached too): a catalog's
    filters are mostly new combinations of the same few terms, so the optimizer rarely runs.
    """
    if text is None:
        return frozenset()
    chunks = split_conjuncts(text)
    if chunks is not None:
        found = [_text_terms(chunk) for chunk in chunks]
        if all(terms is not None for terms in found):
            return frozenset().union(*found)  # type: ignore[arg-type]
    terms = _text_terms(text)
    if terms is None:
        raise ValueError(f"cannot normalise filter {text!r}: it does not parse")
    return terms


def split_conjuncts(text: str) -> list[str] | None:
    """`a = 1 AND (b OR c)` → ['a = 1', '(b OR c)']; None when the text is not a plain top-level AND.

    Parentheses, CASE … END, quotes and the AND of BETWEEN are respected; a top-level OR (which binds
    looser than AND), comments or dollar quotes make it give up, and the caller parses the whole text.
    """
    lowered = text.lower()
    # A comment or dollar quote could hide an AND (even inside a string this only costs the fast path).
    if not _AND.search(lowered) or "--" in text or "/*" in text or "$" in text:
        return None
    chunks: list[str] = []
    depth, betweens, start = 0, 0, 0
    for token in _TOKEN.finditer(text):
        word = token.group(0).upper()
        if word in ("(", "CASE"):
            depth += 1
        elif word in (")", "END"):
            depth -= 1
        elif depth == 0 and word == "OR":
            return None
        elif depth == 0 and word == "BETWEEN":
            betweens += 1
        elif depth == 0 and word == "AND":
            if betweens:
                betweens -= 1
                continue
            chunks.append(text[start : token.start()].strip())
            start = token.end()
    chunks.append(text[start:].strip())
    return chunks if len(chunks) > 1 and all(chunks) and depth == 0 else None


@lru_cache(maxsize=_CACHE_SIZE)
def _text_terms(text: str) -> frozenset[str] | None:
    parsed, _ = parse_expression(text, "filter")
    return predicate_terms(prepare(clone(parsed.tree))) if parsed is not None else None


def predicate_terms(tree: exp.Expr) -> frozenset[str]:
    """The canonical conjuncts of an already prepared boolean tree."""
    terms: set[str] = set()
    for conjunct in _flatten(tree, exp.And):
        conjunct = clone(conjunct)
        if not _plain(conjunct):
            conjunct = simplify(normalize(conjunct, dnf=False, max_distance=_CNF_MAX_DISTANCE))
        terms.update(render(c) for c in _flatten(canonical_tree(conjunct), exp.And))
    terms.discard("TRUE")
    return frozenset(terms)


def _plain(conjunct: exp.Expr) -> bool:
    """A comparison of a column with literals, a flag, or an OR of equalities on one column: what most
    terms are. The optimizer has nothing to do on them (the rewrites do the rest), and it is the slow step."""
    if isinstance(conjunct, exp.Or):
        operands = _flatten(conjunct, exp.Or)
        columns = {render(o.this) for o in operands if isinstance(o, exp.EQ | exp.In)}
        return len(columns) == 1 and all(_plain(o) and isinstance(o, exp.EQ | exp.In) for o in operands)
    if isinstance(conjunct, exp.Not):
        return isinstance(conjunct.this, exp.Column)
    if isinstance(conjunct, (*_COMPARISONS, exp.Like)):
        sides = (conjunct.this, conjunct.expression)
        return all(isinstance(s, exp.Column | exp.Literal) for s in sides) and any(
            isinstance(s, exp.Column) for s in sides
        )
    if isinstance(conjunct, exp.In):
        return isinstance(conjunct.this, exp.Column) and _literal_list(conjunct)
    if isinstance(conjunct, exp.Is):
        return isinstance(conjunct.this, exp.Column) and isinstance(conjunct.expression, exp.Null)
    return isinstance(conjunct, exp.Column)


def bare_column(name: str) -> exp.Column:
    """An unqualified, unquoted column (built directly: `exp.column` is many times slower)."""
    return exp.Column(this=exp.Identifier(this=name, quoted=False))


def clear_caches() -> None:
    """Forget every normalised text (benchmarks start cold with it)."""
    filter_terms.cache_clear()
    _text_terms.cache_clear()
    parse_expression.cache_clear()


# -- before the optimizer -----------------------------------------------------------------------------------
def prepare(tree: exp.Expr) -> exp.Expr:
    """Lower-case columns and drop what qualifies them (an atomic metric reads one table, named in its
    canonical form), then the rewrites the optimizer needs done first."""

    def bare(node: exp.Expr) -> exp.Expr:
        return bare_column(node.name.lower()) if isinstance(node, exp.Column) else node

    return _parenthesize(_bottom_up(_bottom_up(tree, bare), _prepare_node))


def _prepare_node(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Paren):
        return node.this
    if isinstance(node, exp.If) and not isinstance(node.parent, exp.Case):
        case = exp.Case(ifs=[exp.If(this=node.this, true=node.args["true"])])
        if node.args.get("false") is not None:
            case.set("default", node.args["false"])
        return _prepare_node(case)
    if isinstance(node, exp.Between):
        return all_of(
            exp.GTE(this=clone(node.this), expression=node.args["low"]),
            exp.LTE(this=node.this, expression=node.args["high"]),
        )
    if isinstance(node, exp.Case) and isinstance(node.args.get("default"), exp.Null):
        node.set("default", None)
        return node
    if isinstance(node, exp.Cast):
        return _literal_cast(node)
    if isinstance(node, exp.EQ | exp.NEQ):
        return _boolean_comparison(node)
    if isinstance(node, exp.Not) and isinstance(node.this, exp.Is):
        # One spelling for `x IS NOT NULL` (sqlglot parses it as IS with `negate`, simplify emits NOT … IS).
        node.this.set("negate", not node.this.args.get("negate"))
        return node.this
    if isinstance(node, exp.Not) and isinstance(node.this, exp.In) and _literal_list(node.this):
        column = node.this.this
        return all_of(*(exp.NEQ(this=clone(column), expression=clone(v)) for v in node.this.expressions))
    if isinstance(node, exp.Div):
        # One rendering for every division: a ratio is `numerator / denominator` whatever wrote it.
        node.set("typed", True)
        node.set("safe", False)
    return _arithmetic_identity(node)


def _literal_cast(node: exp.Cast) -> exp.Expr:
    value, to = node.this, node.to
    if not isinstance(value, exp.Literal):
        return node
    if to.this in _TEXT_TYPES and value.is_string and not to.expressions:
        return value
    if to.is_type(*exp.DataType.NUMERIC_TYPES):
        number = _number(value.this)
        integral = number is not None and number == number.to_integral()
        if number is not None and (integral or not to.is_type(*exp.DataType.INTEGER_TYPES)):
            return exp.Literal.number(_number_text(number))
    return node


def _boolean_comparison(node: exp.EQ | exp.NEQ) -> exp.Expr:
    left, right = node.this, node.expression
    if isinstance(left, exp.Boolean):
        left, right = right, left
    if not isinstance(right, exp.Boolean):
        return node
    # `flag = TRUE` is NULL, TRUE or FALSE exactly when `flag` is: the same value in every context.
    keep = right.this if isinstance(node, exp.EQ) else not right.this
    return left if keep else exp.Not(this=left)


def _arithmetic_identity(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Mul):
        if _is_number(node.expression, 1):
            return node.this
        if _is_number(node.this, 1):
            return node.expression
    elif isinstance(node, exp.Add):
        if _is_number(node.expression, 0):
            return node.this
        if _is_number(node.this, 0):
            return node.expression
    elif (isinstance(node, exp.Sub) and _is_number(node.expression, 0)) or (
        isinstance(node, exp.Div) and _is_number(node.expression, 1)
    ):
        return node.this
    return node


# -- after the optimizer -------------------------------------------------------------------------------------
def canonical_tree(tree: exp.Expr) -> exp.Expr:
    """Rewrites that make equal meanings render alike; idempotent."""
    return _parenthesize(_bottom_up(_bottom_up(tree, _prepare_node), _canonical_node))


def _canonical_node(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Or):
        return _merge_equalities(node)
    if isinstance(node, exp.In) and _literal_list(node):
        return _in_or_eq(node.this, node.expressions)
    if isinstance(node, _COMPARISONS):
        for side in ("this", "expression"):
            literal = node.args.get(side)
            if isinstance(literal, exp.Literal) and not literal.is_string:
                number = _number(literal.this)
                if number is not None:
                    node.set(side, exp.Literal.number(_number_text(number)))
        if isinstance(node.this, exp.Literal) and not isinstance(node.expression, exp.Literal):
            return _FLIPPED[type(node)](this=node.expression, expression=node.this)
        if (
            isinstance(node, exp.EQ | exp.NEQ)
            and not isinstance(node.expression, exp.Literal)
            and render(node.this) > render(node.expression)
        ):
            return type(node)(this=node.expression, expression=node.this)
        return node
    if isinstance(node, exp.And | exp.Add | exp.Mul):
        operands = sorted(_flatten(node, type(node)), key=render)
        rebuilt = operands[0]
        for operand in operands[1:]:
            rebuilt = type(node)(this=rebuilt, expression=operand)
        return rebuilt
    return node


def _merge_equalities(node: exp.Or) -> exp.Expr:
    """`x = 1 OR y = 2 OR x IN (3)` → `x IN (1, 3) OR y = 2`, operands sorted."""
    values: dict[str, tuple[exp.Expr, list[exp.Literal]]] = {}
    others: list[exp.Expr] = []
    for operand in _flatten(node, exp.Or):
        if isinstance(operand, exp.EQ) and isinstance(operand.expression, exp.Literal):
            values.setdefault(render(operand.this), (operand.this, []))[1].append(operand.expression)
        elif isinstance(operand, exp.In) and _literal_list(operand):
            values.setdefault(render(operand.this), (operand.this, []))[1].extend(operand.expressions)
        else:
            others.append(operand)
    merged = [_in_or_eq(column, literals) for column, literals in values.values()]
    operands = sorted({render(o): o for o in [*merged, *others]}.items())
    rebuilt = operands[0][1]
    for _, operand in operands[1:]:
        rebuilt = exp.Or(this=rebuilt, expression=operand)
    return rebuilt


def _in_or_eq(column: exp.Expr, literals: Sequence[exp.Expr]) -> exp.Expr:
    unique = {_literal_key(v): v for v in literals if isinstance(v, exp.Literal)}
    ordered = [unique[k] for k in sorted(unique)]
    if len(ordered) == 1:
        return exp.EQ(this=column, expression=ordered[0])
    return exp.In(this=column, expressions=ordered)


def _literal_key(literal: exp.Literal) -> tuple[int, Decimal, str]:
    if literal.is_string:
        return (1, Decimal(0), literal.this)
    number = _number(literal.this)
    if number is None:
        return (2, Decimal(0), literal.this)
    literal.set("this", _number_text(number))
    return (0, number, "")


def _literal_list(node: exp.In) -> bool:
    return (
        bool(node.expressions)
        and not node.args.get("query")
        and all(isinstance(v, exp.Literal) for v in node.expressions)
    )


# -- small helpers -------------------------------------------------------------------------------------------
def _bottom_up(tree: exp.Expr, rewrite: Callable[[exp.Expr], exp.Expr]) -> exp.Expr:
    """Apply `rewrite` to every node, children before parents (sqlglot's `transform` skips the children of
    a replaced node, which would leave `(a = 1 OR a = 2)` unmerged once its parentheses are dropped)."""
    root = tree
    for node in reversed(list(tree.dfs())):
        new = rewrite(node)
        if new is node:
            continue
        if node is root:
            root = new
            if new.parent is not None:
                new.pop()
        else:
            node.replace(new)
    return root


def _parenthesize(tree: exp.Expr) -> exp.Expr:
    """Parentheses wherever precedence would otherwise decide, so the text never depends on them (the
    rewrites drop the parentheses that were written)."""
    for node in list(tree.dfs()):
        rank = _precedence(node)
        if rank is None:
            continue
        for key in ("this", "expression"):
            child = node.args.get(key)
            child_rank = _precedence(child) if isinstance(child, exp.Expr) else None
            if child_rank is None or child_rank > rank:
                continue
            if (
                child_rank == rank
                and type(child) is type(node)
                and key == "this"
                and isinstance(node, _ASSOCIATIVE)
            ):
                continue
            node.set(key, exp.Paren(this=child))
    return tree


def _precedence(node: exp.Expr) -> int | None:
    """Binding strength of an operator (higher binds tighter); None for atoms and function calls."""
    for rank, kinds in enumerate(_PRECEDENCE, start=1):
        if isinstance(node, kinds):
            return rank
    return 0 if isinstance(node, exp.Binary) else None


def _flatten(node: exp.Expr, kind: type[exp.Expr]) -> list[exp.Expr]:
    if isinstance(node, exp.Paren):
        return _flatten(node.this, kind)
    if isinstance(node, kind):
        return [*_flatten(node.this, kind), *_flatten(node.expression, kind)]
    return [node]


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _number_text(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _is_number(node: exp.Expr | None, value: int) -> bool:
    if not isinstance(node, exp.Literal) or node.is_string:
        return False
    number = _number(node.this)
    return number is not None and number == value
