"""The demo's pairs at work: months of meetings, goals and reflections, and a pair in every
health state. Built through the same actions as the UI, with the clock of each step passed
in, relative to today so the states hold whenever the demo is loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from gensidig.matching.models import Pair
from gensidig.meetings import actions
from gensidig.meetings.models import Meeting
from gensidig.programs.models import Enrolment, Program, Topic

# The pairs began twelve weeks ago; days ago of each held meeting, per pair in order.
BEGAN_DAYS_AGO = 84


@dataclass(frozen=True)
class Plan:
    held: tuple[int, ...]  # days ago of each meeting held
    cancelled: tuple[int, ...] = ()  # days ago of meetings the experienced partner cancelled
    booked_in: int | None = None  # days ahead of a confirmed meeting
    ended: str = ""  # why the pair ended early


HISTORY = [
    Plan(held=(63, 42, 20), booked_in=4),  # Ida and Henrik: on track, a meeting booked
    Plan(held=(45, 10)),  # on track
    Plan(held=(40, 17)),  # due
    Plan(held=(50, 28)),  # overdue
    Plan(held=(70,), cancelled=(55, 48)),  # stalled, after two cancellations by one side
    Plan(held=()),  # stalled: never met
    Plan(held=(60, 30), ended="Henriks afdeling er flyttet til Aarhus, så vi stopper her."),
]
LEARNED_DA = [
    "Hvordan unge kunder finder os på TikTok før de går i butikken.",
    "Hvorfor vi valgte massivt træ i 1987, og hvad det betyder for prisen i dag.",
    "At en kort video kan sige mere end et katalog.",
    "Hvordan en forhandling med en stor kæde foregår.",
]


def at_ten(now: datetime, days_ago: int) -> datetime:
    local = timezone.localtime(now) - timedelta(days=days_ago)
    return local.replace(hour=10, minute=0, second=0, microsecond=0)


def topics_for(pair: Pair, teacher: Enrolment) -> list[Topic]:
    slugs: list[str] = []
    if pair.proposal is not None:
        slugs = (
            pair.proposal.teaches_a_to_b
            if teacher.pk == pair.a_id
            else pair.proposal.teaches_b_to_a
        )
    found = list(Topic.objects.filter(organisation=pair.program.organisation, slug__in=slugs))
    if not found:
        themes = (
            pair.program.themes_young_to_experienced
            if teacher.pk == pair.a_id
            else pair.program.themes_experienced_to_young
        )
        found = list(themes.all()[:2])
    return found[:2]


def hold(pair: Pair, when: datetime, number: int, now: datetime) -> Meeting:
    meeting = actions.propose_meeting(
        pair=pair,
        by=pair.b,
        starts_at=when,
        minutes=pair.program.meeting_minutes,
        place="Mødelokale Fjorden" if number % 2 else "",
        video_url="" if number % 2 else "https://meet.example/fjordlys",
        now=when - timedelta(days=7),
    )
    actions.confirm_meeting(meeting=meeting, by=pair.a)
    young_teaches, old_teaches = topics_for(pair, pair.a), topics_for(pair, pair.b)
    for author, taught, learned in (
        (pair.a, young_teaches, old_teaches),
        (pair.b, old_teaches, young_teaches),
    ):
        actions.submit_reflection(
            meeting=meeting,
            author=author,
            taught=taught,
            learned=learned,
            learned_text=LEARNED_DA[(number + (author.pk == pair.b_id)) % len(LEARNED_DA)],
            usefulness=4 + (number % 2),
            now=now,
        )
    return meeting


@transaction.atomic
def build_pair_history(program: Program, *, now: datetime | None = None) -> None:
    """Give the running program's pairs their history, once; later runs leave it."""
    now = now or timezone.now()
    pairs = list(
        Pair.objects.filter(program=program)
        .select_related("program", "a__member__user", "b__member__user", "proposal")
        .order_by("pk")
    )
    if not pairs or Meeting.objects.filter(pair__program=program).exists():
        return
    # The program has run for twelve weeks by now: move the pairs' start back to then.
    Pair.objects.filter(pk__in=[p.pk for p in pairs]).update(
        created_at=now - timedelta(days=BEGAN_DAYS_AGO)
    )
    for index, pair in enumerate(pairs):
        pair.refresh_from_db()
        plan = HISTORY[index] if index < len(HISTORY) else Plan(held=(30 - index, 8 + index % 5))
        for number, days in enumerate(plan.held):
            hold(pair, at_ten(now, days), number, now)
        for days in plan.cancelled:
            when = at_ten(now, days)
            meeting = actions.propose_meeting(
                pair=pair,
                by=pair.a,
                starts_at=when,
                minutes=60,
                place="Kantinen",
                now=when - timedelta(days=5),
            )
            actions.cancel_meeting(meeting=meeting, by=pair.b, now=when - timedelta(days=1))
        for learner, text in (
            (pair.a, "Forstå hvordan vi vælger leverandører"),
            (pair.b, "Lave en kort video til vores kunder"),
        ):
            teacher = pair.b if learner.pk == pair.a_id else pair.a
            topics = topics_for(pair, teacher)
            topic = topics[0] if topics else None
            goal = actions.add_goal(pair=pair, learner=learner, text=text, topic=topic)
            if plan.held:
                actions.mark_goal(goal=goal, by=learner, progress=min(len(plan.held), 4))
            if topic is not None:
                actions.save_assessment(pair=pair, learner=learner, phase="pre", levels={topic: 2})
        if plan.booked_in is not None:
            when = at_ten(now, -plan.booked_in)
            meeting = actions.propose_meeting(
                pair=pair,
                by=pair.b,
                starts_at=when,
                minutes=60,
                place="Mødelokale Fjorden",
                now=now,
            )
            actions.confirm_meeting(meeting=meeting, by=pair.a)
        if plan.ended:
            assert pair.b.member is not None
            actions.end_pair(pair=pair, by=pair.b.member, reason=plan.ended, now=now)
            for author, changed in (
                (pair.a, "Jeg forstår ledelsens beslutninger bedre."),
                (pair.b, "Jeg bruger selv video i mine kundemøder nu."),
            ):
                actions.submit_closing(
                    pair=pair,
                    author=author,
                    what_changed=changed,
                    again="yes",
                    organisation_gain="Bedre samtaler på tværs af afdelinger.",
                )
