"""The resolved catalog: frozen domain objects that every later stage (compile, compare, store) reads.

Every reference is already resolved to a qualified key `namespace.name`; every object remembers where it was
defined. Nothing here does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from catalog.issues import Issue, Level, Location

if TYPE_CHECKING:
    from catalog.metric_types.base import MetricType

Grain = Literal["day", "week", "month", "quarter", "year"]
GRAINS: tuple[Grain, ...] = ("day", "week", "month", "quarter", "year")
TIME_TYPES = ("date", "timestamp")
"""Column types a time column may have."""

_WINDOW_RE = re.compile(r"^\s*(\d{1,4})\s*(day|week|month|quarter|year)s?\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Window:
    """A duration such as `14 days` or `3 months`."""

    count: int
    unit: Grain

    @classmethod
    def parse(cls, text: str) -> Window | None:
        """`Window.parse("14 days")` → Window(14, "day"); None when the text is not a duration."""
        match = _WINDOW_RE.match(text)
        if not match or int(match.group(1)) == 0:
            return None
        return cls(int(match.group(1)), match.group(2).lower())  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.count} {self.unit}{'s' if self.count != 1 else ''}"


@dataclass(frozen=True, slots=True)
class Label:
    en: str
    zh: str


@dataclass(frozen=True, slots=True)
class Entity:
    name: str
    column: str
    primary: bool = False


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    namespace: str
    name: str
    table: str
    time: str | None
    columns: Mapping[str, str] | None
    entities: tuple[Entity, ...]
    description: str | None = None
    location: Location = field(default_factory=Location, compare=False)

    def column_type(self, column: str) -> str | None:
        return self.columns.get(column) if self.columns else None

    def entity(self, name: str) -> Entity | None:
        return next((e for e in self.entities if e.name == name), None)

    @property
    def primary(self) -> Entity | None:
        return next((e for e in self.entities if e.primary), None)


@dataclass(frozen=True, slots=True)
class Dimension:
    key: str
    namespace: str
    name: str
    source: str
    expr: str
    label: Label
    description: str | None = None
    type: str = "categorical"
    location: Location = field(default_factory=Location, compare=False)


class Spec:
    """The type-specific part of a resolved metric: a frozen dataclass in its type's module
    (`catalog.metric_types`). Every metric it refers to is written as a qualified key."""

    __slots__ = ()

    def references(self) -> tuple[str, ...]:
        """Qualified keys of the metrics this one is computed from, in order, each once (none for atomic)."""
        return ()


@dataclass(frozen=True, slots=True)
class Override:
    metric: str
    reason: str


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    namespace: str
    name: str
    kind: MetricType[Any] = field(compare=False)
    """The metric's type: everything the pipeline knows about it (`catalog.metric_types`)."""
    spec: Spec
    label: Label
    description: str
    stage: str
    owner: str
    unit: str | None = None
    status: str = "active"
    standard: bool = False
    overrides: Override | None = None
    tags: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    """Qualified keys of the dimensions the definition lists under `dimensions:` (checked reachable)."""
    location: Location = field(default_factory=Location, compare=False)
    definition: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    """The definition as written in YAML (for storing versions and showing diffs)."""

    @property
    def type(self) -> str:
        """The type's name, as written in YAML (`atomic`, `ratio`…)."""
        return self.kind.name

    @property
    def deprecated(self) -> bool:
        return self.status == "deprecated"

    def references(self) -> tuple[str, ...]:
        """Qualified keys of the metrics this one is computed from (empty for atomic)."""
        return self.spec.references()


@dataclass(frozen=True, slots=True, weakref_slot=True)
class Catalog:
    """Everything that was defined, keyed by `namespace.name`.

    Weak references let caches of derived values (compiled SQL, join paths) drop a superseded catalog.
    """

    sources: Mapping[str, Source] = field(default_factory=dict)
    dimensions: Mapping[str, Dimension] = field(default_factory=dict)
    metrics: Mapping[str, Metric] = field(default_factory=dict)
    _bare: dict[str, dict[str, list[str]]] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "_bare",
            {kind: _by_bare_name(getattr(self, kind)) for kind in ("sources", "dimensions", "metrics")},
        )

    def find(
        self, kind: Literal["sources", "dimensions", "metrics"], name: str, namespace: str | None = None
    ) -> list[str]:
        """Keys that `name` may mean: exact `ns.name`, else `name` in `namespace`, else `name` anywhere.

        More than one key means the bare name is ambiguous.
        """
        table: Mapping[str, Any] = getattr(self, kind)
        if name in table:
            return [name]
        if namespace is not None and f"{namespace}.{name}" in table:
            return [f"{namespace}.{name}"]
        return self._bare[kind].get(name, [])


@dataclass(frozen=True, slots=True)
class LintResult:
    """A catalog with the issues found while building it, and the files it was built from."""

    catalog: Catalog
    issues: tuple[Issue, ...]
    files: tuple[str, ...] = field(default=())

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.level is Level.ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.level is Level.WARNING)

    @property
    def ok(self) -> bool:
        return not self.errors


def _by_bare_name(table: Mapping[str, Any]) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for key in table:
        index.setdefault(key.rsplit(".", 1)[-1], []).append(key)
    return index


def split_key(key: str) -> tuple[str, str]:
    namespace, _, name = key.rpartition(".")
    return namespace, name
