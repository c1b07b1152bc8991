"""Sign-in events into the security log: logins, failed logins (never the password, nor the
address typed for an unknown account), logouts, and password resets and changes.

A person can belong to several organisations; each organisation's owners see the events of
their own members, so an event about a person is written once per active membership. An
event about nobody known (a failed login for an unknown address) has no organisation."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from gensidig.accounts.models import Organisation, SecurityEvent, User
from gensidig.accounts.security import log_security_event


def organisations_of(user: User) -> list[Organisation]:
    return list(
        Organisation.objects.filter(members__user=user, members__is_active=True).order_by("pk")
    )


def log_person_event(
    *,
    kind: str,
    user: User,
    request: HttpRequest | None,
    actor_id: int | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    """Log `kind` about `user` in each organisation they are an active member of (or once
    without an organisation when they are in none)."""
    if user.pk is None:
        return  # an account that was just erased (its logout comes after the deletion)
    targets: list[Organisation | None] = [*organisations_of(user)] or [None]
    for organisation in targets:
        log_security_event(
            kind=kind,
            organisation=organisation,
            actor_id=actor_id,
            subject_id=user.pk,
            request=request,
            details=details,
            ip=ip,
        )


@receiver(user_logged_in, dispatch_uid="gensidig.security.login")
def log_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None or request.method is None:
        return  # a login without an HTTP request (a shell, the test client's force_login)
    log_person_event(kind=SecurityEvent.Kind.LOGIN, user=user, request=request, actor_id=user.pk)


@receiver(user_login_failed, dispatch_uid="gensidig.security.login_failed")
def log_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only the address is read, to find the account; it is not written anywhere.
    address = str(credentials.get("username") or credentials.get("email") or "").strip()
    user = User.objects.filter(email__iexact=address).first() if address else None
    if user is None:
        log_security_event(
            kind=SecurityEvent.Kind.LOGIN_FAILED, request=request, details={"account": "unknown"}
        )
        return
    log_person_event(kind=SecurityEvent.Kind.LOGIN_FAILED, user=user, request=request)


@receiver(user_logged_out, dispatch_uid="gensidig.security.logout")
def log_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    log_person_event(kind=SecurityEvent.Kind.LOGOUT, user=user, request=request, actor_id=user.pk)
