"""Writes for API tokens and webhook subscriptions: verb-first, keyword-only, one
transaction each."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlparse

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gensidig.accounts.models import Member
from gensidig.accounts.security import log_security_event
from gensidig.api.models import (
    ApiToken,
    Format,
    Scope,
    WebhookSubscription,
    hash_key,
    new_raw_token,
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
    raw, prefix = new_raw_token()
    token = ApiToken.objects.create(
        organisation=by.organisation,
        name=name.strip(),
        prefix=prefix,
        key_hash=hash_key(raw),
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
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        log_security_event(
            kind="api-token-revoked",
            organisation=token.organisation,
            actor_id=by.user_id,
            request=request,
            details={"token_id": token.pk},
        )
    return token


def check_webhook_url(url: str) -> str:
    """HTTPS only; plain HTTP only to 127.0.0.1 (or ::1) and only where development allows
    it. Addresses inside private networks are refused too, so a subscription cannot be used
    to reach the servers around Gensidig."""
    parsed = urlparse(url.strip())
    host = parsed.hostname or ""
    loopback = host in {"127.0.0.1", "::1"}
    if parsed.scheme == "http":
        if not (loopback and settings.GENSIDIG_WEBHOOK_ALLOW_LOCAL_HTTP):
            raise WebhookUrlError(
                _(
                    "Use an https:// address; plain http is allowed only for 127.0.0.1 "
                    "in development."
                )
            )
        return url.strip()
    if parsed.scheme != "https" or not host:
        raise WebhookUrlError(_("Use an https:// address."))
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if host == "localhost" or (
        address is not None
        and (address.is_private or address.is_loopback or address.is_link_local)
        and not (loopback and settings.GENSIDIG_WEBHOOK_ALLOW_LOCAL_HTTP)
    ):
        raise WebhookUrlError(_("Webhooks cannot be sent to an address in a private network."))
    return url.strip()


@transaction.atomic
def subscribe_webhook(
    *, by: Member, url: str, events: Iterable[str], format: str = Format.JSON
) -> WebhookSubscription:
    chosen = [event for event in EVENTS if event in set(events)]
    if not chosen:
        raise ValueError("A subscription needs at least one event.")
    return WebhookSubscription.objects.create(
        organisation=by.organisation,
        url=check_webhook_url(url),
        events=chosen,
        format=str(Format(format)),
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
