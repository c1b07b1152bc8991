"""Every email leaves through a background task, rendered in the recipient's language.

Optional emails (reminders, nudges, updates) have a *kind*. Apps name their kinds with
`register_email_kind`; `send_templated_email(kind=..., user=...)` then skips people who
switched that kind off, and adds a line with a one-click link to switch it off."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from gensidig.common.tasks import send_email

EMAIL_KINDS: dict[str, Promise | str] = {}
OPT_OUT_SALT = "gensidig.email-opt-out"


def register_email_kind(kind: str, label: Promise | str) -> str:
    """Name a kind of optional email; `label` is what the person sees when switching it off."""
    EMAIL_KINDS[kind] = label
    return kind


def opt_out_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=OPT_OUT_SALT, compress=True)


def read_opt_out_token(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=OPT_OUT_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in EMAIL_KINDS:
        return None
    return int(data["u"]), str(data["k"])


def opt_out_url(*, user_id: int, kind: str) -> str:
    token = opt_out_token(user_id=user_id, kind=kind)
    return settings.SITE_URL + reverse("common:email_opt_out", kwargs={"token": token})


def send_templated_email(
    *,
    to: str,
    template: str,
    context: Mapping[str, Any],
    language: str | None = None,
    kind: str | None = None,
    user: Any = None,
    attachment: dict[str, str] | None = None,
) -> bool:
    """Render `<template>_subject.txt` and `<template>_body.txt` and enqueue the message.
    Returns False when the recipient has switched this kind of email off.

    The task gets plain strings, so it can run in another process (the task worker) and
    be retried without the database rows it was rendered from."""
    from gensidig.common.models import EmailOptOut

    if kind is not None:
        if kind not in EMAIL_KINDS:
            raise ValueError(f"Unknown kind of email: {kind!r} (register it first).")
        if user is None:
            raise ValueError("An optional email needs its recipient user for the opt-out link.")
        if EmailOptOut.objects.filter(user=user, kind=kind).exists():
            return False
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        full_context = {"site_url": settings.SITE_URL, **context}
        subject = " ".join(render_to_string(f"{template}_subject.txt", full_context).split())
        body = str(render_to_string(f"{template}_body.txt", full_context))
        if kind is not None:
            body += (
                "\n"
                + gettext(
                    "You get this because of your part in a Gensidig program. "
                    "To stop emails of this kind (%(kind)s), open: %(url)s"
                )
                % {"kind": EMAIL_KINDS[kind], "url": opt_out_url(user_id=user.pk, kind=kind)}
                + "\n"
            )
    send_email.enqueue(to=[to], subject=subject, body=body, attachment=attachment)
    return True
