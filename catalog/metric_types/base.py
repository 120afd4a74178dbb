"""A metric type as one descriptor: everything the pipeline knows about the type, in one record.

A type is one module of `catalog.metric_types` that builds a `MetricType`, plus one line in the registry
tuple `catalog.metric_types.registry.METRIC_TYPES`. Every stage reads the type through its descriptor — the
validator its YAML schema, the resolver its resolution, the compiler its compilation, the compare stage its
canonical form, the store how its references are qualified, the web pages its words — so no stage lists the
types. `problems(kind)` says what a descriptor lacks; `docs/metric-types.md` walks through adding a type.

    >>> from catalog.metric_types.registry import METRIC_TYPES
    >>> [kind.name for kind in METRIC_TYPES][:3], problems(METRIC_TYPES[0])
    (['atomic', 'ratio', 'derived'], [])
"""

from __future__ import annotations

import dataclasses
import pickle
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from catalog.model import Spec

if TYPE_CHECKING:
    from sqlglot import exp

    from catalog.compare.canonical import Canonical, Canonicalizer
    from catalog.compile.plan import Planner
    from catalog.model import Catalog, Metric
    from catalog.resolve import Resolver
    from catalog.schema import MetricBase
    from catalog.validate import Item

S = TypeVar("S", bound=Spec)
Translate = Callable[..., str]
"""`t(key, **values)`: the reader's language's text for `key` (`app.web.i18n.translator`)."""
Labels = Callable[[str], str]
"""A metric key → its label in the reader's language."""
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Words(Generic[S]):
    """What people read about a type (the web catalog), in Chinese and English."""

    strings: tuple[tuple[str, str, str], ...]
    """(key, zh, en) of `type_<name>` (the type's name) and of every phrase `describe` and `roles` use."""
    describe: Callable[[S, Catalog, Translate, Labels], str]
    """The calculation in one sentence, naming components by their label."""
    roles: Callable[[S, Translate], list[tuple[str, str]]]
    """(role in words, metric key) of each component, in order (a component tree's children)."""


@dataclass(frozen=True, slots=True)
class MetricType(Generic[S]):
    """Everything about one metric type, each part used by one stage of the pipeline."""

    name: str
    """The `type:` written in YAML, snake_case."""
    definition: Callable[[], type[MetricBase]]
    """The YAML schema (a pydantic model whose `type` is `Literal[name]`). A function, built on first use:
    a compile from a catalog snapshot never reads YAML, and building pydantic models is slow."""
    spec: type[S]
    """The resolved form: a frozen dataclass subclassing `catalog.model.Spec`, whose `references()` are the
    qualified keys of the metrics it is computed from."""
    resolve: Callable[[Resolver, Item, Any], S | None]
    """Validated definition → spec, reporting unknown references and bad values through the resolver; None
    when the definition has an error."""
    compile: Callable[[Planner, Metric, str], exp.Expr]
    """The metric's output expression over leaf and block columns (`catalog.compile.plan.Planner`)."""
    canonical: Callable[[Canonicalizer, S], Canonical]
    """What the metric computes with every way of writing it erased (`catalog.compare.canonical`)."""
    qualify: Callable[[S], Mapping[str, Any]]
    """The definition's fields that name other objects, written as the qualified keys they resolved to
    (the store's semantic hash must not change when `gmv` is rewritten `shop.gmv`)."""
    names: Callable[[Mapping[str, Any]], list[str]]
    """Metric names a stored definition writes, before resolution (to rebuild a past version)."""
    words: Words[S]


def problems(kind: MetricType[Any]) -> list[str]:
    """What `kind` lacks or gets wrong; empty for a complete type.

    >>> from catalog.metric_types.registry import METRIC_TYPES
    >>> problems(dataclasses.replace(METRIC_TYPES[1], compile=None))
    ['ratio: compile is missing']
    """
    found: list[str] = []
    name = kind.name if isinstance(kind.name, str) else repr(kind.name)
    for part in dataclasses.fields(kind):
        if getattr(kind, part.name) is None:
            found.append(f"{name}: {part.name} is missing")
    if kind.words is not None:
        for part in dataclasses.fields(kind.words):
            if getattr(kind.words, part.name) is None:
                found.append(f"{name}: words.{part.name} is missing")
    if found:
        return found
    if not NAME.match(kind.name):
        found.append(f"{name}: the name is not snake_case")
    found += _definition_problems(kind)
    spec = kind.spec
    if not (isinstance(spec, type) and issubclass(spec, Spec) and dataclasses.is_dataclass(spec)):
        found.append(f"{name}: spec is not a dataclass subclassing catalog.model.Spec")
    elif not spec.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        found.append(f"{name}: spec is not frozen")
    for function in ("resolve", "compile", "canonical", "qualify", "names"):
        if not callable(getattr(kind, function)):
            found.append(f"{name}: {function} is not callable")
    strings = {key: (zh, en) for key, zh, en in kind.words.strings}
    if f"type_{kind.name}" not in strings:
        found.append(f"{name}: words say nothing for type_{kind.name}")
    found += [
        f"{name}: words for {key} lack a language" for key, (zh, en) in strings.items() if not (zh and en)
    ]
    found += [
        f"{name}: words.{part} is not callable"
        for part in ("describe", "roles")
        if not callable(getattr(kind.words, part))
    ]
    try:
        pickle.dumps(kind)
    except Exception as err:  # a resolved metric carries its type into the catalog snapshot
        found.append(f"{name}: cannot be pickled with a catalog snapshot ({err})")
    return found


def _definition_problems(kind: MetricType[Any]) -> list[str]:
    from catalog.schema import MetricBase

    try:
        model = kind.definition()
    except Exception as err:
        return [f"{kind.name}: definition() fails: {err!r}"]
    if not (isinstance(model, type) and issubclass(model, MetricBase)):
        return [f"{kind.name}: definition() is not a catalog.schema.MetricBase model"]
    field = model.model_fields.get("type")
    if field is None or typing.get_args(field.annotation) != (kind.name,):
        return [f"{kind.name}: the definition's `type` is not Literal[{kind.name!r}]"]
    return []


def written(definition: Mapping[str, Any], *fields: str) -> list[str]:
    """The names written at `fields` of a definition, each a name or a list of names; others are skipped.

    >>> written({"numerator": "gmv", "steps": ["a", 3, "b"], "window": 7}, "numerator", "steps", "window")
    ['gmv', 'a', 'b']
    """
    found: list[str] = []
    for field in fields:
        value = definition.get(field)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found += [v for v in value if isinstance(v, str)]
    return found
