"""Checks that sit in front of the views: rate limits on reset requests, password login
refused for single-sign-on-only domains, and the two-factor gate."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from gensidig.identity import mfa
from gensidig.identity.queries import password_login_refused
from gensidig.identity.throttle import RATE_LIMITED_VIEWS, reset_request_allowed

# Pages a person held at the two-factor gate may still open.
GATE_OPEN = frozenset(
    {
        "identity:mfa_setup",
        "identity:mfa_verify",
        # Passkeys: the package refuses to add one before a person with a second factor
        # has used it, and a manager held at the set-up page may add a passkey there.
        "otp_webauthn:credential-registration-begin",
        "otp_webauthn:credential-registration-complete",
        "otp_webauthn:credential-authentication-begin",
        "otp_webauthn:credential-authentication-complete",
        "otp_webauthn:js-i18n-catalog",
        "accounts:logout",
        "common:set_language",
        "common:healthz",
    }
)
# How long a "no second factor needed" answer is trusted before it is looked up again.
GATE_RECHECK_SECONDS = 60
GATE_FREE_KEY = "identity_mfa_free_until"


class IdentityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        name = match.view_name if match else ""
        if request.method == "POST" and name in RATE_LIMITED_VIEWS:
            verdict = reset_request_allowed(request)
            if verdict == "ip":
                return render(request, "identity/too_many_requests.html", status=429)
            if verdict == "address":
                # Answer exactly as when a link was sent: nothing tells whether one was.
                return redirect("accounts:password_reset_done")
        if request.method == "POST" and name == "accounts:login":
            # Only members of the organisation that owns the (verified) domain; anyone else,
            # with or without an account, goes on to the ordinary login as before.
            provider = password_login_refused(request.POST.get("username", ""))
            if provider is not None:
                return render(request, "identity/use_sso.html", {"provider": provider}, status=403)
        if request.user.is_authenticated and name not in GATE_OPEN:
            return self.second_factor_gate(request)
        return None

    def second_factor_gate(self, request: HttpRequest) -> HttpResponse | None:
        if mfa.session_is_verified(request):
            return None
        if request.session.get(GATE_FREE_KEY, 0) > time.time():
            return None
        user = request.user
        if mfa.has_second_factor(user):  # type: ignore[arg-type]
            return redirect_with_next("identity:mfa_verify", request)
        if mfa.must_have_second_factor(user):  # type: ignore[arg-type]
            return redirect_with_next("identity:mfa_setup", request)
        request.session[GATE_FREE_KEY] = time.time() + GATE_RECHECK_SECONDS
        return None


def redirect_with_next(name: str, request: HttpRequest) -> HttpResponse:
    from urllib.parse import urlencode

    from django.urls import reverse

    target = reverse(name)
    if request.method == "GET" and not request.headers.get("HX-Request"):
        target += "?" + urlencode({"next": request.get_full_path()})
    return redirect(target)
