"""Writes of the discoveries pipeline. Verb-first, keyword-only, one transaction each.

Every update that matters to the people behind a discovery (a move, a comment, a new effect)
emails its finder, sponsor and owner, except the person who made it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gensidig.accounts.models import Member, Organisation
from gensidig.common.email import register_email_kind, send_templated_email
from gensidig.common.events import emit
from gensidig.common.versions import check_version
from gensidig.discoveries import rules
from gensidig.discoveries.models import (
    Comment,
    Discovery,
    EffectRecord,
    Scout,
    Stage,
    StageChange,
    Vote,
)
from gensidig.matching.models import Pair
from gensidig.programs.models import Program, Topic

DISCOVERY_UPDATES = register_email_kind(
    "discovery-updates", gettext_lazy("updates on discoveries you found, sponsor or own")
)


class DiscoveryError(Exception):
    """An action that is not possible; `str(error)` is the translated reason."""


def discovery_url(discovery: Discovery) -> str:
    return reverse(
        "discoveries:detail",
        kwargs={"org": discovery.organisation.slug, "discovery_id": discovery.pk},
    )


def notify(*, discovery: Discovery, by: Member | None, event: str, detail: str = "") -> int:
    """Email the finder, sponsor and owner about an update; returns how many were sent."""
    people = {m.pk: m for m in (discovery.found_by, discovery.sponsor, discovery.owner) if m}
    sent = 0
    for person in people.values():
        if by is not None and person.pk == by.pk:
            continue
        if not person.is_active or not person.user.is_active:
            continue
        sent += send_templated_email(
            to=person.user.email,
            kind=DISCOVERY_UPDATES,
            user=person.user,
            language=person.user.language,
            template="discoveries/email/update",
            context={
                "name": person.user.get_short_name(),
                "title": discovery.title,
                "event": event,
                "stage": discovery.stage,
                "by": by.user.name if by else "",
                "detail": detail,
                "link": discovery_url(discovery),
            },
        )
    return sent


@transaction.atomic
def submit_discovery(
    *,
    organisation: Organisation,
    by: Member,
    title: str,
    kind: str,
    smarter_work: str,
    link: str = "",
    topics: Iterable[Topic] = (),
    pair: Pair | None = None,
) -> Discovery:
    if pair is not None and pair.program.organisation_id != organisation.pk:
        raise DiscoveryError(_("That pair belongs to another organisation."))
    discovery = Discovery.objects.create(
        organisation=organisation,
        title=title.strip(),
        kind=kind,
        smarter_work=smarter_work.strip(),
        link=link.strip(),
        found_by=by,
        pair=pair,
    )
    discovery.topics.set([t for t in topics if t.organisation_id == organisation.pk])
    StageChange.objects.create(discovery=discovery, to_stage=Stage.SPOTTED, by=by)
    emit(
        "discovery.created",
        organisation_id=organisation.pk,
        discovery_id=discovery.pk,
        stage=Stage.SPOTTED,
    )
    return discovery


def locked(discovery: Discovery) -> Discovery:
    # A row lock, so that two people moving the same card at once are applied one after
    # the other and each sees the stage the other left. Only this row: PostgreSQL cannot lock
    # the nullable side of the outer joins below.
    return (
        Discovery.objects.select_for_update(of=("self",))
        .select_related("organisation", "found_by__user", "sponsor__user", "owner__user")
        .get(pk=discovery.pk)
    )


def set_effect(
    *,
    discovery: Discovery,
    by: Member,
    hours_saved_per_month: Decimal | None,
    cost_per_month: Decimal | None,
    notes: str,
) -> None:
    now = timezone.now()
    discovery.hours_saved_per_month = hours_saved_per_month
    discovery.cost_per_month = cost_per_month
    discovery.effect_notes = notes.strip()
    discovery.effect_updated_at = now
    discovery.effect_updated_by = by
    EffectRecord.objects.create(
        discovery=discovery,
        hours_saved_per_month=hours_saved_per_month,
        cost_per_month=cost_per_month,
        notes=notes.strip(),
        by=by,
        at=now,
    )


@transaction.atomic
def move_discovery(
    *,
    discovery: Discovery,
    by: Member,
    to: str,
    reason: str = "",
    sponsor: Member | None = None,
    owner: Member | None = None,
    plan_what: str = "",
    plan_until: date | None = None,
    plan_success: str = "",
    hours_saved_per_month: Decimal | None = None,
    cost_per_month: Decimal | None = None,
    effect_notes: str = "",
    version: int | None = None,
) -> Discovery:
    """Move a discovery to another stage, by an administrator or its sponsor (see rules);
    `version` is the one the page was opened at (ChangedElsewhere if it moved on since)."""
    current = locked(discovery)
    check_version(current, version)
    if not rules.can_move(by, current):
        raise DiscoveryError(
            _("Only an administrator or the discovery's sponsor can move it to another stage.")
        )
    if to not in rules.allowed_moves(current):
        raise DiscoveryError(
            _("A discovery cannot move from %(from)s to %(to)s.")
            % {
                "from": Stage(current.stage).label,
                "to": Stage(to).label if to in Stage.values else to,
            }
        )
    for person in (sponsor, owner):
        if person is not None and person.organisation_id != current.organisation_id:
            raise DiscoveryError(
                _("The sponsor and the owner must be members of the organisation.")
            )
    if to == Stage.TRYING:
        current.sponsor = sponsor or current.sponsor or by
        current.owner = owner or current.owner
        current.plan_what = plan_what.strip() or current.plan_what
        current.plan_until = plan_until or current.plan_until
        current.plan_success = plan_success.strip() or current.plan_success
        if current.owner is None or not (
            current.plan_what and current.plan_until and current.plan_success
        ):
            raise DiscoveryError(
                _(
                    "To try a discovery, name an owner and write the plan: what we try, "
                    "until when, and how we know it worked."
                )
            )
    if to == Stage.DROPPED:
        if not reason.strip():
            raise DiscoveryError(_("Say why the discovery is dropped."))
        current.drop_reason = reason.strip()
    if to == Stage.ADOPTED and (
        hours_saved_per_month is not None or cost_per_month is not None or effect_notes.strip()
    ):
        set_effect(
            discovery=current,
            by=by,
            hours_saved_per_month=hours_saved_per_month,
            cost_per_month=cost_per_month,
            notes=effect_notes,
        )
    now = timezone.now()
    StageChange.objects.create(
        discovery=current, from_stage=current.stage, to_stage=to, by=by, at=now, reason=reason
    )
    emit(
        "discovery.moved",
        organisation_id=current.organisation_id,
        discovery_id=current.pk,
        from_stage=current.stage,
        to_stage=to,
    )
    current.stage = to
    current.stage_changed_at = now
    current.updated_at = now
    current.version += 1
    current.save()
    notify(discovery=current, by=by, event="moved", detail=reason.strip())
    return current


@transaction.atomic
def sponsor_discovery(*, discovery: Discovery, by: Member) -> Discovery:
    """A member steps forward to back a spotted or parked discovery that has no sponsor."""
    current = locked(discovery)
    if by.organisation_id != current.organisation_id or not rules.can_sponsor(by, current):
        raise DiscoveryError(_("This discovery cannot take you as its sponsor now."))
    current.sponsor = by
    current.updated_at = timezone.now()
    current.version += 1
    current.save(update_fields=["sponsor", "updated_at", "version"])
    notify(discovery=current, by=by, event="sponsored")
    return current


@transaction.atomic
def record_effect(
    *,
    discovery: Discovery,
    by: Member,
    hours_saved_per_month: Decimal | None,
    cost_per_month: Decimal | None,
    notes: str,
    version: int | None = None,
) -> Discovery:
    """Record or update the effect of an adopted discovery; earlier values stay in history.
    `version` is the one the form was opened at (ChangedElsewhere if saved since)."""
    current = locked(discovery)
    check_version(current, version)
    if not rules.can_record_effect(by, current):
        raise DiscoveryError(
            _(
                "The effect is recorded for adopted discoveries, by an administrator, "
                "the sponsor or the owner."
            )
        )
    set_effect(
        discovery=current,
        by=by,
        hours_saved_per_month=hours_saved_per_month,
        cost_per_month=cost_per_month,
        notes=notes,
    )
    current.updated_at = timezone.now()
    current.version += 1
    current.save()
    notify(discovery=current, by=by, event="effect")
    return current


@transaction.atomic
def add_comment(*, discovery: Discovery, by: Member, text: str) -> Comment:
    if by.organisation_id != discovery.organisation_id:
        raise DiscoveryError(_("Only members of the organisation can comment."))
    if not text.strip():
        raise DiscoveryError(_("Write a comment first."))
    comment = Comment.objects.create(discovery=discovery, author=by, text=text.strip())
    Discovery.objects.filter(pk=discovery.pk).update(updated_at=comment.created_at)
    # Read afresh: the caller's copy may predate a new sponsor or owner.
    notify(discovery=locked(discovery), by=by, event="comment", detail=comment.text)
    return comment


@transaction.atomic
def support_discovery(*, discovery: Discovery, by: Member) -> bool:
    """Add a member's vote; returns False when they had already voted. A double submit
    races past any check made first, so the unique constraint decides and its error is
    caught inside a savepoint."""
    if by.organisation_id != discovery.organisation_id:
        raise DiscoveryError(_("Only members of the organisation can support a discovery."))
    try:
        with transaction.atomic():
            Vote.objects.create(discovery=discovery, member=by)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def withdraw_support(*, discovery: Discovery, by: Member) -> bool:
    deleted, _rows = Vote.objects.filter(discovery=discovery, member=by).delete()
    return deleted > 0


@transaction.atomic
def name_scout(
    *, organisation: Organisation, member: Member, by: Member, program: Program | None = None
) -> Scout:
    if member.organisation_id != organisation.pk or (
        program is not None and program.organisation_id != organisation.pk
    ):
        raise DiscoveryError(_("Scouts are named among the organisation's own members."))
    scout, _created = Scout.objects.get_or_create(
        organisation=organisation, member=member, program=program, defaults={"named_by": by}
    )
    return scout


@transaction.atomic
def remove_scout(*, scout: Scout) -> None:
    scout.delete()
