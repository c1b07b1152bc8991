"""Writes for people, organisations and invitations: verb-first, keyword-only, one
transaction each. Views, the demo and the API all come through here."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from gensidig.accounts.models import (
    ImportJob,
    Invitation,
    Member,
    Organisation,
    Role,
    SecurityEvent,
    User,
    hash_token,
    new_token,
)
from gensidig.accounts.security import log_security_event
from gensidig.common.email import send_templated_email
from gensidig.common.events import emit


class InvitationError(Exception):
    """An invitation link that cannot be used; `state` says why."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


def unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_organisation(*, name: str, owner: User, slug: str | None = None) -> Organisation:
    organisation = Organisation.objects.create(name=name, slug=slug or unique_slug(name))
    Member.objects.create(organisation=organisation, user=owner, role=Role.OWNER)
    return organisation


@transaction.atomic
def create_user(*, email: str, name: str, password: str | None, language: str = "da") -> User:
    return User.objects.create_user(email=email, password=password, name=name, language=language)


@transaction.atomic
def add_member(
    *,
    organisation: Organisation,
    user: User,
    role: str = Role.PARTICIPANT,
    title: str = "",
    department: str = "",
    manager: Member | None = None,
    generation: str = "",
) -> Member:
    member, _created = Member.objects.update_or_create(
        organisation=organisation,
        user=user,
        defaults={
            "role": role,
            "title": title,
            "department": department,
            "manager": manager,
            "generation": generation,
            "is_active": True,
        },
    )
    return member


def invitation_url(token: str) -> str:
    return reverse("accounts:accept_invitation", kwargs={"token": token})


@transaction.atomic
def invite_member(
    *,
    organisation: Organisation,
    email: str,
    role: str,
    invited_by: Member | None,
    name: str = "",
    member_fields: dict[str, Any] | None = None,
) -> tuple[Invitation, str]:
    """Create an invitation and email its one-time link. Returns the invitation and the raw
    token (shown nowhere else: only its hash is stored). Inviting the same address again
    replaces the earlier pending link, so only the newest one works. `member_fields` (from an
    import: department, generation, languages, side, manager_email) are set on the
    membership when the invitation is accepted."""
    email = email.strip().lower()
    now = timezone.now()
    Invitation.objects.filter(
        organisation=organisation, email__iexact=email, accepted_at=None, revoked_at=None
    ).update(revoked_at=now)
    token = new_token()
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        name=name,
        role=role,
        token_hash=hash_token(token),
        invited_by=invited_by,
        member_fields=member_fields or {},
    )
    existing = User.objects.filter(email__iexact=email).first()
    # Enqueued inside the transaction: with the database task backend the email task is
    # stored atomically with the invitation, so neither exists without the other.
    send_templated_email(
        to=email,
        template="accounts/email/invitation",
        context={
            "organisation": organisation.name,
            "inviter": invited_by.user.name if invited_by else organisation.name,
            "role": Role(invitation.role).label,
            "link": invitation_url(token),
            "expires_at": invitation.expires_at,
        },
        language=existing.language if existing else None,
    )
    log_security_event(
        kind=SecurityEvent.Kind.INVITED,
        organisation=organisation,
        actor_id=invited_by.user_id if invited_by else None,
        subject_id=existing.pk if existing else None,
        details={"invitation": invitation.pk, "role": role, "existing_account": bool(existing)},
    )
    return invitation, token


# --- Activation: people created without a password (an import) get in -------------------


def create_activation(
    *, member: Member, invited_by: Member | None = None, next_url: str = ""
) -> tuple[Invitation, str]:
    """A one-time activation link for a member who has never signed in; no email is sent
    here. Earlier links stay valid (an email of yesterday should still work) until one of
    them is used. Returns the invitation and the raw token (only its hash is stored)."""
    token = new_token()
    invitation = Invitation.objects.create(
        organisation=member.organisation,
        email=member.user.email,
        name=member.user.name,
        role=member.role,
        kind=Invitation.Kind.ACTIVATE,
        user=member.user,
        token_hash=hash_token(token),
        invited_by=invited_by,
        next_url=next_url,
    )
    return invitation, token


def entry_link(*, member: Member, path: str) -> str:
    """The link an email gives a member for `path`: the page itself for someone who can sign
    in, an activation link that goes on to the page for someone who never has."""
    if member.user.is_activated:
        return path
    _invitation, token = create_activation(member=member, next_url=path)
    return invitation_url(token)


@transaction.atomic
def send_activation(*, member: Member, invited_by: Member | None) -> Invitation | None:
    """Email a member who has never signed in a link to set a password and confirm their
    details. Does nothing (None) for someone already active or no longer a member."""
    if member.user.is_activated or not member.is_active:
        return None
    invitation, token = create_activation(member=member, invited_by=invited_by)
    send_templated_email(
        to=member.user.email,
        template="accounts/email/activation",
        context={
            "name": member.user.name,
            "organisation": member.organisation.name,
            "inviter": invited_by.user.name if invited_by else "",
            "link": invitation_url(token),
            "expires_at": invitation.expires_at,
        },
        language=member.user.language,
    )
    log_security_event(
        kind="invited",
        organisation=member.organisation,
        actor_id=invited_by.user_id if invited_by else None,
        subject_id=member.user_id,
        details={"kind": "activation"},
    )
    return invitation


def send_activations(*, organisation: Organisation, invited_by: Member) -> int:
    """Send an activation invitation to every member who is not active yet; returns how many."""
    from gensidig.accounts.queries import not_yet_active

    sent = 0
    for member in not_yet_active(organisation):
        sent += send_activation(member=member, invited_by=invited_by) is not None
    return sent


@transaction.atomic
def activate_account(*, token: str, name: str, password: str, language: str) -> Member:
    """Use an activation link once: set the password and confirm the name and language. Every
    other activation link of the person stops working (they sign in from now on)."""
    invitation = get_usable_invitation(token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state != Invitation.State.PENDING or invitation.kind != Invitation.Kind.ACTIVATE:
        raise InvitationError(str(invitation.state))
    user = (
        User.objects.select_for_update().filter(pk=invitation.user_id).first()
        if invitation.user_id is not None
        else None
    )
    if user is None:
        raise InvitationError("invalid")
    if user.is_activated:
        raise InvitationError("accepted")
    member = Member.objects.filter(
        organisation=invitation.organisation, user=user, is_active=True
    ).first()
    if member is None:
        raise InvitationError("revoked")
    user.name = name.strip() or user.name
    user.language = language
    user.set_password(password)
    user.save(update_fields=["name", "language", "password"])
    now = timezone.now()
    invitation.accepted_at = now
    invitation.save(update_fields=["accepted_at"])
    Invitation.objects.filter(
        kind=Invitation.Kind.ACTIVATE, user=user, accepted_at=None, revoked_at=None
    ).update(revoked_at=now)
    log_security_event(
        kind="account-activated", organisation=member.organisation, subject_id=user.pk
    )
    return member


def get_usable_invitation(*, token: str) -> Invitation:
    """The pending invitation behind a link, or InvitationError saying why it cannot be used."""
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationError("invalid")
    if invitation.state != Invitation.State.PENDING:
        raise InvitationError(str(invitation.state))
    return invitation


@transaction.atomic
def accept_invitation(
    *, token: str, user: User | None = None, name: str = "", password: str | None = None
) -> Member:
    """Use an invitation once: as the logged-in `user`, or by creating the account with
    `name` and `password`. The row is locked so two clicks on the same link make one member."""
    invitation = get_usable_invitation(token=token)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state != Invitation.State.PENDING:
        raise InvitationError(str(invitation.state))
    dormant = User.objects.filter(email__iexact=invitation.email).first() if user is None else None
    if dormant is not None and not dormant.is_activated:
        # An account that was created by an import elsewhere and never used: the link proves
        # the address, so the person sets the password here.
        user = dormant
        user.name = name.strip() or invitation.name or user.name
        user.set_password(password)
        user.save(update_fields=["name", "password"])
    if user is None:
        try:
            with transaction.atomic():
                user = create_user(
                    email=invitation.email, name=name or invitation.name, password=password
                )
        except IntegrityError as error:
            raise InvitationError("account-exists") from error
    elif user.email.lower() != invitation.email.lower():
        raise InvitationError("wrong-account")
    member = Member.objects.filter(organisation=invitation.organisation, user=user).first()
    if member is None:
        fields = invitation.member_fields or {}
        manager = (
            Member.objects.filter(
                organisation=invitation.organisation,
                user__email__iexact=fields["manager_email"],
                is_active=True,
            ).first()
            if fields.get("manager_email")
            else None
        )
        member = add_member(
            organisation=invitation.organisation,
            user=user,
            role=invitation.role,
            department=fields.get("department", ""),
            generation=fields.get("generation", ""),
            manager=manager,
        )
        if fields.get("languages") or fields.get("side"):
            member.languages = list(fields.get("languages") or [])
            member.side = fields.get("side", "")
            member.save(update_fields=["languages", "side"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    emit("member.joined", organisation_id=member.organisation_id, member_id=member.pk)
    return member


@transaction.atomic
def revoke_invitation(*, invitation: Invitation) -> None:
    if invitation.state == Invitation.State.PENDING:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


class LastOwnerError(Exception):
    """An organisation must keep at least one owner."""


@transaction.atomic
def change_role(
    *, member: Member, role: str, by: Member | None = None, request: HttpRequest | None = None
) -> Member:
    old = member.role
    if member.role == Role.OWNER and role != Role.OWNER:
        owners = Member.objects.select_for_update().filter(
            organisation=member.organisation, role=Role.OWNER, is_active=True
        )
        if owners.count() <= 1:
            raise LastOwnerError
    member.role = role
    member.save(update_fields=["role"])
    if old != role:
        log_security_event(
            kind=SecurityEvent.Kind.ROLE_CHANGED,
            organisation=member.organisation,
            actor_id=by.user_id if by else None,
            subject_id=member.user_id,
            request=request,
            details={"old": old, "new": role},
        )
    return member


@transaction.atomic
def deactivate_member(
    *, member: Member, by: Member | None = None, request: HttpRequest | None = None
) -> Member:
    """Switch a member off in their organisation (the account stays). The last active owner
    cannot be switched off."""
    from gensidig.accounts.security import log_security_event

    if member.role == Role.OWNER:
        owners = Member.objects.select_for_update().filter(
            organisation=member.organisation, role=Role.OWNER, is_active=True
        )
        if owners.exclude(pk=member.pk).count() == 0:
            raise LastOwnerError
    if member.is_active:
        member.is_active = False
        member.removed_at = timezone.now()
        member.save(update_fields=["is_active", "removed_at"])
        # Their pairs end with the usual closing (meetings listens); their data then follows
        # the retention rules (forgotten after GENSIDIG_REMOVED_MEMBER_DAYS).
        member_removed.send(sender=Member, member=member, by=by)
        log_security_event(
            kind="removed",
            organisation=member.organisation,
            actor_id=by.user_id if by else None,
            subject_id=member.user_id,
            request=request,
        )
        emit("member.left", organisation_id=member.organisation_id, member_id=member.pk)
    return member


# Sent when a member is removed from their organisation: `member`, `by` (who removed them).
member_removed = Signal()


@transaction.atomic
def reactivate_member(
    *, member: Member, by: Member | None = None, request: HttpRequest | None = None
) -> Member:
    """Bring back a removed member: access again, with the data that retention has not yet
    removed; ended pairs stay ended."""
    from gensidig.accounts.security import log_security_event

    if not member.is_active:
        member.is_active = True
        member.removed_at = None
        member.save(update_fields=["is_active", "removed_at"])
        log_security_event(
            kind=SecurityEvent.Kind.REACTIVATED,
            organisation=member.organisation,
            actor_id=by.user_id if by else None,
            subject_id=member.user_id,
            request=request,
        )
    return member


@transaction.atomic
def set_language(*, user: User, language: str) -> None:
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


@transaction.atomic
def update_account(*, user: User, name: str) -> User:
    user.name = name
    user.save(update_fields=["name"])
    return user


def erase_account(*, user: User) -> None:
    """Erase a person (see `gensidig.accounts.erasure`): what identifies them goes, what
    belongs to others stays; an organisation they owned alone keeps existing only if
    someone else can run it."""
    from gensidig.accounts.erasure import erase_account as erase

    erase(user=user)


@transaction.atomic
def start_import(
    *,
    organisation: Organisation,
    by: Member,
    filename: str,
    data: bytes,
    program_id: int | None = None,
) -> ImportJob:
    """Queue a large import; `accounts.tasks.run_import` checks and saves it."""
    from gensidig.accounts.tasks import run_import

    job = ImportJob.objects.create(
        organisation=organisation,
        created_by=by,
        filename=filename,
        data=data,
        program_id=program_id,
    )
    transaction.on_commit(lambda: run_import.enqueue(job_id=job.pk))
    return job


@transaction.atomic
def opt_out_of_email(*, user_id: int, kind: str) -> None:
    from gensidig.common.models import EmailOptOut

    if User.objects.filter(pk=user_id).exists():
        EmailOptOut.objects.get_or_create(user_id=user_id, kind=kind)


@transaction.atomic
def opt_in_to_email(*, user: User, kind: str) -> None:
    from gensidig.common.models import EmailOptOut

    EmailOptOut.objects.filter(user=user, kind=kind).delete()
