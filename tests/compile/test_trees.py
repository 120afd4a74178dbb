"""`catalog.compile.trees`: building blocks that must give exactly the trees sqlglot's builders give."""

from __future__ import annotations

import pytest
from sqlglot import exp

from catalog.compile.trees import qualified
from catalog.sqlexpr import all_of, clone


def _conditions(text: str) -> list[exp.Expr]:
    return [exp.condition(part) for part in text.split(" ; ")]


@pytest.mark.parametrize(
    "text",
    [
        "a = 1",
        "a = 1 ; b > 2",
        "a = 1 OR b = 2 ; c = 3",
        "a = 1 ; b = 2 OR c = 3 ; d IN (4, 5)",
        "a = 1 AND b = 2 ; c = 3 AND d = 4",
    ],
)
def test_all_of_builds_what_exp_and_builds(text: str) -> None:
    expected = exp.and_(*_conditions(text), copy=False)
    built = all_of(*_conditions(text))
    assert built == expected
    assert built.sql() == expected.sql()


def test_all_of_parenthesizes_an_or_so_it_cannot_widen_the_and() -> None:
    assert all_of(*_conditions("a = 1 OR b = 2 ; c = 3")).sql() == "(a = 1 OR b = 2) AND c = 3"


def test_clone_is_an_equal_tree_that_shares_no_node() -> None:
    tree = qualified("CASE WHEN status IN ('paid', 'refunded') THEN amount END", "t0")
    copied = clone(tree)
    assert copied == tree and copied.sql() == tree.sql()
    originals = {id(node) for node in tree.walk()}
    assert not any(id(node) in originals for node in copied.walk())
