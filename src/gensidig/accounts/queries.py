"""Reads about people and organisations that more than one app needs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from gensidig.accounts.models import Invitation, Member, Organisation, Role, SecurityEvent, User
from gensidig.accounts.security import kind_label


def memberships_of(user: User) -> QuerySet[Member]:
    return (
        Member.objects.filter(user=user, is_active=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def owners_of(organisation_id: int) -> QuerySet[Member]:
    """The organisation's owners who can be reached now (active here, account switched on),
    in the order they joined: those told what only an owner may act on."""
    return (
        Member.objects.filter(
            organisation_id=organisation_id,
            role=Role.OWNER,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("pk")
    )


def members_of(organisation: Organisation) -> QuerySet[Member]:
    return (
        Member.objects.filter(organisation=organisation)
        .select_related("user", "manager__user")
        .order_by("user__name")
    )


def not_yet_active(organisation: Organisation) -> QuerySet[Member]:
    """Active members who have never signed in and have no usable password: people an import
    created, waiting for their activation link."""
    return (
        Member.objects.filter(organisation=organisation, is_active=True, user__last_login=None)
        .filter(Q(user__password="") | Q(user__password__startswith=UNUSABLE_PASSWORD_PREFIX))
        .select_related("user", "organisation")
        .order_by("user__name")
    )


def with_access_state(members: QuerySet[Member]) -> QuerySet[Member]:
    """Annotate each member with `last_invited_at`: when the organisation last sent them an
    invitation or an activation link by email (on its own, or inside a proposal or program
    invitation to someone who never signed in)."""
    last = (
        Invitation.objects.filter(
            organisation=OuterRef("organisation"), email=OuterRef("user__email")
        )
        # A link the person asked for themselves ("forgot my password") is no invitation.
        .exclude(kind=Invitation.Kind.ACTIVATE, invited_by=None, next_url="")
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    return members.annotate(last_invited_at=Subquery(last))


def find_members(
    organisation: Organisation, *, search: str = "", role: str = "", state: str = ""
) -> QuerySet[Member]:
    """The members list's rows: filtered in the database, for one page at a time."""
    found = with_access_state(members_of(organisation))
    if search.strip():
        words = search.split()
        for word in words[:5]:
            found = found.filter(
                Q(user__name__icontains=word)
                | Q(user__email__icontains=word)
                | Q(department__icontains=word)
                | Q(title__icontains=word)
            )
    if role:
        found = found.filter(role=role)
    if state in ("active", "inactive"):
        found = found.filter(is_active=state == "active")
    return found


def pending_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    """Invitations not accepted, withdrawn or expired, newest first (filtered in the
    database: the same rule as `Invitation.state`)."""
    return Invitation.objects.filter(
        organisation=organisation,
        accepted_at=None,
        revoked_at=None,
        kind=Invitation.Kind.JOIN,
        expires_at__gt=timezone.now(),
    ).order_by("-created_at", "-pk")


def personal_data(user: User) -> dict[str, Any]:
    """Everything Gensidig stores about one person, for their own export: one section per
    entry of the personal-data registry (`gensidig.common.personal_data`)."""
    from gensidig.accounts.erasure import person_of
    from gensidig.common.personal_data import export_person

    return export_person(person_of(user))


def security_events(
    organisation: Organisation,
    *,
    kind: str = "",
    person: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[SecurityEvent]:
    """The organisation's security log, newest first, filtered in the database. `person`
    matches the name or email of a member (present or past) who did or underwent the event;
    `since` and `until` are whole days in the site's time zone."""
    events = SecurityEvent.objects.filter(organisation=organisation)
    if kind:
        events = events.filter(kind=kind)
    if person:
        people = (
            User.objects.filter(memberships__organisation=organisation)
            .filter(Q(name__icontains=person) | Q(email__icontains=person))
            .values("pk")
        )
        events = events.filter(Q(actor_id__in=people) | Q(subject_id__in=people))
    zone = timezone.get_current_timezone()
    if since:
        events = events.filter(at__gte=datetime.combine(since, time.min, tzinfo=zone))
    if until:
        next_day = until + timedelta(days=1)
        events = events.filter(at__lt=datetime.combine(next_day, time.min, tzinfo=zone))
    return events.order_by("-at", "-id")


def security_event_kinds(organisation: Organisation) -> list[tuple[str, str]]:
    """The kinds to filter by: the built-in ones and any other kind the log holds (SSO,
    MFA, API tokens, SCIM...), each with its label."""
    kinds = {value: str(label) for value, label in SecurityEvent.Kind.choices}
    present = (
        SecurityEvent.objects.filter(organisation=organisation)
        .order_by()
        .values_list("kind", flat=True)
        .distinct()
    )
    for kind in present:
        kinds.setdefault(kind, kind_label(kind))
    return sorted(kinds.items(), key=lambda item: item[1].lower())


def people_by_id(organisation: Organisation, ids: Iterable[int | None] | None) -> dict[int, User]:
    """The organisation's members (present or past) among `ids` (all of them for None), for
    showing names in the log; an id of an erased account or of someone outside the
    organisation is left out."""
    users = User.objects.filter(memberships__organisation=organisation)
    if ids is not None:
        wanted = {pk for pk in ids if pk is not None}
        if not wanted:
            return {}
        users = users.filter(pk__in=wanted)
    return {user.pk: user for user in users.only("pk", "name", "email")}
