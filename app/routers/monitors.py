"""`/v1/monitors`: each monitor's definition, latest state and history (evaluations, alerts, deliveries).

The monitors are the files under `CALIBER_MONITORS_PATH`, checked against the served catalog; the history is
what `caliber monitor run` stored in the catalog database. Reading them is the `read` right.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from app.deps import READ_SECURITY, Read
from app.problems import ApiProblem, problem_responses
from catalog.issues import issue
from catalog.monitors import store
from catalog.monitors.spec import Monitor, Monitors, load_monitors

router = APIRouter(prefix="/v1/monitors", tags=["monitors"])


class MonitorSummary(BaseModel):
    name: str
    metric: str
    grain: str
    rule: str
    owners: list[str]
    state: str = Field(description="after the latest run: alert | error | ok | no_data | never_run")
    last_period: str | None


class MonitorDetail(MonitorSummary):
    definition: dict[str, Any]
    location: str
    evaluations: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]


class MonitorList(BaseModel):
    monitors: list[MonitorSummary]
    issues: list[dict[str, Any]] = Field(description="Problems in the monitor files (M001–M003).")


def served_monitors(request: Request, read: Any) -> Monitors:
    return load_monitors([request.app.state.settings.monitors_path], read.catalog)


def _summary(monitor: Monitor, found: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    spec = monitor.spec
    latest = found["evaluations"][0]["period"] if found["evaluations"] else None
    return {
        "name": monitor.name,
        "metric": spec.metric,
        "grain": spec.grain,
        "rule": spec.rule.kind,
        "owners": list(spec.owners),
        "state": store.state(found),
        "last_period": latest,
    }


@router.get("", response_model=MonitorList, responses=problem_responses(401), openapi_extra=READ_SECURITY)
def list_monitors(request: Request, read: Read) -> MonitorList:
    """Every monitor with its state after the latest run."""
    found = served_monitors(request, read)
    engine = request.app.state.repo.engine
    return MonitorList(
        monitors=[
            MonitorSummary(**_summary(m, store.history(engine, m.name, limit=50))) for m in found.monitors
        ],
        issues=[i.as_dict() for i in found.issues],
    )


@router.get(
    "/{name}",
    response_model=MonitorDetail,
    responses=problem_responses(401, 404),
    openapi_extra=READ_SECURITY,
)
def get_monitor(
    name: Annotated[str, Path(max_length=100, examples=["gmv_monthly_drop"])], request: Request, read: Read
) -> MonitorDetail:
    """One monitor: its definition, state and history, newest first."""
    monitor = served_monitors(request, read).get(name)
    if monitor is None:
        raise ApiProblem(
            404,
            "Unknown monitor",
            [issue("H004", f"no monitor named {name!r}", hint="GET /v1/monitors lists them")],
        )
    found = store.history(request.app.state.repo.engine, monitor.name)
    return MonitorDetail(
        **_summary(monitor, found),
        definition=monitor.spec.model_dump(mode="json", exclude_none=True),
        location=str(monitor.location),
        evaluations=found["evaluations"],
        alerts=found["alerts"],
        deliveries=found["deliveries"],
    )
