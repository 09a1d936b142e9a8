"""Logs on the standard error, as text (the default) or one JSON object per line
(``CARNET_LOG_FORMAT=json``), each record with the fields of the request it belongs to (set by
carnet.site.observability.RequestMiddleware): request id, method, path, status, duration, user id."""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

request_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "carnet_request", default=None
)


class RequestContextFilter(logging.Filter):
    """Adds the current request's fields to each record (``request_id`` is "-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = request_context.get() or {}
        record.request_id = context.get("request_id", "-")
        record.request = context
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in (getattr(record, "request", None) or {}).items():
            entry.setdefault(key, value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """Django's LOGGING: everything to the standard error, as text (the default) or JSON lines."""
    if log_format not in ("text", "json"):
        raise ValueError(f"CARNET_LOG_FORMAT: text or json, not {log_format!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": "carnet.site.logs.RequestContextFilter"}},
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {"()": "carnet.site.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["request"]},
        },
        "root": {"handlers": ["console"], "level": level.upper()},
        # Django logs each 4xx/5xx answer again on django.request and django.server: one line is enough.
        "loggers": {"django.request": {"level": "ERROR"}, "django.server": {"level": "ERROR"}},
    }
