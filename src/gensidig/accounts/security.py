"""The security log's one writer. Every app records its events here (logins, roles,
removals, exports, erasures, imports, and SSO, MFA, API token and SCIM events), so the
owners' page and the retention job see one table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from gensidig.accounts.models import Organisation, SecurityEvent

# Keys that must never reach the log, whatever a caller passes by mistake.
FORBIDDEN_KEYS = frozenset({"password", "token", "link", "url", "secret", "text", "body"})


# Labels of the kinds other apps write (SSO, MFA, SCIM…), registered by those apps when they
# are ready; a kind without one shows its code.
KIND_LABELS: dict[str, Any] = {}


def register_kind_labels(labels: Mapping[str, Any]) -> None:
    KIND_LABELS.update(labels)


def kind_label(kind: str) -> str:
    try:
        return str(SecurityEvent.Kind(kind).label)
    except ValueError:
        return str(KIND_LABELS.get(kind, kind))


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # REMOTE_ADDR only: behind a proxy the deployment sets it from the trusted header.
    return request.META.get("REMOTE_ADDR") or None


def log_security_event(
    *,
    kind: str,
    organisation: Organisation | None = None,
    actor_id: int | None = None,
    subject_id: int | None = None,
    request: HttpRequest | None = None,
    details: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> SecurityEvent:
    """Record one event. `details` holds small, non-secret facts (a role's old and new
    value, a count of rows); a forbidden key raises, so a secret cannot slip in. `ip` is
    for an event recorded in a task, where the request's address travelled with it."""
    details = dict(details or {})
    leaked = FORBIDDEN_KEYS & {key.lower() for key in details}
    if leaked:
        raise ValueError(f"The security log takes no {sorted(leaked)}.")
    if actor_id is None and request is not None and request.user.is_authenticated:
        actor_id = request.user.pk
    return SecurityEvent.objects.create(
        kind=kind,
        organisation=organisation,
        actor_id=actor_id,
        subject_id=subject_id,
        ip=client_ip(request) if request is not None else ip,
        details=details,
    )
