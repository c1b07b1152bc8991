"""The first middleware: a request id for every request (taken from the proxy's
X-Request-ID when it is sane, else made here, and echoed back), one access-log line per
request and the request metrics. It names the view (`accounts:login`), never the path,
because paths can hold one-time tokens."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import empty

from gensidig.ops import logging as context
from gensidig.ops import metrics

access_log = logging.getLogger("gensidig.access")
HEADER = "X-Request-ID"
SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")


def evaluated_user_id(request: HttpRequest) -> int | None:
    """The logged-in user's id if the request has already looked the user up (asking here
    would cost a session query on pages that never needed the user, static files say)."""
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


def view_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or "unnamed"
    if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unmatched"


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        incoming = request.headers.get(HEADER, "")
        rid = incoming if SANE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        tokens = (
            context.request_id.set(rid),
            context.current_request.set(request),
            context.organisation.set(""),
        )
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration = time.perf_counter() - started
            response[HEADER] = rid
            view = view_label(request)
            metrics.observe_request(
                view=view,
                method=request.method or "",
                status=response.status_code,
                seconds=duration,
            )
            access_log.info(
                "%s %s %s %.1fms",
                request.method,
                view,
                response.status_code,
                duration * 1000,
                extra={
                    "method": request.method,
                    "view": view,
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 1),
                },
            )
            return response
        finally:
            context.request_id.reset(tokens[0])
            context.current_request.reset(tokens[1])
            context.organisation.reset(tokens[2])

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: dict[str, Any]
    ) -> None:
        # Organisation pages carry the organisation's short name in the URL.
        context.organisation.set(str(kwargs.get("org", "")))
