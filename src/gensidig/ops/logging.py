"""Log lines that an operator can search: with GENSIDIG_LOG_FORMAT=json every line is one
JSON object, and every line written while a request is served carries its request id, the
user's id and the organisation's short name (ids only, never a name, an email or text a
person wrote)."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id: ContextVar[str] = ContextVar("gensidig_request_id", default="")
current_request: ContextVar[Any] = ContextVar("gensidig_request", default=None)
organisation: ContextVar[str] = ContextVar("gensidig_organisation", default="")

# Fields a log call may add with `extra=` that the JSON line keeps (the access log's).
EXTRA_FIELDS = ("method", "view", "status", "duration_ms", "task", "task_id", "job", "worker")


class RequestContext(logging.Filter):
    """Puts the current request's id, user id and organisation on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        request = current_request.get()
        if request is not None:
            from gensidig.ops.middleware import evaluated_user_id

            record.user_id = evaluated_user_id(request)
        else:
            record.user_id = None
        record.organisation = organisation.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, the request's
    context and the known extra fields; an exception's traceback as one string."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "user_id", "organisation", *EXTRA_FIELDS):
            value = getattr(record, name, None)
            if value not in (None, ""):
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)
