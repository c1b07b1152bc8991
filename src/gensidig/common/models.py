from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EmailOptOut(models.Model):
    """A kind of optional email (reminders, nudges, updates) that a person switched off.

    Kept because the person asked for it; erased with the account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_opt_outs"
    )
    kind = models.CharField(_("kind of email"), max_length=60)
    created_at = models.DateTimeField(_("switched off"), default=timezone.now)

    class Meta:
        verbose_name = _("switched-off email")
        verbose_name_plural = _("switched-off emails")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="email_opt_out_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} / {self.kind}"


class SubmittedForm(models.Model):
    """A form's one-time token, claimed by the submit that did the work (common/once.py), so
    the same form sent twice (a double click, a resend after a slow answer) does it once.
    Holds no personal data: a random token and the path the first submit led to; rows go
    after a day."""

    token = models.CharField(max_length=64, unique=True)
    result = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return self.token
