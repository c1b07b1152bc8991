"""Writes for API tokens and webhook subscriptions: verb-first, keyword-only, one
transaction each."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from gensidig.accounts.models import Member
from gensidig.accounts.security import log_security_event
from gensidig.api.models import (
    ApiToken,
    Format,
    Scope,
    WebhookSubscription,
)
from gensidig.common.events import EVENTS


class WebhookUrlError(ValueError):
    """An address webhooks may not be sent to; the message says why, translated."""


@transaction.atomic
def create_token(
    *,
    by: Member,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> tuple[ApiToken, str]:
    """Create a token for `by`'s organisation. Returns the token and the raw key, which is
    shown once and stored nowhere (only its hash is kept)."""
    chosen = sorted({str(Scope(scope)) for scope in scopes})
    if not chosen:
        raise ValueError("A token needs at least one scope.")
    token, raw = ApiToken.issue(
        organisation=by.organisation,
        name=name.strip(),
        scopes=chosen,
        created_by=by,
        expires_at=expires_at,
    )
    log_security_event(
        kind="api-token-created",
        organisation=by.organisation,
        actor_id=by.user_id,
        request=request,
        details={"token_id": token.pk, "scopes": chosen},
    )
    return token, raw


@transaction.atomic
def revoke_token(*, token: ApiToken, by: Member, request: HttpRequest | None = None) -> ApiToken:
    if token.revoke():
        log_security_event(
            kind="api-token-revoked",
            organisation=token.organisation,
            actor_id=by.user_id,
            request=request,
            details={"token_id": token.pk},
        )
    return token


@dataclass(frozen=True)
class WebhookTarget:
    """Where a delivery goes: the address as written, and the IP address its host name
    resolved to when it was checked. A delivery connects to that IP (with the host name in
    `Host` and in TLS), so a name that answers differently a moment later (DNS rebinding)
    cannot send it inside the network."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    address: str


def allowed_address(address: str) -> bool:
    """A public (globally routable, not multicast) address; a loopback one only with the
    test-only allowance GENSIDIG_WEBHOOK_ALLOW_LOCAL_HTTP."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return bool(settings.GENSIDIG_WEBHOOK_ALLOW_LOCAL_HTTP)
    return ip.is_global and not ip.is_multicast


def resolve_webhook_url(url: str) -> WebhookTarget:
    """Check `url` and resolve its host: HTTPS only (plain HTTP only to a loopback address
    and only with the test-only allowance), and every address the name resolves to must be
    public, so a subscription cannot reach the servers around Gensidig."""
    url = url.strip()
    parsed = urlparse(url)
    host = (parsed.hostname or "").rstrip(".")
    private = WebhookUrlError(_("Webhooks cannot be sent to an address in a private network."))
    if parsed.scheme not in ("http", "https") or not host:
        raise WebhookUrlError(_("Use an https:// address."))
    plain_http = WebhookUrlError(
        _("Use an https:// address; plain http is allowed only for 127.0.0.1 in development.")
    )
    if parsed.scheme == "http" and not settings.GENSIDIG_WEBHOOK_ALLOW_LOCAL_HTTP:
        raise plain_http
    try:
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
    except ValueError as error:
        raise WebhookUrlError(_("Use an https:// address.")) from error
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise WebhookUrlError(_("The address's host name could not be found.")) from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses or not all(allowed_address(address) for address in addresses):
        raise private
    if parsed.scheme == "http" and not all(
        ipaddress.ip_address(address.split("%", 1)[0]).is_loopback for address in addresses
    ):
        raise plain_http
    path = parsed.path or "/"
    if parsed.query:
        path += "?" + parsed.query
    return WebhookTarget(
        url=url, scheme=parsed.scheme, host=host, port=port, path=path, address=addresses[0]
    )


def check_webhook_url(url: str) -> str:
    """The address if webhooks may be sent to it (see resolve_webhook_url); else
    WebhookUrlError with the reason, translated."""
    return resolve_webhook_url(url).url


@transaction.atomic
def subscribe_webhook(
    *,
    by: Member,
    url: str,
    events: Iterable[str],
    format: str = Format.JSON,
    language: str | None = None,
) -> WebhookSubscription:
    """Subscribe `url` to `events`. Teams and Slack messages are worded in `language` (the
    channel's; by default the language of the member subscribing)."""
    chosen = [event for event in EVENTS if event in set(events)]
    if not chosen:
        raise ValueError("A subscription needs at least one event.")
    language = language or by.user.language
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"Unknown language: {language!r}")
    return WebhookSubscription.objects.create(
        organisation=by.organisation,
        url=check_webhook_url(url),
        events=chosen,
        format=str(Format(format)),
        language=language,
        created_by=by,
    )


@transaction.atomic
def resume_webhook(*, subscription: WebhookSubscription) -> WebhookSubscription:
    subscription.paused_at = None
    subscription.failures_in_row = 0
    subscription.save(update_fields=["paused_at", "failures_in_row"])
    return subscription


@transaction.atomic
def delete_webhook(*, subscription: WebhookSubscription) -> None:
    subscription.delete()
