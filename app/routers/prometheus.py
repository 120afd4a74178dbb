"""`GET /metrics`: the service's Prometheus metrics, in the text exposition format.

Request latency by route template, compiles by outcome (cache hit ratios follow from them) and warehouse query
time (`app.monitoring`). Admin only unless `CALIBER_METRICS_PUBLIC=true`: route names and traffic are the
operator's business.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.deps import Monitor
from app.monitoring import exposition
from app.problems import problem_responses

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"},
        **problem_responses(401, 403),
    },
)
async def metrics_endpoint(_who: Monitor) -> Response:
    """Every metric of the service, summed over its workers."""
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
