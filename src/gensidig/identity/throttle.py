"""Login throttling (django-axes) and rate limits on password-reset and activation requests.

django-axes counts failed logins in the database, so the limit holds across every app process:
after GENSIDIG_LOGIN_FAILURES failures for one address, or from one IP address, within the
cool-off, logins are refused for the cool-off (even with the right password) and it ends by
itself. Reset requests are counted in our own small table (RequestCount) the same way.
Neither tells whether an address has an account: the lockout follows the address typed,
whether or not it exists, and a reset request always answers with the same page."""

from __future__ import annotations

import hashlib
import ipaddress
from datetime import timedelta
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from gensidig.identity.models import RequestCount


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' check before any password is compared. Every login form passes the
    request; a call without one (Django's test client's `login`) is not a login attempt
    from outside and is left to the next backend."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


NO_ADDRESS = "0.0.0.0"


def client_address(request: HttpRequest) -> str:
    """The address throttling counts against. Behind our proxy (GENSIDIG_BEHIND_PROXY) it is
    the last entry of X-Forwarded-For, the one the proxy itself added; a client cannot forge
    it, only the entries before it."""
    candidates = [str(request.META.get("REMOTE_ADDR") or "")]
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        candidates.insert(0, forwarded.split(",")[-1].strip())
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    # No address at all: a login made inside the process (a test's force_login, a command).
    # The attempts table stores an IP address, and PostgreSQL refuses anything else.
    return NO_ADDRESS


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The address a login attempt counts against, whatever its letter case or spaces."""
    value = (credentials or {}).get("username") or request.POST.get("username") or ""
    return str(value).strip().lower()


def cool_off_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page for a refused login during the cool-off: the same for every address."""
    return render(
        request,
        "identity/locked_out.html",
        {"minutes": cool_off_minutes(), "limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


def _key(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()


@transaction.atomic
def count_request(*, scope: str, key: str, limit: int, window: timedelta) -> bool:
    """Record one request against `key` in `scope`; False when `limit` requests were already
    made within `window` (the request is then not counted again)."""
    now = timezone.now()
    RequestCount.objects.filter(at__lt=now - timedelta(days=1)).delete()
    key_hash = _key(key)
    recent = RequestCount.objects.filter(scope=scope, key_hash=key_hash, at__gte=now - window)
    if recent.count() >= limit:
        return False
    RequestCount.objects.create(scope=scope, key_hash=key_hash, at=now)
    return True


# Views whose POST asks for an email with a link (a password reset, or an activation link for
# a member who never set a password); counted per IP address and per address.
RATE_LIMITED_VIEWS = frozenset({"accounts:password_reset"})
HOUR = timedelta(hours=1)


def reset_request_allowed(request: HttpRequest) -> str:
    """ "ok", "ip" (this IP address asked too often: refuse with a page) or "address" (this
    address was sent enough links: answer as usual but send nothing)."""
    ip = client_address(request)
    if not count_request(
        scope="reset-ip", key=ip, limit=settings.GENSIDIG_RESET_PER_IP, window=HOUR
    ):
        return "ip"
    email = request.POST.get("email", "")
    if email and not count_request(
        scope="reset-address", key=email, limit=settings.GENSIDIG_RESET_PER_ADDRESS, window=HOUR
    ):
        return "address"
    return "ok"
