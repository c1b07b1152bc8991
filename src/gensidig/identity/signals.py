"""Receivers: session bookkeeping, ending sessions when a person loses access, and the
security log's lockout entries."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from gensidig.accounts.models import Member, Organisation, User
from gensidig.accounts.security import log_security_event
from gensidig.identity.sessions import end_sessions, forget_session, remember_session


@receiver(user_logged_in, dispatch_uid="identity-remember-session")
def on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        if session.session_key is None:
            session.save()
        remember_session(user_id=user.pk, session_key=session.session_key)


@receiver(user_logged_out, dispatch_uid="identity-forget-session")
def on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        forget_session(session_key=session.session_key)


@receiver(pre_save, sender=Member, dispatch_uid="identity-member-was-active")
def remember_member_state(sender: Any, instance: Member, **kwargs: Any) -> None:
    if instance.pk:
        instance._identity_was_active = (  # type: ignore[attr-defined]
            Member.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
        )


@receiver(post_save, sender=Member, dispatch_uid="identity-member-deactivated")
def end_sessions_of_deactivated(sender: Any, instance: Member, **kwargs: Any) -> None:
    """A member switched off (by an administrator, by SCIM or by leaving) is logged out
    everywhere at once; they log in again for any organisation they still belong to."""
    if getattr(instance, "_identity_was_active", None) and not instance.is_active:
        end_sessions(user_id=instance.user_id)


@receiver(post_delete, sender=Member, dispatch_uid="identity-member-removed")
def end_sessions_of_removed(sender: Any, instance: Member, **kwargs: Any) -> None:
    if not Member.objects.filter(user_id=instance.user_id, is_active=True).exists():
        end_sessions(user_id=instance.user_id)


@receiver(pre_save, sender=User, dispatch_uid="identity-user-switched-off")
def end_sessions_of_switched_off(sender: Any, instance: User, **kwargs: Any) -> None:
    if instance.pk and not instance.is_active:
        was_active = User.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
        if was_active:
            end_sessions(user_id=instance.pk)


@receiver(pre_delete, sender=User, dispatch_uid="identity-user-erased")
def end_sessions_of_erased(sender: Any, instance: User, **kwargs: Any) -> None:
    end_sessions(user_id=instance.pk)


@receiver(user_locked_out, dispatch_uid="identity-log-lockout")
def log_lockout(sender: Any, request: HttpRequest, username: str | None, **kwargs: Any) -> None:
    """One entry per refused attempt during a lockout, for each organisation of the person
    the address belongs to (so its owners see it), or one without an organisation."""
    user = User.objects.filter(email__iexact=(username or "").strip()).first() if username else None
    organisations: list[Organisation | None] = (
        [m.organisation for m in Member.objects.filter(user=user).select_related("organisation")]
        if user
        else []
    )
    for organisation in organisations or [None]:
        log_security_event(
            kind="lockout",
            organisation=organisation,
            subject_id=user.pk if user else None,
            request=request,
        )
