"""Where monitor runs are kept: three tables in the catalog database, created on first use.

- `monitor_evaluations`: every evaluation of every run (monitor, period, segment, value, bounds, state);
- `monitor_alerts`: at most one per monitor and period (a unique key), so a re-run never alerts twice;
- `monitor_deliveries`: one per alert and channel, `sent` or `failed` with the attempts and the last error;
  a failed one is tried again on every run until it is sent.

They are not part of the catalog's Alembic history: monitors are an operational log beside the catalog,
created with `CREATE TABLE IF NOT EXISTS` semantics (`checkfirst`), so they never block a catalog migration.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from catalog.monitors.evaluate import Evaluation

metadata = MetaData()

evaluations = Table(
    "monitor_evaluations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("monitor", String(100), nullable=False, index=True),
    Column("period", Date, nullable=False),
    Column("segment", Text, nullable=False),
    Column("value", Float),
    Column("low", Float),
    Column("high", Float),
    Column("state", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("evaluated_at", DateTime, nullable=False),
)

alerts = Table(
    "monitor_alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("monitor", String(100), nullable=False),
    Column("period", Date, nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("monitor", "period", name="uq_monitor_alerts_monitor_period"),
)

deliveries = Table(
    "monitor_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("monitor_alerts.id"), nullable=False),
    Column("channel", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("alert_id", "channel", name="uq_monitor_deliveries_alert_channel"),
)


@dataclass(frozen=True, slots=True)
class Pending:
    delivery_id: int
    channel: str
    payload: dict[str, Any]
    attempts: int


def create(engine: Engine) -> None:
    metadata.create_all(engine, checkfirst=True)


def record(engine: Engine, monitor: str, period: date, found: Sequence[Evaluation], now: datetime) -> None:
    rows = [
        {
            "monitor": monitor,
            "period": period,
            "segment": json.dumps(list(e.segment), ensure_ascii=False, default=str),
            "value": e.value,
            "low": e.low,
            "high": e.high,
            "state": e.state,
            "message": e.message,
            "evaluated_at": now,
        }
        for e in found
    ]
    with engine.begin() as con:
        con.execute(insert(evaluations), rows)


def open_alert(
    engine: Engine,
    monitor: str,
    period: date,
    payload: dict[str, Any],
    channels: Sequence[str],
    now: datetime,
) -> bool:
    """Store the alert of `monitor` for `period` with a pending delivery per channel; False if it exists."""
    try:
        with engine.begin() as con:
            key = con.execute(
                insert(alerts).values(
                    monitor=monitor,
                    period=period,
                    payload=json.dumps(payload, ensure_ascii=False),
                    created_at=now,
                )
            ).inserted_primary_key
            assert key is not None
            alert_id = key[0]
            for channel in channels:
                con.execute(
                    insert(deliveries).values(
                        alert_id=alert_id, channel=channel, status="pending", attempts=0, updated_at=now
                    )
                )
    except IntegrityError:
        return False
    return True


def pending(engine: Engine) -> list[Pending]:
    query = (
        select(deliveries.c.id, deliveries.c.channel, deliveries.c.attempts, alerts.c.payload)
        .join(alerts, alerts.c.id == deliveries.c.alert_id)
        .where(deliveries.c.status != "sent")
        .order_by(deliveries.c.id)
    )
    with engine.connect() as con:
        return [Pending(r.id, r.channel, json.loads(r.payload), r.attempts) for r in con.execute(query)]


def mark(engine: Engine, delivery_id: int, error: str | None, now: datetime) -> None:
    with engine.begin() as con:
        con.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id)
            .values(
                status="failed" if error else "sent",
                attempts=deliveries.c.attempts + 1,
                last_error=error,
                updated_at=now,
            )
        )


def history(engine: Engine, monitor: str, limit: int = 200) -> dict[str, list[dict[str, Any]]]:
    """The latest evaluations, alerts and deliveries of `monitor`, newest first (none before the first run)."""
    if not inspect(engine).has_table(deliveries.name):
        return {"evaluations": [], "alerts": [], "deliveries": []}
    with engine.connect() as con:
        found = con.execute(
            select(evaluations)
            .where(evaluations.c.monitor == monitor)
            .order_by(evaluations.c.id.desc())
            .limit(limit)
        ).mappings()
        evals = [_plain(dict(r)) for r in found]
        alert_rows = [
            _plain(dict(r))
            for r in con.execute(
                select(alerts).where(alerts.c.monitor == monitor).order_by(alerts.c.id.desc()).limit(limit)
            ).mappings()
        ]
        ids = [a["id"] for a in alert_rows]
        sent = [
            _plain(dict(r))
            for r in con.execute(
                select(deliveries).where(deliveries.c.alert_id.in_(ids)).order_by(deliveries.c.id.desc())
            ).mappings()
        ]
    for row in evals:
        row["segment"] = json.loads(row["segment"])
    for row in alert_rows:
        row["payload"] = json.loads(row["payload"])
    return {"evaluations": evals, "alerts": alert_rows, "deliveries": sent}


def state(found: dict[str, list[dict[str, Any]]]) -> str:
    """The monitor's state after its latest run: `alert`, `error`, `ok`, `no_data`, or `never_run`."""
    evaluations = found["evaluations"]
    if not evaluations:
        return "never_run"
    latest = [e for e in evaluations if e["evaluated_at"] == evaluations[0]["evaluated_at"]]
    for candidate in ("alert", "error", "ok"):
        if any(e["state"] == candidate for e in latest):
            return candidate
    return "no_data"


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in row.items()}
