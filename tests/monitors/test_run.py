"""`caliber monitor run`: threshold, change and band rules on a real warehouse, alerts sent once per period
to a real webhook receiver and SMTP server, and a failing channel recorded and retried."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Engine, func, select

from catalog.model import Catalog
from catalog.monitors import store
from catalog.monitors.run import run_monitors
from catalog.monitors.spec import Monitors, load_monitors

from .conftest import Mailbox, Receiver, at


def monitors(tmp_path: Path, catalog: Catalog, text: str) -> Monitors:
    path = tmp_path / "monitors.yaml"
    path.write_text(text, "utf-8")
    found = load_monitors([path], catalog)
    assert not found.issues, [str(i) for i in found.issues]
    return found


def run(found: Monitors, catalog: Catalog, con: duckdb.DuckDBPyConnection, engine: Engine, day: int) -> Any:
    return run_monitors(
        found.monitors, catalog, lambda sql: con.execute(sql).fetchall(), "duckdb", engine, at(day)
    )


def states(engine: Engine, name: str) -> list[str]:
    return [e["state"] for e in reversed(store.history(engine, name)["evaluations"])]


def test_a_threshold_alert_goes_to_the_webhook_and_by_mail_once_per_period(
    tmp_path: Path,
    catalog: Catalog,
    warehouse: duckdb.DuckDBPyConnection,
    engine: Engine,
    receiver: Receiver,
    mailbox: Mailbox,
) -> None:
    found = monitors(
        tmp_path,
        catalog,
        f"""
monitors:
  gmv_floor:
    metric: gmv
    grain: day
    rule: {{threshold: {{below: 50}}}}
    owners: [sales_lead]
    channels: [{{webhook: "{receiver.url}"}}, {{email: [lead@example.com]}}]
""",
    )
    assert run(found, catalog, warehouse, engine, 9).alerts_opened == 0
    report = run(found, catalog, warehouse, engine, 10)
    assert (report.alerts_opened, report.sent, report.failed) == (1, 2, 0)
    assert len(receiver.bodies) == 1 and receiver.bodies[0]["period"] == "2025-01-10"
    assert receiver.bodies[0]["segments"][0]["value"] == 15.0 and receiver.bodies[0]["owners"] == [
        "sales_lead"
    ]
    assert len(mailbox.messages) == 1 and mailbox.messages[0][0] == ["lead@example.com"]
    assert "gmv_floor" in mailbox.messages[0][1]
    again = run(found, catalog, warehouse, engine, 10)
    assert (again.alerts_opened, again.sent) == (0, 0)
    assert len(receiver.bodies) == 1 and len(mailbox.messages) == 1
    assert states(engine, "gmv_floor") == ["ok", "alert", "alert"]


def test_a_change_rule_compares_with_the_previous_period_per_segment(
    tmp_path: Path, catalog: Catalog, warehouse: duckdb.DuckDBPyConnection, engine: Engine, receiver: Receiver
) -> None:
    found = monitors(
        tmp_path,
        catalog,
        f"""
monitors:
  gmv_drop:
    metric: gmv
    grain: day
    dimensions: [channel]
    rule: {{change: {{drop: 0.5}}}}
    channels: [{{webhook: "{receiver.url}"}}]
""",
    )
    run(found, catalog, warehouse, engine, 9)  # 100 after 90: a rise
    run(found, catalog, warehouse, engine, 10)  # 15 after 100: -85 % in both channels
    assert states(engine, "gmv_drop") == ["ok", "ok", "alert", "alert"]
    (body,) = receiver.bodies
    assert [s["segment"] for s in body["segments"]] == [{"channel": "app"}, {"channel": "web"}]
    assert body["segments"][0]["low"] == 30.0  # 60 · (1 − 0.5)


def test_a_band_rule_uses_the_trailing_periods(
    tmp_path: Path, catalog: Catalog, warehouse: duckdb.DuckDBPyConnection, engine: Engine, receiver: Receiver
) -> None:
    found = monitors(
        tmp_path,
        catalog,
        f"""
monitors:
  gmv_band:
    metric: gmv
    grain: day
    rule: {{band: {{periods: 7, sigmas: 2}}}}
    channels: [{{webhook: "{receiver.url}"}}]
""",
    )
    run(found, catalog, warehouse, engine, 2)  # one trailing value: not enough
    run(found, catalog, warehouse, engine, 9)
    run(found, catalog, warehouse, engine, 10)
    assert states(engine, "gmv_band") == ["no_data", "ok", "alert"]
    latest = store.history(engine, "gmv_band")["evaluations"][0]
    trailing = [90, 105, 95, 100, 110, 90, 100]  # days 3–9
    mean = sum(trailing) / 7
    sd = math.sqrt(sum((x - mean) ** 2 for x in trailing) / 6)
    assert math.isclose(latest["low"], mean - 2 * sd) and math.isclose(latest["high"], mean + 2 * sd)
    assert len(receiver.bodies) == 1


def test_a_failing_channel_is_recorded_and_retried_on_the_next_run(
    tmp_path: Path, catalog: Catalog, warehouse: duckdb.DuckDBPyConnection, engine: Engine, receiver: Receiver
) -> None:
    found = monitors(
        tmp_path,
        catalog,
        f"""
monitors:
  gmv_floor:
    metric: gmv
    grain: day
    rule: {{threshold: {{below: 50}}}}
    channels: [{{webhook: "{receiver.url}"}}]
""",
    )
    receiver.status = 500
    failed = run(found, catalog, warehouse, engine, 10)
    assert (failed.alerts_opened, failed.sent, failed.failed) == (1, 0, 1)
    (delivery,) = store.history(engine, "gmv_floor")["deliveries"]
    assert (delivery["status"], delivery["attempts"], delivery["last_error"]) == (
        "failed",
        1,
        "HTTP 500 from the webhook",
    )
    receiver.status = 200
    retried = run(found, catalog, warehouse, engine, 10)
    assert (retried.alerts_opened, retried.sent, retried.failed) == (0, 1, 0)
    (delivery,) = store.history(engine, "gmv_floor")["deliveries"]
    assert (delivery["status"], delivery["attempts"]) == ("sent", 2)
    assert len(receiver.bodies) == 2  # the refused POST and the retry
    assert run(found, catalog, warehouse, engine, 10).sent == 0
    with engine.connect() as con:
        assert con.execute(select(func.count()).select_from(store.alerts)).scalar() == 1


def test_email_without_smtp_settings_fails_loudly_and_stays_pending(
    tmp_path: Path, catalog: Catalog, warehouse: duckdb.DuckDBPyConnection, engine: Engine, monkeypatch: Any
) -> None:
    monkeypatch.delenv("CALIBER_SMTP_HOST", raising=False)
    found = monitors(
        tmp_path,
        catalog,
        """
monitors:
  gmv_floor:
    metric: gmv
    grain: day
    rule: {threshold: {below: 50}}
    channels: [{email: [lead@example.com]}]
""",
    )
    assert run(found, catalog, warehouse, engine, 10).failed == 1
    (delivery,) = store.history(engine, "gmv_floor")["deliveries"]
    assert delivery["status"] == "failed" and "CALIBER_SMTP_HOST" in delivery["last_error"]
