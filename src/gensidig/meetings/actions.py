"""Writes of a pair's life together: meetings and their calendar invites, goals,
reflections, self-assessments, ending a pair, check-ins and the daily nudges.
Verb-first, keyword-only, one transaction each."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gensidig.accounts.models import Member
from gensidig.accounts.queries import owners_of
from gensidig.common.email import register_email_kind, send_templated_email
from gensidig.common.events import emit
from gensidig.matching.models import Pair
from gensidig.meetings import ics
from gensidig.meetings.health import HealthState, pair_health
from gensidig.meetings.models import (
    Assessment,
    CalendarFeed,
    ClosingAnswer,
    Goal,
    GoalMark,
    Meeting,
    Nudge,
    Reflection,
)
from gensidig.programs.models import Enrolment, State, Topic

MEETING_TOMORROW = register_email_kind("meeting-tomorrow", _("reminders of a meeting tomorrow"))
REFLECTION_MISSING = register_email_kind(
    "reflection-missing", _("reminders to reflect after a meeting")
)
NO_MEETING_BOOKED = register_email_kind(
    "no-meeting-booked", _("nudges when your pair has no meeting booked")
)

MAX_GOALS = 3
# How long after a meeting a missing reflection is asked for, and for how long.
REFLECTION_AFTER = timedelta(hours=12)
REFLECTION_WINDOW = timedelta(days=14)


class MeetingError(Exception):
    """An action that is not possible now; `str(error)` is the translated reason."""


def pair_url(pair: Pair) -> str:
    return reverse(
        "meetings:pair", kwargs={"org": pair.program.organisation.slug, "pair_id": pair.pk}
    )


def partner_of(pair: Pair, enrolment: Enrolment) -> Enrolment:
    if enrolment.pk == pair.a_id:
        return pair.b
    if enrolment.pk == pair.b_id:
        return pair.a
    raise PermissionError("not a partner of this pair")


def require_active(pair: Pair) -> None:
    if pair.ended_at is not None:
        raise MeetingError(gettext("This pair has ended."))


def members_of(pair: Pair) -> list[Enrolment]:
    return [e for e in (pair.a, pair.b) if e.member is not None]


def send_invites(meeting: Meeting, template: str, *, skip: Member | None = None) -> None:
    """Both partners get the email with the meeting's .ics (invite, update or cancel), but
    `skip` (someone whose account is being erased: nothing more is written to them)."""
    method = "CANCEL" if meeting.status == Meeting.Status.CANCELLED else "REQUEST"
    # METHOD in the attachment's type is what Outlook and Google read to add, update or
    # remove the event.
    attachment = {
        "filename": "meeting.ics",
        "content": ics.invite(meeting).decode(),
        "mimetype": f"text/calendar; method={method}; charset=utf-8",
    }
    for enrolment in members_of(meeting.pair):
        assert enrolment.member is not None
        if skip is not None and enrolment.member_id == skip.pk:
            continue
        user = enrolment.member.user
        with translation.override(user.language):
            context = meeting_context(meeting, enrolment)
        send_templated_email(
            to=user.email,
            template=template,
            context=context,
            language=user.language,
            attachment=attachment,
        )


def meeting_context(meeting: Meeting, enrolment: Enrolment) -> dict[str, Any]:
    assert enrolment.member is not None
    partner = partner_of(meeting.pair, enrolment)
    local = timezone.localtime(meeting.starts_at)
    return {
        "name": enrolment.member.user.get_short_name(),
        "partner": partner.display_name,
        "program": meeting.pair.program.name,
        "when": local,
        "minutes": meeting.minutes,
        "where": meeting.video_url or meeting.place,
        "link": pair_url(meeting.pair),
        "cancelled_by": meeting.cancelled_by.display_name if meeting.cancelled_by else "",
    }


@transaction.atomic
def propose_meeting(
    *,
    pair: Pair,
    by: Enrolment,
    starts_at: datetime,
    minutes: int,
    place: str = "",
    video_url: str = "",
    now: datetime | None = None,
) -> Meeting:
    """One partner proposes a time; the other confirms it (and then both get the invite)."""
    require_active(pair)
    partner = partner_of(pair, by)
    if starts_at <= (now or timezone.now()):
        raise MeetingError(gettext("Choose a time in the future."))
    if not (place.strip() or video_url.strip()):
        raise MeetingError(gettext("Write a place or a video link."))
    meeting = Meeting.objects.create(
        pair=pair,
        proposed_by=by,
        # Calendars keep whole seconds at most; a meeting is planned to the minute.
        starts_at=starts_at.replace(second=0, microsecond=0),
        minutes=minutes,
        place=place.strip(),
        video_url=video_url.strip(),
    )
    notify_proposal(meeting, partner)
    return meeting


def notify_proposal(meeting: Meeting, partner: Enrolment) -> None:
    if partner.member is None:
        return
    with translation.override(partner.member.user.language):
        context = meeting_context(meeting, partner)
    send_templated_email(
        to=partner.member.user.email,
        template="meetings/email/proposed",
        context=context,
        language=partner.member.user.language,
    )


def meeting_facts(meeting: Meeting) -> dict[str, Any]:
    """What a meeting event tells a subscriber: ids and the time, never place or content."""
    return {
        "organisation_id": meeting.pair.program.organisation_id,
        "meeting_id": meeting.pk,
        "pair_id": meeting.pair_id,
        "starts_at": meeting.starts_at,
    }


@transaction.atomic
def confirm_meeting(*, meeting: Meeting, by: Enrolment) -> Meeting:
    meeting = Meeting.objects.select_for_update().select_related("pair").get(pk=meeting.pk)
    require_active(meeting.pair)
    partner_of(meeting.pair, by)
    if meeting.status == Meeting.Status.CONFIRMED:
        return meeting  # confirming twice changes nothing
    if meeting.status != Meeting.Status.PROPOSED:
        raise MeetingError(gettext("This meeting was cancelled."))
    if meeting.proposed_by_id == by.pk:
        raise MeetingError(gettext("Your partner confirms the time you proposed."))
    meeting.status = Meeting.Status.CONFIRMED
    meeting.confirmed_at = timezone.now()
    meeting.save(update_fields=["status", "confirmed_at"])
    send_invites(meeting, "meetings/email/invite")
    emit("meeting.booked", **meeting_facts(meeting))
    return meeting


@transaction.atomic
def change_meeting(
    *,
    meeting: Meeting,
    by: Enrolment,
    starts_at: datetime,
    minutes: int,
    place: str = "",
    video_url: str = "",
) -> Meeting:
    """Move a meeting. A confirmed one stays confirmed and both calendars get the update
    (same UID, higher SEQUENCE)."""
    meeting = Meeting.objects.select_for_update().select_related("pair").get(pk=meeting.pk)
    require_active(meeting.pair)
    partner_of(meeting.pair, by)
    if meeting.status == Meeting.Status.CANCELLED:
        raise MeetingError(gettext("This meeting was cancelled."))
    if starts_at <= timezone.now():
        raise MeetingError(gettext("Choose a time in the future."))
    meeting.starts_at, meeting.minutes = starts_at.replace(second=0, microsecond=0), minutes
    meeting.place, meeting.video_url = place.strip(), video_url.strip()
    meeting.sequence += 1
    meeting.save()
    if meeting.status == Meeting.Status.CONFIRMED:
        send_invites(meeting, "meetings/email/updated")
    else:
        # Not in anyone's calendar yet: the partner is asked again to confirm the new time.
        meeting.proposed_by = by
        meeting.save(update_fields=["proposed_by"])
        notify_proposal(meeting, partner_of(meeting.pair, by))
    return meeting


@transaction.atomic
def cancel_meeting(*, meeting: Meeting, by: Enrolment, now: datetime | None = None) -> Meeting:
    """Cancel and record who did. Calendars get METHOD:CANCEL; a second cancellation in a row
    by the same partner alerts the organisation's owners (the quiet way pairs die)."""
    now = now or timezone.now()
    meeting = Meeting.objects.select_for_update().select_related("pair__program").get(pk=meeting.pk)
    partner_of(meeting.pair, by)
    if meeting.status == Meeting.Status.CANCELLED:
        return meeting
    if meeting.is_held(now):
        raise MeetingError(gettext("A meeting that has taken place cannot be cancelled."))
    was_confirmed = meeting.status == Meeting.Status.CONFIRMED
    previous = (
        Meeting.objects.filter(pair=meeting.pair, status=Meeting.Status.CANCELLED)
        .order_by("-cancelled_at")
        .first()
    )
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancelled_by = by
    meeting.cancelled_at = now
    meeting.sequence += 1
    meeting.save()
    emit("meeting.cancelled", **meeting_facts(meeting))
    if was_confirmed:
        send_invites(meeting, "meetings/email/cancelled")
    if previous is not None and previous.cancelled_by_id == by.pk:
        assert previous.cancelled_at is not None
        held_between = any(
            m.is_held(now) and m.starts_at > previous.cancelled_at
            for m in Meeting.objects.filter(pair=meeting.pair, status=Meeting.Status.CONFIRMED)
        )
        if not held_between:
            alert_owners(meeting, by)
    return meeting


def alert_owners(meeting: Meeting, by: Enrolment) -> int:
    pair = meeting.pair
    owners = list(owners_of(pair.program.organisation_id))
    for owner in owners:
        send_templated_email(
            to=owner.user.email,
            template="meetings/email/cancel_alert",
            context={
                "name": owner.user.get_short_name(),
                "who": by.display_name,
                "partner": partner_of(pair, by).display_name,
                "program": pair.program.name,
                "link": reverse(
                    "meetings:program_pairs",
                    kwargs={"org": pair.program.organisation.slug, "program_id": pair.program_id},
                ),
            },
            language=owner.user.language,
        )
    return len(owners)


@transaction.atomic
def add_goal(*, pair: Pair, learner: Enrolment, text: str, topic: Topic | None = None) -> Goal:
    """A learning goal of one direction: what `learner` wants to learn from the partner."""
    require_active(pair)
    partner_of(pair, learner)
    if not text.strip():
        raise MeetingError(gettext("Write what you want to learn."))
    if Goal.objects.filter(pair=pair, learner=learner).count() >= MAX_GOALS:
        raise MeetingError(gettext("You have three goals already: change one instead."))
    goal = Goal.objects.create(pair=pair, learner=learner, text=text.strip(), topic=topic)
    GoalMark.objects.create(goal=goal, progress=GoalMark.Progress.NOT_STARTED)
    return goal


@transaction.atomic
def change_goal(*, goal: Goal, by: Enrolment, text: str, topic: Topic | None = None) -> Goal:
    """The learner rewords a goal or gives it another topic; its progress marks stay."""
    if goal.learner_id != by.pk:
        raise MeetingError(gettext("Only the one who set the goal can change it."))
    require_active(goal.pair)
    if not text.strip():
        raise MeetingError(gettext("Write what you want to learn."))
    goal.text, goal.topic = text.strip(), topic
    goal.save(update_fields=["text", "topic"])
    return goal


@transaction.atomic
def mark_goal(*, goal: Goal, by: Enrolment, progress: int) -> GoalMark:
    if goal.learner_id != by.pk:
        raise MeetingError(gettext("Only the one who set the goal marks its progress."))
    require_active(goal.pair)
    return GoalMark.objects.create(goal=goal, progress=GoalMark.Progress(progress))


@transaction.atomic
def submit_reflection(
    *,
    meeting: Meeting,
    author: Enrolment,
    taught: Iterable[Topic],
    learned: Iterable[Topic],
    learned_text: str,
    usefulness: int,
    private_notes: str = "",
    now: datetime | None = None,
) -> Reflection:
    """One reflection per meeting and partner: sending the form twice (a double click, a
    second tab) updates the same row. The meeting row is locked so that two requests at
    once cannot both create one."""
    meeting = Meeting.objects.select_for_update().select_related("pair").get(pk=meeting.pk)
    partner_of(meeting.pair, author)
    if not meeting.is_held(now):
        raise MeetingError(gettext("You can reflect once the meeting has taken place."))
    if not 1 <= usefulness <= 5:
        raise MeetingError(gettext("Rate the meeting from 1 to 5."))
    reflection, _created = Reflection.objects.update_or_create(
        meeting=meeting,
        author=author,
        defaults={
            "learned_text": learned_text.strip(),
            "usefulness": usefulness,
            "private_notes": private_notes.strip(),
        },
    )
    reflection.taught.set(list(taught))
    reflection.learned.set(list(learned))
    return reflection


@transaction.atomic
def save_assessment(
    *, pair: Pair, learner: Enrolment, phase: str, levels: dict[Topic, int]
) -> list[Assessment]:
    """The learner rates the topics of their goals before and after (1-5)."""
    partner_of(pair, learner)
    saved = []
    for topic, level in levels.items():
        row, _created = Assessment.objects.update_or_create(
            pair=pair, learner=learner, topic=topic, phase=phase, defaults={"level": level}
        )
        saved.append(row)
    return saved


@transaction.atomic
def end_pair(
    *,
    pair: Pair,
    by: Member | None,
    reason: str = "",
    now: datetime | None = None,
    leaving: Member | None = None,
) -> Pair:
    """End a pair: at the program's end (`by` None: the daily run), when the program is
    closed (`by` who closed it), or early with a reason. Meetings still ahead are cancelled
    (their calendars get the cancel), and both partners are asked for the closing
    questionnaire, except `leaving`: a partner whose account is being erased gets nothing."""
    now = now or timezone.now()
    pair = Pair.objects.select_for_update().select_related("program").get(pk=pair.pk)
    require_active(pair)
    # A closed program has ended, whatever its end date said; nobody ended the pair early.
    early = timezone.localdate(now) < pair.program.ends_on and pair.program.state != State.CLOSED
    if early and not reason.strip():
        raise MeetingError(gettext("Write why the pair ends before the program does."))
    pair.ended_at = now
    pair.ended_by = by
    pair.end_reason = reason.strip()
    pair.save(update_fields=["ended_at", "ended_by", "end_reason"])
    emit(
        "pair.ended",
        organisation_id=pair.program.organisation_id,
        pair_id=pair.pk,
        program_id=pair.program_id,
        ended_at=now,
    )
    for meeting in pair.meetings.filter(starts_at__gt=now).exclude(status=Meeting.Status.CANCELLED):
        was_confirmed = meeting.status == Meeting.Status.CONFIRMED
        meeting.status = Meeting.Status.CANCELLED
        meeting.cancelled_at = now
        meeting.sequence += 1
        meeting.save()
        if was_confirmed:
            send_invites(meeting, "meetings/email/cancelled", skip=leaving)
    for enrolment in members_of(pair):
        assert enrolment.member is not None
        if leaving is not None and enrolment.member_id == leaving.pk:
            continue
        send_templated_email(
            to=enrolment.member.user.email,
            template="meetings/email/ended",
            context={
                "name": enrolment.member.user.get_short_name(),
                "partner": partner_of(pair, enrolment).display_name,
                "program": pair.program.name,
                "link": reverse(
                    "meetings:closing",
                    kwargs={"org": pair.program.organisation.slug, "pair_id": pair.pk},
                ),
            },
            language=enrolment.member.user.language,
        )
    return pair


@transaction.atomic
def submit_closing(
    *, pair: Pair, author: Enrolment, what_changed: str, again: str, organisation_gain: str = ""
) -> ClosingAnswer:
    partner_of(pair, author)
    pair = Pair.objects.get(pk=pair.pk)
    if pair.ended_at is None:
        raise MeetingError(gettext("The closing questions open when the pair has ended."))
    if again not in ClosingAnswer.Again.values:
        raise MeetingError(gettext("Say whether you would do it again."))
    answer, _created = ClosingAnswer.objects.update_or_create(
        pair=pair,
        author=author,
        defaults={
            "what_changed": what_changed.strip(),
            "again": again,
            "organisation_gain": organisation_gain.strip(),
        },
    )
    return answer


@transaction.atomic
def ensure_feed(*, member: Member) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(member=member)
    return feed


@transaction.atomic
def reset_feed(*, member: Member) -> CalendarFeed:
    """A new secret address; the old one stops working at once."""
    CalendarFeed.objects.filter(member=member).delete()
    return CalendarFeed.objects.create(member=member)


@transaction.atomic
def send_check_in(*, pair: Pair, by: Member, message: str) -> int:
    """The admin writes to both partners of a pair (it is not stored)."""
    if not message.strip():
        raise MeetingError(gettext("Write a message."))
    count = 0
    for enrolment in members_of(pair):
        assert enrolment.member is not None
        send_templated_email(
            to=enrolment.member.user.email,
            template="meetings/email/check_in",
            context={
                "name": enrolment.member.user.get_short_name(),
                "sender": by.user.name,
                "message": message.strip(),
                "program": pair.program.name,
                "link": pair_url(pair),
            },
            language=enrolment.member.user.language,
        )
        count += 1
    return count


def nudge_once(kind: str, key: str, enrolment: Enrolment, **context: Any) -> bool:
    """Send one optional email unless this very nudge went out before."""
    assert enrolment.member is not None
    _nudge, created = Nudge.objects.get_or_create(kind=kind, key=key, enrolment=enrolment)
    if not created:
        return False
    user = enrolment.member.user
    return send_templated_email(
        to=user.email,
        template=f"meetings/email/{kind}",
        context={"name": user.get_short_name(), **context},
        language=user.language,
        kind=kind,
        user=user,
    )


def running_pairs() -> Any:
    return Pair.objects.filter(ended_at=None, program__state="running").select_related(
        "program__organisation", "a__member__user", "b__member__user"
    )


@transaction.atomic
def end_pairs_at_program_end(*, now: datetime | None = None) -> int:
    """Pairs of a program whose end date has passed end now, with the closing questions."""
    now = now or timezone.now()
    due = list(Pair.objects.filter(ended_at=None, program__ends_on__lt=timezone.localdate(now)))
    for pair in due:
        end_pair(pair=pair, by=None, now=now)
    return len(due)


@transaction.atomic
def send_nudges(*, now: datetime | None = None) -> dict[str, int]:
    """The daily run: meetings tomorrow, reflections missing, pairs with no meeting booked
    for a cadence. Each goes out once; returns how many of each were sent."""
    now = now or timezone.now()
    sent = {MEETING_TOMORROW: 0, REFLECTION_MISSING: 0, NO_MEETING_BOOKED: 0}
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    for pair in running_pairs().prefetch_related("meetings__reflections"):
        meetings = list(pair.meetings.all())
        for meeting in meetings:
            if meeting.status != Meeting.Status.CONFIRMED:
                continue
            for enrolment in members_of(pair):
                with translation.override(enrolment.member.user.language):  # type: ignore[union-attr]
                    context = meeting_context(meeting, enrolment)
                if timezone.localdate(meeting.starts_at) == tomorrow and meeting.starts_at > now:
                    key = f"{meeting.pk}@{meeting.starts_at.isoformat()}"
                    sent[MEETING_TOMORROW] += nudge_once(
                        MEETING_TOMORROW, key, enrolment, **context
                    )
                ended_ago = now - meeting.ends_at
                written = {r.author_id for r in meeting.reflections.all()}
                if (
                    REFLECTION_AFTER <= ended_ago <= REFLECTION_WINDOW
                    and enrolment.pk not in written
                ):
                    sent[REFLECTION_MISSING] += nudge_once(
                        REFLECTION_MISSING, str(meeting.pk), enrolment, **context
                    )
        held = [m.starts_at for m in meetings if m.is_held(now)]
        booked = [
            m.starts_at
            for m in meetings
            if m.status != Meeting.Status.CANCELLED and m.starts_at > now
        ]
        health = pair_health(
            now=now,
            cadence_weeks=pair.program.cadence_weeks,
            started_at=pair.created_at,
            last_met_at=max(held) if held else None,
            next_meeting_at=min(booked) if booked else None,
        )
        if health.state in (HealthState.OVERDUE, HealthState.STALLED):
            since = max(held) if held else pair.created_at
            # Once per state per stretch without a meeting: overdue, then stalled.
            key = f"{pair.pk}@{since.isoformat()}:{health.state}"
            for enrolment in members_of(pair):
                sent[NO_MEETING_BOOKED] += nudge_once(
                    NO_MEETING_BOOKED,
                    key,
                    enrolment,
                    partner=partner_of(pair, enrolment).display_name,
                    program=pair.program.name,
                    weeks=pair.program.cadence_weeks,
                    link=pair_url(pair),
                )
    return sent
