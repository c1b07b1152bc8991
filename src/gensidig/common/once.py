"""Forms that create something do it once, however often they are sent.

A form carries a random one-time token (`{% once_field %}`, a hidden input drawn afresh
each time the form is shown). The view claims it with `claim` inside the transaction that does
the work: the first submit inserts the token (a unique row) and goes on; a second submit
of the same form finds it taken and is sent where the first one went. Should the work
fail, the transaction rolls the claim back and the form can be sent again. Concurrent
submits are ordered by the database's unique index."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from gensidig.common.models import SubmittedForm

FIELD = "once"
KEEP = timedelta(days=1)


# What new_token makes: anything else posted (a NUL byte, which PostgreSQL's text refuses
# with a 500) counts as no token.
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def posted_token(request: HttpRequest) -> str:
    token = str(request.POST.get(FIELD, ""))
    return token if TOKEN.fullmatch(token) else ""


def new_token() -> str:
    return secrets.token_urlsafe(24)


def hidden_input(request: HttpRequest | None) -> SafeString:
    """The form's token as a hidden input: the one posted (a form shown again after an
    error keeps its token), else a new one."""
    posted = posted_token(request) if request is not None and request.method == "POST" else ""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, posted or new_token())


def earlier(request: HttpRequest) -> str | None:
    """Where the first submit of this form led ("" when it has not finished), or None when
    the form was not submitted before."""
    token = posted_token(request)
    if not token:
        return None
    return SubmittedForm.objects.filter(token=token).values_list("result", flat=True).first()


class Claim:
    def __init__(self, token: str, first: bool, result: str = "") -> None:
        self.token = token
        self.first = first
        self.result = result

    def done(self, result: str) -> None:
        """Remember where the first submit led, for the ones after it."""
        if self.token and self.first:
            SubmittedForm.objects.filter(token=self.token).update(result=result[:300])


def claim(request: HttpRequest) -> Claim:
    """Claim the posted form's token; `first` is False when it was claimed before. Call it
    inside the `transaction.atomic()` that does the work. A form without a token (the API,
    an old page) is always first."""
    token = posted_token(request)
    if not token:
        return Claim("", True)
    SubmittedForm.objects.filter(at__lt=timezone.now() - KEEP).delete()
    try:
        with transaction.atomic():
            SubmittedForm.objects.create(token=token)
    except IntegrityError:
        earlier = SubmittedForm.objects.filter(token=token).values_list("result", flat=True)
        return Claim(token, False, earlier.first() or "")
    return Claim(token, True)
