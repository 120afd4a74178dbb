"""Part 1 — the same queries compiled by Caliber, MetricFlow and Sidemantic, checked on DuckDB, then timed.

Per query: each tool compiles it once (the *first call*), its SQL runs on the benchmark warehouse and must
give the rows of the hand-written reference; then the tools are timed in interleaved rounds (A, B, C, A,
B, C…) so background noise falls on all of them alike. Caliber is timed twice: *uncached* (its rendered-SQL
cache emptied before each call: the whole compile) and *cached* (a repeated identical request). A tool
whose rows differ is WRONG for that query and gets no speed ratio.

    >>> queries = load_queries()
    >>> len(queries) >= 10, queries[0].specs["caliber"]
    (True, {'metrics': ['gmv']})
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from ruamel.yaml import YAML

from bench.drivers import MODEL, Driver, DriverError
from bench.floors import Floor, sqlglot_floor
from bench.rows import Comparison, fetch, same_rows
from bench.stats import Summary, fmt_ms, fmt_us, summarize

QUERIES = MODEL / "queries.yaml"
PEERS = ("metricflow", "sidemantic")
NAMES = {"caliber": "Caliber", "metricflow": "MetricFlow", "sidemantic": "Sidemantic"}


@dataclass(frozen=True, slots=True)
class Query:
    id: str
    title: str
    specs: Mapping[str, dict[str, Any]]
    """Each tool's own expression of the query, keyed by tool name."""
    columns: Mapping[str, list[str]]
    reference: str
    why: Mapping[str, str] = field(default_factory=dict)
    """The checked cause of a known difference of a tool's rows, shown when the difference appears."""


@dataclass(frozen=True, slots=True)
class Budget:
    """Sampling per (tool, mode) and query: until `min_n` samples and `min_s` seconds, or `max_s`."""

    min_n: int = 200
    min_s: float = 0.5
    max_s: float = 2.0
    round_s: float = 0.02


FULL = Budget()
QUICK = Budget(min_n=20, min_s=0.02, max_s=0.25, round_s=0.01)


@dataclass(slots=True)
class Outcome:
    """One tool (and mode) on one query."""

    sql: str | None = None
    error: str | None = None
    check: Comparison | None = None
    first_ns: int | None = None
    samples: list[int] = field(default_factory=list)

    @property
    def correct(self) -> bool:
        return self.check is not None and self.check.ok

    @property
    def summary(self) -> Summary | None:
        return summarize(self.samples) if self.samples else None

    def status(self) -> str:
        if self.error is not None:
            return "ERROR"
        return "ok" if self.correct else "WRONG"


@dataclass(slots=True)
class QueryResult:
    query: Query
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    """Keyed by "caliber", "caliber_cached", "metricflow", "sidemantic"."""
    floors: dict[str, Floor] = field(default_factory=dict)
    """Where a peer beat Caliber: sqlglot's time to build and render that peer's SQL, and Caliber's."""

    def ratio(self, peer: str) -> float | None:
        """Peer's warm median over Caliber's uncached median; None unless both gave the right rows."""
        ours, theirs = self.outcomes.get("caliber"), self.outcomes.get(peer)
        if not (ours and theirs and ours.correct and theirs.correct and ours.samples and theirs.samples):
            return None
        return summarize(theirs.samples).median_ns / summarize(ours.samples).median_ns


def load_queries(path: Path = QUERIES) -> list[Query]:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    tools = ("caliber", *PEERS)
    return [
        Query(
            q["id"],
            q["title"],
            {t: q[t] for t in tools if t in q},
            q.get("columns", {}),
            q["reference"],
            {k: " ".join(v.split()) for k, v in q.get("why", {}).items()},
        )
        for q in data["queries"]
    ]


def check(con: duckdb.DuckDBPyConnection, query: Query, tool: str, sql: str) -> Comparison:
    """Run `sql` and the reference; equal rows or the first difference (a failing SQL is a difference)."""
    expected = fetch(con, query.reference)
    try:
        actual = fetch(con, sql, query.columns.get(tool))
    except (duckdb.Error, KeyError) as err:
        return Comparison(False, f"does not run: {str(err).splitlines()[0][:200]}")
    return same_rows(actual, expected)


def run(
    con: duckdb.DuckDBPyConnection,
    drivers: Mapping[str, Driver],
    queries: Sequence[Query],
    budget: Budget = FULL,
    progress: Any = None,
) -> list[QueryResult]:
    """Compile, check and time every query with every driver (keys: "caliber" and peer names)."""
    results = []
    for query in queries:
        result = QueryResult(query)
        for tool, driver in drivers.items():
            if tool not in query.specs:
                continue
            outcome = _first_call(driver, query)
            if outcome.sql is not None:
                outcome.check = check(con, query, tool, outcome.sql)
            result.outcomes[tool] = outcome
        timed = [
            (key, drivers[key], "uncached" if key == "caliber" else "warm")
            for key, o in result.outcomes.items()
            if o.sql is not None
        ]
        if "caliber" in dict((k, d) for k, d, _ in timed):
            cached = result.outcomes["caliber"]
            result.outcomes["caliber_cached"] = Outcome(cached.sql, check=cached.check)
            timed.append(("caliber_cached", drivers["caliber"], "cached"))
        _sample(query.id, timed, result.outcomes, budget)
        measure_floors(result)
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def _first_call(driver: Driver, query: Query) -> Outcome:
    answer = driver.prepare(query.id, query.specs[driver.tool.name])
    if "error" in answer:
        return Outcome(error=answer["error"])
    return Outcome(sql=answer["sql"], first_ns=answer["first_ns"])


def _sample(
    query_id: str, timed: list[tuple[str, Driver, str]], outcomes: dict[str, Outcome], budget: Budget
) -> None:
    """Interleaved rounds; each round gives every unfinished (tool, mode) about `round_s` of work."""
    spent = dict.fromkeys((key for key, _, _ in timed), 0.0)
    while True:
        active = [(k, d, m) for k, d, m in timed if not _done(outcomes[k].samples, spent[k], budget)]
        if not active:
            return
        for key, driver, mode in active:
            samples = outcomes[key].samples
            per_call = sorted(samples)[len(samples) // 2] / 1e9 if samples else budget.round_s
            batch = max(1, min(2_000, int(budget.round_s / max(per_call, 1e-7))))
            start = time.perf_counter()
            try:
                samples.extend(driver.time(query_id, batch, mode))
            except DriverError as err:
                outcomes[key].error = str(err)
                spent[key] = budget.max_s
                continue
            spent[key] += time.perf_counter() - start


def measure_floors(result: QueryResult) -> None:
    faster = [peer for peer in PEERS if (r := result.ratio(peer)) is not None and r <= 1]
    for tool in [*faster, "caliber"] if faster else []:
        sql = result.outcomes[tool].sql
        assert sql is not None
        result.floors[tool] = sqlglot_floor(sql)


def _done(samples: list[int], spent: float, budget: Budget) -> bool:
    return spent >= budget.max_s or (len(samples) >= budget.min_n and spent >= budget.min_s)


# --- figures -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Headline:
    """The targets of issue 8 that part 1 decides."""

    median_ratio_mf: float | None
    min_ratio_mf: float | None
    faster_than_sidemantic: int
    compared_sidemantic: int
    slower_than_sidemantic: list[str]
    max_cached_median_ns: float | None
    wrong: dict[str, list[str]]

    def lines(self) -> list[str]:
        mf = "—" if self.median_ratio_mf is None else f"{self.median_ratio_mf:.1f}×"
        low = "—" if self.min_ratio_mf is None else f"{self.min_ratio_mf:.1f}×"
        cached = fmt_us(self.max_cached_median_ns)
        out = [
            f"- Uncached warm compile vs MetricFlow: median ratio over the queries **{mf}** "
            f"(target ≥ 20×), lowest **{low}** (target ≥ 10×).",
            f"- Faster than Sidemantic on **{self.faster_than_sidemantic} of "
            f"{self.compared_sidemantic}** queries both answer correctly (target: all)"
            + (
                f"; slower on {', '.join(self.slower_than_sidemantic)}."
                if self.slower_than_sidemantic
                else "."
            ),
            f"- Repeated identical compile (cached), slowest median over the queries: **{cached}** "
            f"(target < 50 µs).",
        ]
        for tool, ids in self.wrong.items():
            if ids:
                out.append(f"- {tool}: wrong or failing on {', '.join(ids)}.")
        return out


def headline(results: Sequence[QueryResult]) -> Headline:
    mf = [r for res in results if (r := res.ratio("metricflow")) is not None]
    sm = [r for res in results if (r := res.ratio("sidemantic")) is not None]
    slower = [res.query.id for res in results if (r := res.ratio("sidemantic")) is not None and r <= 1]
    cached = [
        s.median_ns
        for res in results
        if (o := res.outcomes.get("caliber_cached")) and o.correct and (s := o.summary)
    ]
    wrong = {
        tool: [
            res.query.id
            for res in results
            if (o := res.outcomes.get(tool)) is not None and o.status() != "ok"
        ]
        for tool in ("caliber", *PEERS)
    }
    return Headline(
        statistics.median(mf) if mf else None,
        min(mf) if mf else None,
        sum(1 for r in sm if r > 1),
        len(sm),
        slower,
        max(cached) if cached else None,
        wrong,
    )


def markdown(results: Sequence[QueryResult], versions: Mapping[str, str]) -> str:
    """The "Side by side (issue 8)" section body."""
    lines = [
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".",
        "",
        "Warm figures are medians (p99) of repeated compiles of the same request in one process; "
        "*first* is the first compile of that query after the model was loaded. Ratios divide the "
        "peer's warm median by Caliber's uncached median and exist only where both gave the right "
        "rows on DuckDB.",
        "",
        "| query | Caliber first | Caliber uncached | Caliber cached | MetricFlow first | MetricFlow "
        "warm | ×MF | Sidemantic first | Sidemantic warm | ×SM |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for res in results:
        cal, cached = res.outcomes.get("caliber"), res.outcomes.get("caliber_cached")
        cells = [f"{res.query.id} — {res.query.title}", _first(cal), _warm(cal), _warm(cached, us=True)]
        for peer in PEERS:
            outcome = res.outcomes.get(peer)
            ratio = res.ratio(peer)
            cells += [_first(outcome), _warm(outcome), f"{ratio:.1f}×" if ratio is not None else "—"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", *headline(results).lines()]
    problems = [
        (res.query, tool, o)
        for res in results
        for tool, o in res.outcomes.items()
        if tool != "caliber_cached" and o.status() != "ok"
    ]
    if problems:
        lines += ["", "Wrong answers and errors (the SQL ran on DuckDB and was compared with the reference):"]
        for query, tool, o in problems:
            seen = o.error if o.error is not None else (o.check.detail if o.check else "")
            cause = f" Cause: {query.why[tool]}." if tool in query.why else ""
            first = seen.splitlines()[0][:300] if seen else ""
            lines.append(f"- {query.id} · {tool}: {o.status()} — {first}.{cause}")
    floors = [(res, peer) for res in results for peer in res.floors if peer != "caliber"]
    if floors:
        lines += [
            "",
            "Where a peer is faster: sqlglot's own time to build the same SQL as a syntax tree and "
            "to render it (`bench/floors.py`), the floor under any compiler that goes through sqlglot:",
        ]
        lines += [_floor_line(res, peer) for res, peer in floors]
    return "\n".join(lines)


def _floor_line(res: QueryResult, peer: str) -> str:
    theirs, whole = res.outcomes[peer].summary, res.outcomes["caliber"].summary
    assert theirs is not None and whole is not None
    floor, ours, name = res.floors[peer], res.floors["caliber"], NAMES[peer]
    return (
        f"- {res.query.id} · {name} compiles it in {fmt_ms(theirs.median_ns)}. sqlglot alone builds "
        f"{name}'s own SQL in {fmt_ms(floor.build.median_ns)} and renders it in "
        f"{fmt_ms(floor.render.median_ns)}: **{fmt_ms(floor.median_ns)}**. For Caliber's SQL: "
        f"{fmt_ms(ours.build.median_ns)} + {fmt_ms(ours.render.median_ns)} of its uncached "
        f"{fmt_ms(whole.median_ns)}."
    )


def _first(outcome: Outcome | None) -> str:
    if outcome is None:
        return "—"
    if outcome.status() != "ok":
        return outcome.status()
    return fmt_ms(outcome.first_ns)


def _warm(outcome: Outcome | None, us: bool = False) -> str:
    if outcome is None or outcome.summary is None:
        return outcome.status() if outcome is not None else "—"
    summary = outcome.summary
    show = fmt_us if us else fmt_ms
    text = f"{show(summary.median_ns)} ({show(summary.p99_ns)})"
    return text if outcome.correct else f"{outcome.status()} {text}"
