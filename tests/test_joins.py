"""Join paths: many-to-one only, through a source's primary entity; anything else is J001 or J002."""

from __future__ import annotations

from catalog.joins import JoinProblem, JoinStep, join_path, reachable_sources
from catalog.model import Catalog, Entity, Source


def source(key: str, *entities: Entity) -> Source:
    return Source(
        key=key,
        namespace="common",
        name=key.split(".")[-1],
        table=key,
        time=None,
        columns=None,
        entities=entities,
    )


def primary(name: str, column: str | None = None) -> Entity:
    return Entity(name, column or f"{name}_id", primary=True)


def foreign(name: str, column: str | None = None) -> Entity:
    return Entity(name, column or f"{name}_id")


CATALOG = Catalog(
    sources={
        s.key: s
        for s in (
            source("c.orders", primary("order"), foreign("user"), foreign("course")),
            source("c.users", primary("user"), foreign("city", "city_code")),
            source("c.cities", primary("city", "code")),
            source("c.courses", primary("course")),
            source("c.leads", primary("lead"), foreign("user")),
            source("c.weather", foreign("city", "city_code")),
        )
    }
)


def test_a_source_reaches_itself_without_joins() -> None:
    assert join_path(CATALOG, "c.orders", "c.orders") == ()


def test_one_hop_joins_on_the_targets_primary_entity() -> None:
    assert join_path(CATALOG, "c.orders", "c.users") == (
        JoinStep("c.orders", "user_id", "c.users", "user_id", "user"),
    )


def test_paths_may_take_several_many_to_one_hops() -> None:
    path = join_path(CATALOG, "c.orders", "c.cities")
    assert isinstance(path, tuple)
    assert [(s.from_source, s.from_column, s.to_source, s.to_column) for s in path] == [
        ("c.orders", "user_id", "c.users", "user_id"),
        ("c.users", "city_code", "c.cities", "code"),
    ]


def test_joining_towards_a_non_primary_entity_would_fan_out_and_is_j002() -> None:
    problem = join_path(CATALOG, "c.orders", "c.leads")
    assert isinstance(problem, JoinProblem) and problem.code == "J002"
    assert "`user`" in problem.message and "fan-out" in problem.message


def test_one_to_many_from_the_primary_side_is_j002() -> None:
    problem = join_path(CATALOG, "c.users", "c.orders")
    assert isinstance(problem, JoinProblem) and problem.code == "J002"


def test_sources_that_share_no_entity_have_no_path_j001() -> None:
    problem = join_path(CATALOG, "c.courses", "c.users")
    assert isinstance(problem, JoinProblem) and problem.code == "J001"
    assert "user" in problem.hint


def test_a_source_without_a_primary_entity_cannot_be_reached() -> None:
    problem = join_path(CATALOG, "c.cities", "c.weather")
    assert isinstance(problem, JoinProblem) and problem.code == "J002"
    problem = join_path(CATALOG, "c.orders", "c.weather")
    assert isinstance(problem, JoinProblem) and problem.code == "J001"


def test_reachable_sources_are_the_many_to_one_closure() -> None:
    assert reachable_sources(CATALOG, "c.orders") == {"c.orders", "c.users", "c.cities", "c.courses"}
    assert reachable_sources(CATALOG, "c.weather") == {"c.weather", "c.cities"}
