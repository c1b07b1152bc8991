"""Every email leaves through a background task, rendered in the recipient's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from gensidig.common.tasks import send_email


def send_templated_email(
    *,
    to: str,
    template: str,
    context: Mapping[str, Any],
    language: str | None = None,
) -> None:
    """Render `<template>_subject.txt` and `<template>_body.txt` and enqueue the message.

    The task gets plain strings, so it can run in another process (the task worker) and
    be retried without the database rows it was rendered from."""
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        full_context = {"site_url": settings.SITE_URL, **context}
        subject = " ".join(render_to_string(f"{template}_subject.txt", full_context).split())
        body = render_to_string(f"{template}_body.txt", full_context)
    send_email.enqueue(to=[to], subject=subject, body=body)
