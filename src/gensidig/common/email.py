"""Every email leaves through a background task, rendered in the recipient's language.

Optional emails (reminders, nudges, updates) have a *kind*. Apps name their kinds with
`register_email_kind`; `send_templated_email(kind=..., user=...)` then skips people who
switched that kind off, and adds a line with a one-click link to switch it off.

Emails are written as plain-text templates (`<name>_subject.txt`, `<name>_body.txt`), rendered
without HTML escaping (`render_text`): "Salg & IT" arrives as written. Each message also has
an HTML part made from the same text (escaped, links clickable, `common/email/message.html`),
so the two parts never say different things and a new email needs no HTML template."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core import signing
from django.template import Context, Engine, engines
from django.template.backends.django import DjangoTemplates
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.html import linebreaks, urlize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from gensidig.common.tasks import queue_email

SIGNATURE = "\n-- \n"

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


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str
    html: str


def _engine() -> Engine:
    return cast(DjangoTemplates, engines["django"]).engine


def render_text(template_name: str, context: Mapping[str, Any]) -> str:
    """A text template rendered as written: no HTML escaping, so "Salg & IT" stays itself
    in a plain-text email. Never use this for anything a browser shows."""
    template = _engine().get_template(template_name)
    return template.render(Context(dict(context), autoescape=False))


def render_email(
    template: str, context: Mapping[str, Any], *, language: str | None = None
) -> RenderedEmail:
    """Render `<template>_subject.txt` and `<template>_body.txt` in `language` (or the active
    one) as plain text, and the HTML part from the same text in our email layout."""
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        full_context = {"site_url": settings.SITE_URL, **context}
        subject = " ".join(render_text(f"{template}_subject.txt", full_context).split())
        body = render_text(f"{template}_body.txt", full_context)
        html = html_part(subject=subject, body=body)
    return RenderedEmail(subject=subject, body=body, html=html)


def html_part(*, subject: str, body: str) -> str:
    text, _sep, signature = body.partition(SIGNATURE)
    return render_to_string(
        "common/email/message.html",
        {
            "subject": subject,
            "content": paragraphs(text),
            "signature": paragraphs(signature),
            "language": translation.get_language(),
        },
    )


def paragraphs(text: str) -> SafeString:
    """Plain text as escaped HTML paragraphs with its web addresses as links."""
    if not text.strip():
        return mark_safe("")
    return mark_safe(linebreaks(urlize(text.strip(), autoescape=True), autoescape=False))


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
    """Render `<template>_subject.txt` and `<template>_body.txt` (plain text, unescaped) and
    enqueue the message with an HTML part made from the same text. Returns False when the
    recipient has switched this kind of email off.

    The task gets the rendered message, sealed (see `gensidig.common.tasks.queue_email`), so
    it can run in another process (the task worker) and be retried without the database rows
    it was rendered from, while the task table holds no address, name or link in the clear."""
    from gensidig.common.models import EmailOptOut

    if kind is not None:
        if kind not in EMAIL_KINDS:
            raise ValueError(f"Unknown kind of email: {kind!r} (register it first).")
        if user is None:
            raise ValueError("An optional email needs its recipient user for the opt-out link.")
        if EmailOptOut.objects.filter(user=user, kind=kind).exists():
            return False
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    rendered = render_email(template, context, language=language)
    body = rendered.body
    if kind is not None:
        with translation.override(language):
            opt_out = gettext(
                "You get this because of your part in a Gensidig program. "
                "To stop emails of this kind (%(kind)s), open: %(url)s"
            ) % {"kind": EMAIL_KINDS[kind], "url": opt_out_url(user_id=user.pk, kind=kind)}
        # After the signature, as the footer of the HTML part.
        body += f"\n{opt_out}\n"
        with translation.override(language):
            html = html_part(subject=rendered.subject, body=body)
    else:
        html = rendered.html
    queue_email(to=[to], subject=rendered.subject, body=body, html=html, attachment=attachment)
    return True
