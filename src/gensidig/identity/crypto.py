"""Encryption at rest for the single sign-on client secret (Fernet from `cryptography`).

The key is derived from Django's secret key, so a stolen database alone does not reveal the
secret; changing GENSIDIG_SECRET_KEY means entering the client secret again."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"gensidig-sso-secret:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    """The clear text, or "" when the key changed since it was stored."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
