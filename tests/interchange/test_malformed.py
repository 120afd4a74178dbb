"""Any value of the wrong shape anywhere in an input file is a finding in the report, never an exception."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalog.interchange.dbt_import import import_dbt_documents
from catalog.interchange.ossie import import_ossie_documents
from catalog.interchange.yamlio import parse_documents
from tests.interchange.shop import SHOP

ODD: list[Any] = [None, 5, "", [], {"a": 1}, [1], "{{ Dimension( }}"]
DBT = {p.name: parse_documents(p.read_text("utf-8"))[0][0] for p in sorted((SHOP / "models").glob("*.yml"))}
OSSIE = Path(__file__).parent.parent / "fixtures" / "ossie" / "ecommerce.yaml"


def paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    children = (
        value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    )
    for key, child in children:
        yield from paths(child, (*path, key))


def replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    copied = copy.deepcopy(document)
    holder = copied
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return copied


@pytest.mark.parametrize("name", sorted(DBT))
def test_a_malformed_dbt_value_anywhere_is_a_finding(name: str):
    for path in paths(DBT[name]):
        for value in ODD:
            documents = [
                (file, replaced(doc, path, value) if file == name else doc) for file, doc in DBT.items()
            ]
            result = import_dbt_documents(documents, "shop")  # must not raise
            assert result.report is not None


def test_a_malformed_ossie_value_anywhere_is_a_finding():
    document = parse_documents(OSSIE.read_text("utf-8"))[0][0]
    for path in paths(document):
        for value in ODD:
            result = import_ossie_documents(
                [("model.yaml", replaced(document, path, value))]
            )  # must not raise
            assert result.report is not None
