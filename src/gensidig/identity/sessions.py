"""Ending a person's sessions at once: every login records its session key here."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings

from gensidig.identity.models import UserSession


def session_store() -> type:
    return import_module(settings.SESSION_ENGINE).SessionStore


def remember_session(*, user_id: int, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.update_or_create(session_key=session_key, defaults={"user_id": user_id})


def forget_session(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def end_sessions(*, user_id: int, keep: str | None = None) -> int:
    """Delete every session of the person except `keep` (the one making the change).
    Returns how many were ended."""
    store = session_store()
    rows = UserSession.objects.filter(user_id=user_id)
    if keep:
        rows = rows.exclude(session_key=keep)
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    rows.delete()
    return len(keys)
