"""Webhooks out: each event of an organisation becomes one delivery per subscription that
asked for it, sent by a background task with retries and a growing wait, and signed.

Signature: the header `Gensidig-Signature: t=<unix time>,v1=<hex>` where `<hex>` is
HMAC-SHA256 with the subscription's secret over `<unix time>.<body>`. A receiver
recomputes it, compares in constant time and refuses a timestamp older than five minutes,
so a recorded delivery cannot be replayed later."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.tasks import TaskContext, task
from django.utils import formats, timezone, translation

from gensidig.api.actions import WebhookTarget, WebhookUrlError, resolve_webhook_url
from gensidig.api.models import Format, WebhookDelivery, WebhookSubscription
from gensidig.common.email import send_templated_email

logger = logging.getLogger("gensidig.tasks")

KEEP_DELIVERIES = 100
TIMEOUT_SECONDS = 10
# How long a receiver should accept a signed timestamp (documented in the README).
TOLERANCE_SECONDS = 300


def plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def record_event(event: str, organisation_id: int, data: dict[str, Any]) -> None:
    """Listener of `common.events.emit`: one delivery for each subscription that wants the
    event, sent once the action's transaction has committed."""
    events = [event]
    if event == "discovery.moved" and data.get("to_stage") == "adopted":
        events.append("discovery.adopted")
    subscriptions = [
        subscription
        for subscription in WebhookSubscription.objects.filter(
            organisation_id=organisation_id, paused_at=None
        )
        if set(events) & set(subscription.events)
    ]
    for subscription in subscriptions:
        for name in events:
            if name not in subscription.events:
                continue
            delivery = WebhookDelivery.objects.create(
                subscription=subscription, event=name, data=plain(data)
            )
            prune(subscription)
            transaction.on_commit(
                lambda pk=delivery.pk: deliver_webhook.enqueue(delivery_id=pk)  # type: ignore[misc]
            )


def prune(subscription: WebhookSubscription) -> None:
    keep = list(
        WebhookDelivery.objects.filter(subscription=subscription)
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[:KEEP_DELIVERIES]
    )
    WebhookDelivery.objects.filter(subscription=subscription).exclude(pk__in=keep).delete()


def pair_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A pair formed, however it was made (both accepted, or an administrator's pair)."""
    if created:
        from gensidig.common.events import emit

        emit(
            "pair.formed",
            organisation_id=instance.program.organisation_id,
            pair_id=instance.pk,
            program_id=instance.program_id,
        )


def connect_signals() -> None:
    from gensidig.matching.models import Pair

    post_save.connect(pair_saved, sender=Pair, dispatch_uid="gensidig.api.pair_formed")


# --- The body in each format --------------------------------------------------------------


def summary(delivery: WebhookDelivery) -> tuple[str, str]:
    """The event's title and a line with the organisation and the time, in the
    subscription's language and that language's date format, as plain text."""
    from gensidig.api.forms import EVENT_LABELS

    with translation.override(delivery.subscription.language):
        title = str(EVENT_LABELS.get(delivery.event, delivery.event))
        organisation = delivery.subscription.organisation.name
        when = formats.date_format(timezone.localtime(delivery.created_at), "DATETIME_FORMAT")
        return title, f"{organisation} · {when}"


def slack_text(text: str) -> str:
    # Slack reads &, < and > as its own markup (links, mentions) and asks for exactly these
    # three to be escaped; nothing else is (Danish letters and quotes go as they are).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def body_of(delivery: WebhookDelivery) -> bytes:
    subscription = delivery.subscription
    envelope = {
        "id": str(delivery.event_id),
        "event": delivery.event,
        "timestamp": delivery.created_at.isoformat(),
        "organisation": {
            "id": subscription.organisation_id,
            "slug": subscription.organisation.slug,
        },
        "data": delivery.data,
    }
    if subscription.format == Format.TEAMS:
        title, line = summary(delivery)
        payload: dict[str, Any] = {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": [
                            {"type": "TextBlock", "text": title, "weight": "Bolder", "wrap": True},
                            {"type": "TextBlock", "text": line, "isSubtle": True, "wrap": True},
                        ],
                        "actions": [
                            {
                                "type": "Action.OpenUrl",
                                "title": "Gensidig",
                                "url": settings.SITE_URL,
                            }
                        ],
                    },
                }
            ],
            "gensidig": envelope,
        }
    elif subscription.format == Format.SLACK:
        title, line = (slack_text(text) for text in summary(delivery))
        payload = {
            "text": f"{title} ({line})",
            "blocks": [
                {"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*\n{line}"}},
            ],
        }
    else:
        payload = envelope
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """What a receiver does (used by the tests and shown in the README)."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def pinned(target: WebhookTarget) -> Any:
    """socket.create_connection to the checked IP address, whatever the name answers now
    (http.client would otherwise resolve the host name again)."""

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        return socket.create_connection((target.address, address[1]), *args, **kwargs)

    return create_connection


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the IP address that was checked; `Host` names the host."""

    def __init__(self, target: WebhookTarget, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._create_connection = pinned(target)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is checked against the host name (SNI too)."""

    def __init__(self, target: WebhookTarget, timeout: float) -> None:
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._create_connection = pinned(target)


def post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """Send once: (HTTP status or None, a short error). The address is checked again now,
    its name resolved once, and the connection goes to the address that was checked.
    Redirects are not followed."""
    subscription = delivery.subscription
    try:
        target = resolve_webhook_url(subscription.url)
    except WebhookUrlError as error:
        return None, str(error)[:200]
    body = body_of(delivery)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Gensidig-Webhooks/1",
        "Gensidig-Event": delivery.event,
        "Gensidig-Delivery": str(delivery.event_id),
        "Gensidig-Timestamp": str(timestamp),
        "Gensidig-Signature": signature(subscription.secret, timestamp, body),
    }
    connection_class = PinnedHTTPSConnection if target.scheme == "https" else PinnedHTTPConnection
    connection = connection_class(target, TIMEOUT_SECONDS)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        with connection.getresponse() as response:
            return int(response.status), ""
    except (OSError, http.client.HTTPException, ValueError) as error:
        return None, type(error).__name__
    finally:
        connection.close()


def backoff(attempt: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, … between attempts."""
    return timedelta(seconds=30 * 2 ** (attempt - 1))


@task(takes_context=True)
def deliver_webhook(context: TaskContext, *, delivery_id: int) -> str:
    """Send one delivery (its id only travels in the task; the secret stays in the
    database). On failure try again later, and pause a subscription that keeps failing."""
    delivery = (
        WebhookDelivery.objects.select_related(
            "subscription__organisation", "subscription__created_by__user"
        )
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return "gone"
    subscription = delivery.subscription
    if subscription.paused_at is not None:
        return "paused"
    status, error = post(delivery)
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_status = status
    delivery.error = error
    if status is not None and 200 <= status < 300:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.next_attempt_at = None
        delivery.save()
        WebhookSubscription.objects.filter(pk=subscription.pk).update(failures_in_row=0)
        return "delivered"
    if delivery.attempts < settings.GENSIDIG_WEBHOOK_ATTEMPTS:
        wait = backoff(delivery.attempts)
        delivery.next_attempt_at = now + wait
        delivery.save()
        retry = deliver_webhook
        if context.task_result.task.get_backend().supports_defer:
            retry = deliver_webhook.using(run_after=now + wait)
        # The in-process backend (a laptop) tries again at once.
        retry.enqueue(delivery_id=delivery.pk)
        return "retrying"
    delivery.status = WebhookDelivery.Status.FAILED
    delivery.next_attempt_at = None
    delivery.save()
    fail(subscription)
    return "failed"


def pause_recipients(subscription: WebhookSubscription) -> list[Any]:
    """Who is told that a subscription paused: its creator while they are still an owner or
    administrator here; otherwise the organisation's active owners and administrators, so
    that a subscription whose creator left is not paused in silence."""
    from gensidig.accounts.models import MANAGING_ROLES, Member

    managers = Member.objects.filter(
        organisation_id=subscription.organisation_id,
        role__in=MANAGING_ROLES,
        is_active=True,
        user__is_active=True,
    ).select_related("user")
    creator = managers.filter(pk=subscription.created_by_id or 0).first()
    if creator is not None:
        return [creator.user]
    return [member.user for member in managers.order_by("pk")]


@transaction.atomic
def fail(subscription: WebhookSubscription) -> None:
    current = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    current.failures_in_row += 1
    if (
        current.paused_at is None
        and current.failures_in_row >= settings.GENSIDIG_WEBHOOK_PAUSE_AFTER
    ):
        current.paused_at = timezone.now()
        from django.urls import reverse

        link = settings.SITE_URL + reverse(
            "api_pages:webhook_detail",
            kwargs={"org": subscription.organisation.slug, "subscription_id": current.pk},
        )
        for user in pause_recipients(subscription):
            send_templated_email(
                to=user.email,
                template="api/email/webhook_paused",
                context={
                    "organisation": subscription.organisation.name,
                    "url": current.url,
                    "failures": current.failures_in_row,
                    "link": link,
                },
                language=user.language,
            )
        logger.warning("Webhook subscription %s paused after failures.", current.pk)
    current.save(update_fields=["failures_in_row", "paused_at"])
