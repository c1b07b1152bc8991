"""Erasing a person, forgetting a member who left, and the erasure log.

Erasure runs every eraser of the personal-data registry (`gensidig.common.personal_data`):
each app removes or anonymises what identifies the person and keeps what belongs to others
(a partner's reflections, the pair as 'a former member', the program's figures). Each
erasure is written to the erasure log (`Erasure`: ids and dates only).

After restoring a backup, call `reapply_erasures(entries)` with the erasure log taken from
the database *before* the restore (`erasure_log()`), so that nobody erased since the backup
comes back::

    from gensidig.accounts.erasure import erasure_log, reapply_erasures
    entries = erasure_log()        # before the restore
    ...                            # restore the database
    reapply_erasures(entries)      # erases again, and writes the entries back to the log
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from gensidig.accounts.models import Erasure, Member, Organisation, Role, SecurityEvent, User
from gensidig.accounts.security import log_security_event
from gensidig.common.personal_data import Person, erase_person

# Sent with `members` just before their data is erased: what they are part of that goes on
# without them (a running pair) ends first, while it can still be found (meetings listens).
members_erasing = Signal()


def person_of(user: User, members: Iterable[Member] | None = None) -> Person:
    """The registry's view of a person: all their memberships, or only `members`."""
    chosen = list(Member.objects.filter(user=user) if members is None else members)
    return Person(
        user_id=user.pk,
        email=user.email.lower(),
        name=user.name,
        member_ids=tuple(member.pk for member in chosen),
        whole_account=members is None,
        organisation_ids=tuple(sorted({member.organisation_id for member in chosen})),
    )


def hand_over_organisations(user: User) -> None:
    """An organisation the person owned alone goes to another member (an administrator
    first); one with nobody else in it is deleted."""
    for member in Member.objects.filter(user=user, role=Role.OWNER).select_related("organisation"):
        others = Member.objects.filter(organisation=member.organisation, is_active=True).exclude(
            user=user
        )
        if not others.exists():
            member.organisation.delete()
        elif not others.filter(role=Role.OWNER).exists():
            successor = others.filter(role=Role.ADMIN).first() or others.first()
            assert successor is not None
            successor.role = Role.OWNER
            successor.save(update_fields=["role"])


@transaction.atomic
def erase_account(*, user: User, now: datetime | None = None) -> Erasure:
    """Erase a person everywhere and log it (ids and dates only)."""
    hand_over_organisations(user)
    person = person_of(user)
    members_erasing.send(sender=Member, members=Member.objects.filter(pk__in=person.member_ids))
    erase_person(person)
    entry = Erasure.objects.create(user_id=person.user_id, erased_at=now or timezone.now())
    for organisation in Organisation.objects.filter(pk__in=person.organisation_ids):
        log_security_event(
            kind=SecurityEvent.Kind.ERASED, organisation=organisation, details={"erasure": entry.pk}
        )
    return entry


@transaction.atomic
def forget_member(*, member: Member, now: datetime | None = None) -> Erasure:
    """Forget someone who left one organisation: their membership and what they wrote there
    go, as in an erasure. Someone with no other organisation is erased altogether (their
    account existed only for this one)."""
    user = member.user
    if not Member.objects.filter(user=user).exclude(pk=member.pk).exists():
        return erase_account(user=user, now=now)
    person = person_of(user, [member])
    members_erasing.send(sender=Member, members=Member.objects.filter(pk=member.pk))
    erase_person(person)
    entry = Erasure.objects.create(member_id=member.pk, erased_at=now or timezone.now())
    log_security_event(
        kind=SecurityEvent.Kind.ERASED,
        organisation=member.organisation,
        details={"erasure": entry.pk, "membership": True},
    )
    return entry


def erasure_log() -> list[dict[str, Any]]:
    """The erasure log as plain data, to carry across a restore."""
    return [
        {"user_id": e.user_id, "member_id": e.member_id, "erased_at": e.erased_at.isoformat()}
        for e in Erasure.objects.all()
    ]


def reapply_erasures(entries: Iterable[dict[str, Any]] | None = None) -> int:
    """Erase again everyone in the erasure log (the database's own plus `entries`, e.g. the
    log saved before a restore) who is back after a restore. An account or membership is
    only erased again if it existed before its erasure (an id reused by a newer account is
    left alone). Returns how many were erased again."""
    wanted: dict[tuple[int | None, int | None], datetime] = {}
    for entry in [*erasure_log(), *(entries or [])]:
        when = entry["erased_at"]
        when = parse_datetime(when) if isinstance(when, str) else when
        assert when is not None
        key = (entry.get("user_id"), entry.get("member_id"))
        wanted[key] = min(when, wanted.get(key, when))
    again = 0
    for (user_id, member_id), when in sorted(wanted.items(), key=lambda item: item[1]):
        with transaction.atomic():
            if not Erasure.objects.filter(user_id=user_id, member_id=member_id).exists():
                Erasure.objects.create(user_id=user_id, member_id=member_id, erased_at=when)
            if user_id is not None:
                user = User.objects.filter(pk=user_id, date_joined__lte=when).first()
                if user is not None:
                    # The log already holds this erasure: drop the entry the call adds.
                    erase_account(user=user, now=when).delete()
                    again += 1
            elif member_id is not None:
                member = Member.objects.filter(pk=member_id, joined_at__lte=when).first()
                if member is not None:
                    forget_member(member=member, now=when).delete()
                    again += 1
    return again
