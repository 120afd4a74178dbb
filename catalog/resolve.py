"""Stage 3 — resolve references between validated definitions into a `Catalog`, checking what they mean.

Checks here need more than one definition: unknown or ambiguous references, duplicates in a namespace,
columns a source does not declare, SQL that is not one safe expression, cycles among metrics, metric types
that cannot be combined. A definition with an error is left out of the catalog, and so is anything built on
it, so later stages only ever see a consistent catalog.

Each metric type resolves its own fields (`MetricType.resolve`) through the `Resolver` methods documented
here as its API: `ref`, `metric_refs`, `atomic_refs`, `sql`, `check_column`, `window`, `entity_on`, `report`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from catalog import model as m
from catalog.issues import Issue, Location, issue
from catalog.joins import JoinProblem, JoinStep, join_path
from catalog.metric_types.atomic import Atomic
from catalog.schema import DimensionDef, SourceDef
from catalog.sqlexpr import ParsedExpr, parse_expression
from catalog.validate import Item, Kind

if TYPE_CHECKING:
    from catalog.metric_types.base import MetricType


class _Names:
    """Every defined key of one kind (broken ones too), to resolve what a reference means."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self.table = set(keys)
        self.bare: dict[str, list[str]] = {}
        for key in keys:
            self.bare.setdefault(key.rsplit(".", 1)[-1], []).append(key)

    def find(self, name: str, namespace: str) -> list[str]:
        """Keys `name` may mean: exact `ns.name`, else `name` in `namespace`, else `name` anywhere."""
        if name in self.table:
            return [name]
        if f"{namespace}.{name}" in self.table:
            return [f"{namespace}.{name}"]
        return self.bare.get(name, [])


class Resolver:
    """Resolves one set of validated items; metric types call its public methods from `MetricType.resolve`."""

    def __init__(self, items: Iterable[Item], types: Mapping[str, MetricType[Any]]) -> None:
        self.types = types
        self.issues: list[Issue] = []
        self.items: dict[Kind, dict[str, Item]] = {"sources": {}, "dimensions": {}, "metrics": {}}
        # Defined but invalid: references to them are not reported again as unknown.
        self.broken: set[tuple[Kind, str]] = set()
        for item in items:
            table = self.items[item.kind]
            if item.key in table:
                first = table[item.key]
                self.report(
                    item,
                    (),
                    "S006",
                    f"{item.kind[:-1]} {item.key!r} is defined twice "
                    f"(first in {first.doc.file}:{first.doc.position(first.path).line})",
                    "rename or remove one of them",
                )
                continue
            table[item.key] = item
        for kind, table in self.items.items():
            for key, item in list(table.items()):
                if item.definition is None:
                    self.broken.add((kind, key))
                    del table[key]
        self.names = {
            kind: _Names([*table, *(k for b_kind, k in self.broken if b_kind == kind)])
            for kind, table in self.items.items()
        }
        self.sources: dict[str, m.Source] = {}
        self.dimensions: dict[str, m.Dimension] = {}
        self.metrics: dict[str, m.Metric] = {}
        self.joinable = m.Catalog()
        """The resolved sources, for join paths (set once sources are resolved)."""
        self.join_paths: dict[tuple[str, str], tuple[JoinStep, ...] | JoinProblem] = {}

    # -- reporting -------------------------------------------------------------------------------------
    def _loc(self, item: Item, field: tuple[str | int, ...]) -> Location:
        return item.doc.position((*item.path, *field))

    def report(
        self,
        item: Item,
        field: tuple[str | int, ...],
        code: str,
        message: str,
        hint: str = "",
    ) -> None:
        """Record an issue at `field` of `item` (a key path inside its definition)."""
        self.issues.append(issue(code, message, self._loc(item, field), hint))

    def ref(self, item: Item, field: tuple[str | int, ...], kind: Kind, name: str) -> str | None:
        """Resolve a reference written in `item`; reports unknown or ambiguous names."""
        found = self.names[kind].find(name, item.namespace)
        if len(found) == 1:
            return None if (kind, found[0]) in self.broken else found[0]
        code = {"sources": "R001", "dimensions": "R002", "metrics": "R003"}[kind]
        if found:
            self.report(
                item,
                field,
                "R007",
                f"{kind[:-1]} {name!r} is ambiguous: {', '.join(sorted(found))}",
                "write it as namespace.name",
            )
            return None
        known = self.names[kind].keys
        close = difflib.get_close_matches(name, [*known, *(k.split(".", 1)[1] for k in known)], n=1)
        self.report(
            item,
            field,
            code,
            f"unknown {kind[:-1]} {name!r}",
            f"did you mean {close[0]!r}?" if close else f"define it under `{kind}:`",
        )
        return None

    def sql(self, item: Item, field: str, text: str, source: m.Source | None, *, star: bool = False) -> bool:
        """Check SQL written in a definition; with a source, also check the columns it reads. `star`: the
        text may be `*` alone (the `expr` of a count)."""
        parsed, problems = parse_expression(text, f"`{field}`")
        # Reported at the field's key: a YAML scalar may be quoted or folded, so offsets inside the SQL
        # text do not map back to file columns; the message carries them instead.
        for problem in problems:
            self.report(item, (field,), problem.code, problem.message, problem.hint)
        if parsed is None:
            return False
        if source is not None and not self._plain_columns(item, field, parsed, star):
            return False
        if source is not None and source.columns is not None:
            unknown = sorted(c for c in parsed.columns if c not in source.columns)
            for column in unknown:
                close = difflib.get_close_matches(column, list(source.columns), n=1)
                self.report(
                    item,
                    (field,),
                    "R005",
                    f"`{field}` reads {column!r}, which source {source.key} does not declare",
                    f"did you mean {close[0]!r}?" if close else "add it under the source's `columns:`",
                )
            return not unknown
        return True

    def _plain_columns(self, item: Item, field: str, parsed: ParsedExpr, star: bool) -> bool:
        """Expressions over one source name its columns bare; `*` only where `star` allows it, alone."""
        if parsed.qualified:
            table, column = min(parsed.qualified)
            self.report(
                item,
                (field,),
                "Q003",
                f"`{field}` qualifies column '{table}.{column}'",
                f"write {column!r} alone: the expression reads its own source's row",
            )
            return False
        star_ok = star and isinstance(parsed.tree, exp.Star)
        if not star_ok and "*" in parsed.text and parsed.tree.find(exp.Star) is not None:
            self.report(
                item,
                (field,),
                "Q003",
                f"`{field}` uses `*`",
                "`*` is only allowed as the whole `expr` of a count metric; or leave `expr` out",
            )
            return False
        return True

    # -- sources and dimensions -------------------------------------------------------------------------
    def resolve_sources(self) -> None:
        for key, item in self.items["sources"].items():
            d: SourceDef = item.definition
            ok = True
            columns = {c.lower(): t.value for c, t in d.columns.items()} if d.columns is not None else None
            primaries = [n for n, e in d.entities.items() if e.primary]
            if len(primaries) > 1:
                self.report(
                    item,
                    ("entities",),
                    "J003",
                    f"source {key!r} has several primary entities: {', '.join(primaries)}",
                    "a source has one row per primary key: keep one",
                )
                ok = False
            if columns is None:
                self.report(
                    item,
                    (),
                    "W001",
                    f"source {key!r} declares no columns",
                    "list them under `columns:` (name: type) so expressions are checked",
                )
            else:
                ok &= self.check_column(item, ("time",), d.time, columns, key, m.TIME_TYPES)
                for name, entity in d.entities.items():
                    ok &= self.check_column(item, ("entities", name, "column"), entity.column, columns, key)
            if ok:
                self.sources[key] = m.Source(
                    key=key,
                    namespace=item.namespace,
                    name=item.name,
                    table=d.table,
                    time=d.time.lower() if d.time else None,
                    columns=columns,
                    entities=tuple(m.Entity(n, e.column.lower(), e.primary) for n, e in d.entities.items()),
                    description=d.description,
                    location=self._loc(item, ()),
                )

    def check_column(
        self,
        item: Item,
        field: tuple[str | int, ...],
        column: str | None,
        columns: dict[str, str],
        source: str,
        types: tuple[str, ...] = (),
    ) -> bool:
        if column is None:
            return True
        if column.lower() not in columns:
            close = difflib.get_close_matches(column.lower(), list(columns), n=1)
            self.report(
                item,
                field,
                "R005",
                f"column {column!r} is not declared by source {source!r}",
                f"did you mean {close[0]!r}?" if close else "add it under `columns:`",
            )
            return False
        if types and columns[column.lower()] not in types:
            self.report(
                item,
                field,
                "S003",
                f"time column {column!r} is {columns[column.lower()]}, not a date or timestamp",
                "point `time` at a date or timestamp column",
            )
            return False
        return True

    def resolve_dimensions(self) -> None:
        for key, item in self.items["dimensions"].items():
            d: DimensionDef = item.definition
            source_key = self.ref(item, ("source",), "sources", d.source)
            if source_key is None:
                continue
            source = self.sources.get(source_key)
            if source is None:
                continue  # the source itself is broken and already reported
            if self.sql(item, "expr", d.expr, source):
                self.dimensions[key] = m.Dimension(
                    key=key,
                    namespace=item.namespace,
                    name=item.name,
                    source=source_key,
                    expr=d.expr,
                    label=m.Label(d.label.en, d.label.zh),
                    description=d.description,
                    type=d.type,
                    location=self._loc(item, ()),
                )

    # -- metrics ------------------------------------------------------------------------------------------
    def resolve_metrics(self) -> None:
        specs: dict[str, m.Spec] = {}
        overrides: dict[str, m.Override] = {}
        for key, item in self.items["metrics"].items():
            spec = self._spec(item)
            d = item.definition
            if d.overrides is not None:
                target = self.ref(item, ("overrides", "metric"), "metrics", d.overrides.metric)
                if target is None:
                    continue  # before the usable set is computed, so metrics built on this one drop too
                overrides[key] = m.Override(target, d.overrides.reason)
            if spec is not None:
                specs[key] = spec
        # Only metrics whose whole tree of components resolved enter the catalog.
        usable = self._without_cycles_or_broken(specs)
        dimensions = {key: self._dimensions(key, specs) for key in usable}
        if any(dims is None for dims in dimensions.values()):
            # Drop metrics whose dimensions are unreachable; what is built on them then drops out silently.
            specs = {k: s for k, s in specs.items() if k in usable and dimensions[k] is not None}
            usable = self._without_cycles_or_broken(specs)
        for key in specs:
            if key not in usable:
                continue
            item = self.items["metrics"][key]
            d = item.definition
            self.metrics[key] = m.Metric(
                key=key,
                namespace=item.namespace,
                name=item.name,
                kind=self.types[d.type],
                spec=specs[key],
                label=m.Label(d.label.en, d.label.zh),
                description=d.description,
                stage=d.stage.value,
                owner=d.owner,
                unit=d.unit,
                status=d.status.value,
                standard=d.standard,
                overrides=overrides.get(key),
                tags=tuple(d.tags),
                dimensions=dimensions[key] or (),
                location=self._loc(item, ()),
                definition=item.raw,
            )
            if d.status.value == "deprecated":
                self.report(
                    item,
                    ("status",),
                    "W002",
                    f"metric {key!r} is deprecated",
                    "it still compiles; move reports to its replacement",
                )

    def _dimensions(self, key: str, specs: dict[str, m.Spec]) -> tuple[str, ...] | None:
        """The metric's `dimensions:` resolved, each reachable many-to-one from every source it reads."""
        item = self.items["metrics"][key]
        wanted: list[str] = item.definition.dimensions
        if not wanted:
            return ()
        sources = sorted(self._sources_read(key, specs))
        resolved: list[str] = []
        for i, name in enumerate(wanted):
            dim_key = self.ref(item, ("dimensions", i), "dimensions", name)
            dimension = self.dimensions.get(dim_key) if dim_key else None
            if dim_key is None or dimension is None:
                continue
            for source in sources:
                found = self._join_path(source, dimension.source)
                if isinstance(found, JoinProblem):
                    self.report(
                        item,
                        ("dimensions", i),
                        found.code,
                        f"dimension {dim_key} cannot slice {key}: {found.message}",
                        found.hint,
                    )
                    break
            else:
                resolved.append(dim_key)
        return tuple(resolved) if len(resolved) == len(wanted) else None

    def _join_path(self, start: str, goal: str) -> tuple[JoinStep, ...] | JoinProblem:
        """`join_path` memoized: a large catalog asks the same few source pairs thousands of times."""
        found = self.join_paths.get((start, goal))
        if found is None:
            found = self.join_paths[(start, goal)] = join_path(self.joinable, start, goal)
        return found

    def _sources_read(self, key: str, specs: dict[str, m.Spec]) -> set[str]:
        """Sources of the atomic metrics under `key` (the metric graph is acyclic here)."""
        spec = specs[key]
        if isinstance(spec, Atomic):
            return {spec.source}
        return set().union(*(self._sources_read(ref, specs) for ref in spec.references()))

    def _spec(self, item: Item) -> m.Spec | None:
        spec: m.Spec | None = self.types[item.definition.type].resolve(self, item, item.definition)
        return spec

    def metric_refs(self, item: Item, fields: dict[tuple[str | int, ...], str]) -> list[str] | None:
        """The metrics named at `fields` (key path → name written), or None when one does not resolve."""
        resolved = [self.ref(item, field, "metrics", name) for field, name in fields.items()]
        return None if any(r is None for r in resolved) else [r for r in resolved if r]

    def atomic_refs(self, item: Item, fields: dict[tuple[str | int, ...], str]) -> list[str] | None:
        """Like `metric_refs`, and each must be an atomic metric (R008)."""
        refs = self.metric_refs(item, fields)
        if refs is None:
            return None
        for (field, _), ref in zip(fields.items(), refs, strict=True):
            ref_type = self.items["metrics"][ref].definition.type
            if ref_type != "atomic":
                self.report(
                    item,
                    field,
                    "R008",
                    f"{'.'.join(map(str, field))} must name an atomic metric; {ref!r} is {ref_type}",
                    "point it at the underlying atomic metric",
                )
                return None
        return refs

    def window(self, item: Item, field: str, text: str | None) -> m.Window | bool | None:
        """`text` as a duration: None when absent, False (reported, S007) when it is not one."""
        if text is None:
            return None
        window = m.Window.parse(text)
        if window is None:
            self.report(
                item,
                (field,),
                "S007",
                f"`{field}` is {text!r}, not a duration",
                "write a count and a unit, e.g. `14 days`, `2 weeks`, `3 months`",
            )
            return False
        return window

    def entity_on(self, item: Item, entity: str, metric_keys: list[str]) -> bool:
        """Whether every (atomic) metric of `metric_keys` reads a source with `entity`; reports R006."""
        for key in metric_keys:
            source = self._source_of(key)
            if source is not None and source.entity(entity) is None:
                known = ", ".join(e.name for e in source.entities) or "none"
                self.report(
                    item,
                    ("entity",),
                    "R006",
                    f"entity {entity!r} is not on source {source.key} (used by {key})",
                    f"entities of {source.key}: {known}",
                )
                return False
        return True

    def _source_of(self, metric_key: str) -> m.Source | None:
        d = self.items["metrics"][metric_key].definition
        found = self.names["sources"].find(d.source, self.items["metrics"][metric_key].namespace)
        return self.sources.get(found[0]) if len(found) == 1 else None

    def _without_cycles_or_broken(self, specs: dict[str, m.Spec]) -> set[str]:
        """Keys whose components all resolved, with no cycle; reports each cycle once."""
        state: dict[str, str] = {}  # "visiting" | "ok" | "bad"
        reported: set[frozenset[str]] = set()

        def visit(key: str, trail: list[str]) -> bool:
            if state.get(key) == "ok":
                return True
            if state.get(key) == "bad" or key not in specs:
                return False
            if state.get(key) == "visiting":
                cycle = trail[trail.index(key) :]
                if frozenset(cycle) not in reported:
                    reported.add(frozenset(cycle))
                    item = self.items["metrics"][key]
                    self.report(
                        item,
                        (),
                        "R004",
                        "metrics refer to each other in a cycle: " + " → ".join([*cycle, key]),
                        "break the cycle: one of them must not use the other",
                    )
                return False
            state[key] = "visiting"
            ok = all([visit(ref, [*trail, key]) for ref in specs[key].references()])
            state[key] = "ok" if ok else "bad"
            return ok

        for key in specs:
            visit(key, [])
        return {k for k, s in state.items() if s == "ok"}


def resolve(items: Iterable[Item], types: Mapping[str, MetricType[Any]]) -> tuple[m.Catalog, list[Issue]]:
    """Build the catalog from validated items, each metric resolved by its type among `types` (by name);
    returns it with every issue found."""
    resolver = Resolver(items, types)
    resolver.resolve_sources()
    resolver.resolve_dimensions()
    resolver.joinable = m.Catalog(sources=resolver.sources)
    resolver.resolve_metrics()
    catalog = m.Catalog(sources=resolver.sources, dimensions=resolver.dimensions, metrics=resolver.metrics)
    return catalog, resolver.issues
