"""The metric types the pipeline knows: one line each in `METRIC_TYPES`, in the order people read them.

`catalog.lint` validates and resolves definitions with these; a resolved metric then carries its type
(`Metric.kind`), so no later stage looks a type up. `file_definition()` is the pydantic model of a whole
definition file for these types.

    >>> [kind.name for kind in METRIC_TYPES]
    ['atomic', 'ratio', 'derived', 'cumulative', 'conversion', 'funnel', 'retention', 'period_over_period']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Annotated, Any, Union

from pydantic import BaseModel, Field, create_model

from catalog.metric_types import (
    atomic,
    conversion,
    cumulative,
    derived,
    funnel,
    period_over_period,
    ratio,
    retention,
)
from catalog.metric_types.base import MetricType

METRIC_TYPES: tuple[MetricType[Any], ...] = (
    atomic.TYPE,
    ratio.TYPE,
    derived.TYPE,
    cumulative.TYPE,
    conversion.TYPE,
    funnel.TYPE,
    retention.TYPE,
    period_over_period.TYPE,
)


def by_name(types: Sequence[MetricType[Any]] = METRIC_TYPES) -> Mapping[str, MetricType[Any]]:
    """`{"atomic": atomic.TYPE, …}`; a name given twice is a mistake in the registry."""
    found = {kind.name: kind for kind in types}
    assert len(found) == len(types), "two metric types share a name"
    return found


@cache
def file_definition(types: tuple[MetricType[Any], ...] = METRIC_TYPES) -> type[BaseModel]:
    """The pydantic model of one definition file whose metrics may be of `types`.

    >>> file_definition().model_validate({"metrics": {}}).metrics
    {}
    """
    from catalog.schema import DimensionDef, GoldenTestDef, Name, SourceDef, Strict

    # A discriminated union of the types' models, built at run time: `Any` to the type checker.
    metric: Any = Annotated[Union[tuple(kind.definition() for kind in types)], Field(discriminator="type")]  # noqa: UP007
    model: type[BaseModel] = create_model(
        "FileDef",
        __base__=Strict,
        __doc__="One definition file. The namespace defaults to the folder the file sits in.",
        namespace=(Name | None, None),
        sources=(dict[Name, SourceDef], Field(default_factory=dict)),
        dimensions=(dict[Name, DimensionDef], Field(default_factory=dict)),
        metrics=(dict[Name, metric], Field(default_factory=dict)),
        tests=(dict[Name, GoldenTestDef], Field(default_factory=dict)),
    )
    return model
