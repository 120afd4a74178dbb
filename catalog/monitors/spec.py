"""Monitor definitions: `monitors/*.yaml`, each file a `monitors:` mapping of name → monitor.

    monitors:
      gmv_daily_floor:
        metric: gmv
        grain: day
        filters: [{dimension: city, op: in, values: [北京]}]
        dimensions: [channel]
        rule: {threshold: {below: 1000}}
        owners: [sales_lead]
        channels: [{webhook: "https://hooks.example.com/caliber"}, {email: [lead@example.com]}]

Linting gives M001 (unknown field, with the closest known one), M002 (a wrong or missing value) and M003
(the metric query cannot be compiled against the catalog), each at file:line:col.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from catalog.compile import CompileError, compile_query
from catalog.issues import Issue, Location, issue
from catalog.load import Document, load_file
from catalog.model import Catalog
from catalog.query import Filter

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(_Strict):
    """Alert when the value is below `below` or above `above`."""

    below: float | None = None
    above: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Threshold:
        if self.below is None and self.above is None:
            raise ValueError("give `below`, `above` or both")
        return self


class Change(_Strict):
    """Alert when the value moved against the previous period by at least `drop` or `rise` (fractions)."""

    drop: Annotated[float, Field(gt=0)] | None = None
    rise: Annotated[float, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Change:
        if self.drop is None and self.rise is None:
            raise ValueError("give `drop`, `rise` or both, as fractions (0.2 = 20 %)")
        return self


class Band(_Strict):
    """Alert when the value leaves mean ± `sigmas` standard deviations of the trailing `periods` periods."""

    periods: Annotated[int, Field(ge=2, le=366)] = 8
    sigmas: Annotated[float, Field(gt=0)] = 3.0


class Rule(_Strict):
    threshold: Threshold | None = None
    change: Change | None = None
    band: Band | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Rule:
        given = [k for k in ("threshold", "change", "band") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"a rule is exactly one of threshold, change, band; got {given or 'none'}")
        return self

    @property
    def kind(self) -> Literal["threshold", "change", "band"]:
        return "threshold" if self.threshold else "change" if self.change else "band"

    @property
    def history(self) -> int:
        """How many periods before the evaluated one the rule reads."""
        return self.band.periods if self.band else 1 if self.change else 0


class Channel(_Strict):
    webhook: Annotated[str, Field(pattern=r"^https?://", max_length=2000)] | None = None
    email: (
        Annotated[list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]], Field(min_length=1)] | None
    ) = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Channel:
        if (self.webhook is None) == (self.email is None):
            raise ValueError("a channel is either `webhook: URL` or `email: [addresses]`")
        return self

    @property
    def key(self) -> str:
        """Stable text naming the channel in the store."""
        return f"webhook:{self.webhook}" if self.webhook else "email:" + ",".join(self.email or [])


class MonitorSpec(_Strict):
    metric: Annotated[str, Field(min_length=1, max_length=200)]
    grain: Literal["day", "week", "month", "quarter", "year"]
    rule: Rule
    filters: list[Filter] = Field(default_factory=list)
    dimensions: Annotated[list[str], Field(max_length=5)] = Field(default_factory=list)
    owners: list[str] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)
    description: str | None = None


class _File(_Strict):
    monitors: dict[str, MonitorSpec]


@dataclass(frozen=True, slots=True)
class Monitor:
    name: str
    spec: MonitorSpec
    location: Location


@dataclass(frozen=True, slots=True)
class Monitors:
    monitors: tuple[Monitor, ...]
    issues: tuple[Issue, ...]

    def get(self, name: str) -> Monitor | None:
        return next((m for m in self.monitors if m.name == name), None)


def load_monitors(paths: Sequence[Path], catalog: Catalog | None = None) -> Monitors:
    """Read every `*.yaml` under `paths`; with a catalog, also check each monitor's query compiles."""
    files = sorted(
        f for p in paths for f in ([p] if p.is_file() else p.rglob("*.yaml") if p.is_dir() else [])
    )
    found: list[Monitor] = []
    issues: list[Issue] = []
    for file in files:
        doc, problems = load_file(file)
        issues += problems
        if doc is None:
            continue
        try:
            parsed = _File.model_validate(doc.data)
        except ValidationError as err:
            issues += [_issue(doc, e) for e in err.errors()]
            continue
        for name, spec in parsed.monitors.items():
            where = doc.position(("monitors", name))
            if not NAME.match(name):
                issues.append(
                    issue("M002", f"monitor name `{name}` is not snake_case", where, "e.g. gmv_drop")
                )
            elif any(m.name == name for m in found):
                issues.append(issue("M002", f"monitor `{name}` is defined twice", where, "rename one"))
            else:
                found.append(Monitor(name, spec, where))
    if catalog is not None:
        for monitor in found:
            problem = check_query(monitor, catalog)
            if problem is not None:
                issues.append(problem)
    bad = {i.location for i in issues if i.code == "M003"}
    return Monitors(tuple(m for m in found if m.location not in bad), tuple(issues))


def period_start(day: date, grain: str, shift: int = 0) -> date:
    """The start of the `grain` period holding `day`, moved by `shift` periods."""
    if grain == "day":
        return day + timedelta(days=shift)
    if grain == "week":
        return day - timedelta(days=day.weekday()) + timedelta(weeks=shift)
    months = {"month": 1, "quarter": 3, "year": 12}[grain]
    index = day.year * 12 + (day.month - 1) // months * months + shift * months
    return date(index // 12, index % 12 + 1, 1)


def query_of(monitor: Monitor, period: date, dialect: str) -> dict[str, Any]:
    spec = monitor.spec
    return {
        "metrics": [spec.metric],
        "dimensions": list(spec.dimensions),
        "grain": spec.grain,
        "filters": [f.model_dump() for f in spec.filters],
        "time_range": {
            "start": period_start(period, spec.grain, -spec.rule.history).isoformat(),
            "end": period_start(period, spec.grain, 1).isoformat(),
        },
        "dialect": dialect,
    }


def check_query(monitor: Monitor, catalog: Catalog) -> Issue | None:
    """M003 when the monitor's query cannot be compiled against `catalog`."""
    try:
        compile_query(query_of(monitor, date(2000, 1, 1), "duckdb"), catalog)
    except CompileError as err:
        first = err.issues[0]
        return issue(
            "M003", f"monitor `{monitor.name}`: {first.code} {first.message}", monitor.location, first.hint
        )
    return None


def _issue(doc: Document, error: Any) -> Issue:
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        name = str(loc[-1])
        known = _known(loc[:-1])
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f"did you mean `{close[0]}`?" if close else f"known fields: {', '.join(known)}"
        return issue("M001", f"unknown field `{name}`", doc.position(loc), hint)
    where = ".".join(str(p) for p in loc) or "file"
    return issue("M002", f"{where}: {error['msg']}", doc.position(loc), "see docs/monitors.md")


def _known(loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model at `loc` inside a monitors file."""
    model: type[BaseModel] = _File
    steps = list(loc)
    if steps[:1] == ["monitors"]:
        model, steps = MonitorSpec, steps[2:]
    while steps:
        part = steps.pop(0)
        if isinstance(part, int):
            continue
        inner: dict[str, type[BaseModel]] = {
            "rule": Rule,
            "threshold": Threshold,
            "change": Change,
            "band": Band,
            "channels": Channel,
            "filters": Filter,
        }
        model = inner.get(str(part), model)
    return list(model.model_fields)
