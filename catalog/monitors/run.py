"""`caliber monitor run`: evaluate every monitor, store it, open at most one alert per period, deliver.

Idempotent and safe under cron: running twice for the same `at` stores the evaluations twice (every run is
history) but finds the alert already open, so nothing is sent again; a delivery that failed is retried on
every later run until it is sent.

    report = run_monitors(monitors, catalog, connection.execute, "duckdb", engine, date(2025, 2, 1))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine

from catalog.compile import CompileError
from catalog.model import Catalog
from catalog.monitors import channels, store
from catalog.monitors.evaluate import Evaluation, Runner, evaluate, evaluated_period
from catalog.monitors.spec import Monitor

Sender = Callable[[str, dict[str, Any]], str | None]


@dataclass
class RunReport:
    lines: list[str] = field(default_factory=list)
    alerts_opened: int = 0
    sent: int = 0
    failed: int = 0
    errors: int = 0


def run_monitors(
    monitors: Sequence[Monitor],
    catalog: Catalog,
    run: Runner,
    dialect: str,
    engine: Engine,
    at: date,
    send: Sender = channels.send,
) -> RunReport:
    """Evaluate `monitors` for the last complete period at `at`, then deliver every undelivered alert."""
    store.create(engine)
    report = RunReport()
    now = datetime.now(UTC).replace(tzinfo=None)
    for monitor in monitors:
        period = evaluated_period(at, monitor.spec.grain)
        try:
            found = evaluate(monitor, catalog, run, dialect, period)
        except CompileError as err:
            found = [Evaluation((), None, None, None, "error", "; ".join(str(i.message) for i in err.issues))]
        except Exception as err:  # the warehouse's own errors differ per driver; each is recorded, not raised
            found = [Evaluation((), None, None, None, "error", f"{type(err).__name__}: {str(err)[:300]}")]
        store.record(engine, monitor.name, period, found, now)
        alerting = [e for e in found if e.state == "alert"]
        report.errors += sum(e.state == "error" for e in found)
        state = "alert" if alerting else "error" if any(e.state == "error" for e in found) else "ok"
        report.lines.append(f"{monitor.name} {period.isoformat()}: {state} ({len(found)} segment(s))")
        if alerting:
            payload = _payload(monitor, period, alerting)
            keys = [c.key for c in monitor.spec.channels]
            if store.open_alert(engine, monitor.name, period, payload, keys, now):
                report.alerts_opened += 1
    for delivery in store.pending(engine):
        error = send(delivery.channel, delivery.payload)
        store.mark(engine, delivery.delivery_id, error, datetime.now(UTC).replace(tzinfo=None))
        name = delivery.payload["monitor"]
        if error:
            report.failed += 1
            report.lines.append(f"{name}: delivery to {delivery.channel} failed: {error}")
        else:
            report.sent += 1
            report.lines.append(f"{name}: sent to {delivery.channel}")
    return report


def _payload(monitor: Monitor, period: date, alerting: Sequence[Evaluation]) -> dict[str, Any]:
    spec = monitor.spec
    segments: list[dict[str, Any]] = [
        {
            "segment": dict(zip(spec.dimensions, e.segment, strict=True)),
            "value": e.value,
            "low": e.low,
            "high": e.high,
            "message": e.message,
        }
        for e in alerting
    ]
    where = "; ".join(
        (", ".join(f"{k}={v}" for k, v in s["segment"].items()) or "total") + f": {s['message']}"
        for s in segments
    )
    return {
        "monitor": monitor.name,
        "metric": spec.metric,
        "grain": spec.grain,
        "period": period.isoformat(),
        "rule": spec.rule.kind,
        "owners": list(spec.owners),
        "segments": segments,
        "message": f"{spec.metric} ({spec.grain} from {period.isoformat()}) is out of bounds — {where}",
    }
