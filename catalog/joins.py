"""Join paths between sources, many-to-one only.

A source can reach another when it carries an entity that is the other's *primary* entity (one row per key
there), so joining never multiplies the rows being aggregated. Paths may take several hops. A path that
exists only through a non-primary entity would fan out and is refused.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from catalog.model import Catalog, Source

MAX_HOPS = 4


@dataclass(frozen=True, slots=True)
class JoinStep:
    """Join `to_source` on `from_source.from_column = to_source.to_column` (many-to-one)."""

    from_source: str
    from_column: str
    to_source: str
    to_column: str
    entity: str


@dataclass(frozen=True, slots=True)
class JoinProblem:
    code: str  # J001 no path, J002 would fan out
    message: str
    hint: str


def join_path(catalog: Catalog, start: str, goal: str) -> tuple[JoinStep, ...] | JoinProblem:
    """The shortest many-to-one path of joins from source `start` to source `goal`."""
    if start == goal:
        return ()
    by_primary = _sources_by_primary_entity(catalog)
    seen = {start}
    queue: deque[tuple[str, tuple[JoinStep, ...]]] = deque([(start, ())])
    while queue:
        current, path = queue.popleft()
        if len(path) >= MAX_HOPS:
            continue
        source = catalog.sources[current]
        for entity in source.entities:
            for target in by_primary.get(entity.name, ()):
                if target.key in seen:
                    continue
                primary = target.primary
                assert primary is not None
                step = JoinStep(current, entity.column, target.key, primary.column, entity.name)
                if target.key == goal:
                    return (*path, step)
                seen.add(target.key)
                queue.append((target.key, (*path, step)))
    return _explain_missing(catalog, start, goal)


def _explain_missing(catalog: Catalog, start: str, goal: str) -> JoinProblem:
    start_source, goal_source = catalog.sources[start], catalog.sources[goal]
    shared = {e.name for e in start_source.entities} & {e.name for e in goal_source.entities}
    if shared:
        entity = sorted(shared)[0]
        return JoinProblem(
            "J002",
            f"{start} and {goal} share the entity `{entity}`, but it is not the "
            f"primary entity of {goal}: joining would repeat each {start} row (fan-out)",
            f"use a dimension of a source whose primary entity is `{entity}`",
        )
    return JoinProblem(
        "J001",
        f"no join path from {start} to {goal}",
        f"give {start} an entity that is the primary entity of {goal} "
        f"({goal_source.primary.name if goal_source.primary else 'it has none'})",
    )


def _sources_by_primary_entity(catalog: Catalog) -> dict[str, list[Source]]:
    index: dict[str, list[Source]] = {}
    for source in catalog.sources.values():
        primary = source.primary
        if primary is not None:
            index.setdefault(primary.name, []).append(source)
    return index


def reachable_sources(catalog: Catalog, start: str) -> set[str]:
    """Every source reachable many-to-one from `start`, `start` included."""
    by_primary = _sources_by_primary_entity(catalog)
    seen = {start}
    frontier = [start]
    for _ in range(MAX_HOPS):
        following: list[str] = []
        for key in frontier:
            for entity in catalog.sources[key].entities:
                for target in by_primary.get(entity.name, ()):
                    if target.key not in seen:
                        seen.add(target.key)
                        following.append(target.key)
        frontier = following
    return seen
