"""The service's log lines as JSON objects, one per line, each with the id of the request it was written in.

`app.monitoring.RequestContext` sets `request_id` for the duration of a request; `RequestIdFilter` copies it
onto every record and `JsonFormatter` writes it. `caliber serve` installs `log_config()` for its own and
uvicorn's loggers:

    {"time": "2026-11-24T09:00:00.123Z", "level": "INFO", "logger": "caliber.access", "message": "request",
     "request_id": "5f0c…", "method": "POST", "route": "/v1/compile", "status": 200, "duration_ms": 1.2}
"""

from __future__ import annotations

import json
import logging
import time
from contextvars import ContextVar
from typing import Any

request_id: ContextVar[str | None] = ContextVar("caliber_request_id", default=None)
"""The id of the request being answered on this task or thread; None outside a request."""


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (None outside a request) to every record, for the JSON formatter."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and any `extra` fields."""

    converter = time.gmtime  # type: ignore[assignment]

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` document: the service's and uvicorn's loggers as JSON lines on stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            name: {"handlers": ["stderr"], "level": level, "propagate": False}
            for name in ("caliber", "uvicorn", "uvicorn.error")
        },
    }
