"""Every registered metric type is complete, and each part of it works on a real metric of that type."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from catalog.compare.canonical import Canonicalizer
from catalog.compile import compile_query
from catalog.lint import lint_paths
from catalog.metric_types.base import MetricType, problems
from catalog.metric_types.registry import METRIC_TYPES, by_name, file_definition
from catalog.model import Catalog, Metric

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def catalogs() -> list[Catalog]:
    return [lint_paths([ROOT / "metric_defs"]).catalog, lint_paths([ROOT / "tests/fixtures/aarrr"]).catalog]


def _example(kind: MetricType, catalogs: list[Catalog]) -> tuple[Metric, Catalog]:
    for catalog in catalogs:
        for metric in catalog.metrics.values():
            if metric.kind == kind:
                return metric, catalog
    raise AssertionError(f"no metric of type {kind.name} in metric_defs/ or the AARRR fixture")


def _strict(kind: MetricType) -> Callable[..., str]:
    """A translator that knows only the type's own words, and fails on any other key."""
    words = {key: en for key, _, en in kind.words.strings}

    def t(key: str, /, **values: object) -> str:
        return words[key].format(**values)

    return t


@pytest.mark.parametrize("kind", METRIC_TYPES, ids=lambda k: k.name)
def test_every_registered_type_is_complete(kind: MetricType) -> None:
    assert problems(kind) == []


def test_type_names_are_unique_and_shared_words_agree() -> None:
    assert len(by_name()) == len(METRIC_TYPES)
    said: dict[str, tuple[str, str]] = {}
    for kind in METRIC_TYPES:
        for key, zh, en in kind.words.strings:
            assert said.setdefault(key, (zh, en)) == (zh, en), key


@pytest.mark.parametrize("kind", METRIC_TYPES, ids=lambda k: k.name)
def test_every_part_of_a_type_works_on_a_metric_of_that_type(
    kind: MetricType, catalogs: list[Catalog]
) -> None:
    metric, catalog = _example(kind, catalogs)
    assert isinstance(metric.spec, kind.spec)
    assert set(metric.references()) <= set(catalog.metrics)
    assert Canonicalizer(catalog)(metric.key).fingerprint
    compiled = compile_query({"metrics": [metric.key], "grain": "month"}, catalog, cache=False)
    assert compiled.metrics[0] == metric.key
    qualified = kind.qualify(metric.spec)
    assert set(qualified) <= set(metric.definition), "qualify names fields the definition does not have"
    named = {
        name for n in kind.names(metric.definition) for name in catalog.find("metrics", n, metric.namespace)
    }
    assert named == set(metric.references())
    t = _strict(kind)
    assert kind.words.describe(metric.spec, catalog, t, lambda key: key)
    assert {key for _, key in kind.words.roles(metric.spec, t)} == set(metric.references())
    assert pickle.loads(pickle.dumps(metric)) == metric
    file = file_definition().model_validate({"metrics": {metric.name: dict(metric.definition)}})
    assert isinstance(file.metrics[metric.name], kind.definition())  # type: ignore[attr-defined]
