"""API tokens and webhook subscriptions of an organisation.

Personal data kept here and why: which member created a token or a subscription (so the
owners can see who gave access, and so a token never does more than its creator may) and
when a token was last used. A webhook delivery holds the event sent (ids, states and dates
of the organisation's objects, never note or reflection text) and the receiver's answer."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gensidig.accounts.models import HashedToken, Member, Organisation, new_token

TOKEN_PREFIX = "gsd"


class Scope(models.TextChoices):
    READ = "read", pgettext_lazy("API scope", "Read")
    WRITE = "write", pgettext_lazy("API scope", "Write")


class ApiToken(HashedToken):
    """A token of the REST API: `gsd_<prefix>_<secret>`, with scopes and an optional
    expiry, acting as the member who created it."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("organisation"),
    )
    scopes = models.JSONField(_("scopes"), default=list)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.shown_prefix})"

    @classmethod
    def new_raw(cls) -> tuple[str, str]:
        prefix = secrets.token_hex(4)
        return f"{TOKEN_PREFIX}_{prefix}_{new_token()}", prefix

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def shown_prefix(self) -> str:
        return f"{TOKEN_PREFIX}_{self.prefix}_…"


class RateWindow(models.Model):
    """How many calls a token made in one minute; kept in the database so that the limit
    holds across all web processes."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    minute = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "minute"], name="api_rate_window_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.token_id}@{self.minute}: {self.count}"


class IdempotencyKey(models.Model):
    """The answer to a creating call made with an `Idempotency-Key`, so that a retry of the
    same call gets the same answer instead of a second object. Kept for a day."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="api_idempotency_unique"),
        ]

    def __str__(self) -> str:
        return self.key


class Format(models.TextChoices):
    JSON = "json", _("JSON (signed, for your own systems)")
    TEAMS = "teams", _("Microsoft Teams (Adaptive Card)")
    SLACK = "slack", _("Slack (incoming webhook)")


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("organisation"),
    )
    url = models.URLField(_("address"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    format = models.CharField(
        _("format"), max_length=10, choices=Format.choices, default=Format.JSON
    )
    # The language the Teams or Slack channel reads (an organisation has no language of its
    # own): chosen when subscribing, the creator's by default, and kept when they leave.
    language = models.CharField(
        _("language of the messages"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    # Kept as is: the server needs it to sign each delivery. Shown once, never logged, never
    # put in a task's arguments.
    secret = models.CharField(max_length=80, default=new_secret, editable=False)
    created_by = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    # Deliveries in a row that failed after all their attempts.
    failures_in_row = models.PositiveIntegerField(_("failures in a row"), default=0)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("delivery", "Waiting")
        DELIVERED = "delivered", pgettext_lazy("delivery", "Delivered")
        FAILED = "failed", pgettext_lazy("delivery", "Failed")

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    event = models.CharField(_("event"), max_length=40)
    data = models.JSONField(_("data"), default=dict)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    response_status = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id}"
