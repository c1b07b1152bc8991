"""Two rules for signed-in pages: nothing personal is kept in a cache, and a session ends
after a spell of inactivity (and, at the latest, a fixed time after signing in)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

SEEN_KEY = "gensidig_seen"
SINCE_KEY = "gensidig_since"
NO_STORE = "no-store, private"


def cacheable[View: Callable[..., Any]](view: View) -> View:
    """Let a signed-in view's response be cached (it holds nothing personal); without this,
    every response to a signed-in person gets `Cache-Control: no-store, private`."""
    view.gensidig_cacheable = True  # type: ignore[attr-defined]
    return view


class PrivateResponseMiddleware:
    """`Cache-Control: no-store, private` on every response to a signed-in person (pages,
    htmx partials, CSV, JSON and PDF exports, calendar files), so neither a shared proxy nor
    the browser's back/forward or disk cache keeps a copy of personal data. A view opts out
    with `@cacheable`; a response that already says how to cache it is left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not getattr(request, "gensidig_cacheable", False)
            and not response.has_header("Cache-Control")
        ):
            response["Cache-Control"] = NO_STORE
        return response

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        if getattr(view, "gensidig_cacheable", False):
            request.gensidig_cacheable = True  # type: ignore[attr-defined]


class SessionIdleMiddleware:
    """A signed-in session lasts GENSIDIG_SESSION_IDLE_MINUTES after the last request
    (SESSION_COOKIE_AGE; the stored expiry is moved on at most once a minute, so parallel
    htmx requests do not all write the session), and never longer than
    GENSIDIG_SESSION_MAX_HOURS after signing in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            since = session.get(SINCE_KEY)
            if since is None:
                session[SINCE_KEY] = now
            elif now - int(since) > settings.GENSIDIG_SESSION_MAX_HOURS * 3600:
                logout(request)
                return self.get_response(request)
            # Writing the session saves it with a fresh expiry (now + SESSION_COOKIE_AGE).
            refresh = min(60, settings.SESSION_COOKIE_AGE // 10)
            if now - int(session.get(SEEN_KEY, 0)) >= refresh:
                session[SEEN_KEY] = now
        return self.get_response(request)
