"""Sealed task payloads: what a background task must carry but nobody reading the database
may read (an email's recipient, its text and any one-time link in it).

The payload is encrypted and authenticated with Fernet (AES-128-CBC with HMAC-SHA256, from
the `cryptography` package) under a key derived by HKDF from `GENSIDIG_TASK_KEY`, or from
Django's `SECRET_KEY` when that is not set. The task table, and every backup of it, then holds
ciphertext only; whoever holds the key could already forge sessions and reset links anyway.
`SECRET_KEY_FALLBACKS` (and `GENSIDIG_TASK_KEY_FALLBACKS`) still open payloads sealed before a
key was rotated, so tasks queued just before a release are not lost."""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

INFO = b"gensidig.task-payload.v1"


class UnreadablePayload(Exception):
    """A sealed payload that none of the configured keys opens (or that was tampered with)."""


def _derive(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


@lru_cache(maxsize=8)
def _fernet(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_derive(secret) for secret in secrets])


def _secrets() -> tuple[str, ...]:
    task_key = getattr(settings, "GENSIDIG_TASK_KEY", "")
    if task_key:
        return (task_key, *getattr(settings, "GENSIDIG_TASK_KEY_FALLBACKS", ()))
    fallbacks = [str(key) for key in settings.SECRET_KEY_FALLBACKS]
    return (settings.SECRET_KEY, *fallbacks)


def seal(payload: dict[str, Any]) -> str:
    """The payload (JSON-able) as an opaque, authenticated string."""
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return _fernet(_secrets()).encrypt(data).decode("ascii")


def unseal(sealed: str) -> dict[str, Any]:
    try:
        data = _fernet(_secrets()).decrypt(sealed.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise UnreadablePayload(
            "The task's payload cannot be opened with the current key "
            "(GENSIDIG_TASK_KEY or the secret key changed without a fallback?)."
        ) from exc
    payload = json.loads(data)
    if not isinstance(payload, dict):
        raise UnreadablePayload("The task's payload is not a sealed mapping.")
    return payload
