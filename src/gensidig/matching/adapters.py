"""Turn a program's rows into the engine's frozen input, and the engine's ids back into rows.

A participant's engine id is `m<member id>`, so reporting lines can pass through managers who
are not enrolled (they go into `Problem.managers`). Topics are named by their catalogue slug,
following merges to the topic that lives on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from gensidig import engine
from gensidig.accounts.models import Member
from gensidig.matching.models import Exclusion, Pair, Proposal
from gensidig.programs.models import Enrolment, EnrolmentStatus, Mode, Program, Topic


def engine_id(member_id: int) -> str:
    return f"m{member_id}"


@dataclass(frozen=True)
class ProgramInput:
    problem: engine.Problem
    enrolments: dict[str, Enrolment]  # engine id -> enrolment
    topic_names: dict[str, Topic]  # slug -> topic

    def enrolment(self, engine_id: str) -> Enrolment:
        return self.enrolments[engine_id]


def living_topic(topic: Topic, topics: dict[int, Topic]) -> Topic:
    seen = set()
    while topic.merged_into_id and topic.merged_into_id not in seen:
        seen.add(topic.pk)
        topic = topics.get(topic.merged_into_id, topic)
    return topic


def rules_of(program: Program) -> engine.Rules:
    return engine.Rules(
        reporting_line_depth=program.reporting_line_depth,
        shared_language=program.shared_language,
        different_department=program.different_department,
        exclude_same_manager=program.exclude_same_manager,
        forbid_repeat=program.forbid_repeat,
        min_generation_gap=program.min_generation_gap,
    )


def matchable(program: Program) -> list[Enrolment]:
    """Enrolled members (with a side, in reverse mode). Someone whose profile names no
    topics is still included: the round then reports them unmatched, with the reason."""
    enrolments = (
        Enrolment.objects.filter(
            program=program,
            status=EnrolmentStatus.ENROLLED,
            member__isnull=False,
        )
        .select_related("member__user", "member__manager")
        .prefetch_related("topics__topic", "wishes", "blocks")
        .order_by("pk")
    )
    if program.mode == Mode.REVERSE:
        return [e for e in enrolments if e.side]
    return list(enrolments)


def kept_pairs(program: Program) -> list[tuple[Enrolment, Enrolment]]:
    """Pairs a new round must keep as they are: accepted pairs, locked proposals and
    published proposals still waiting for answers."""
    kept = [
        (pair.a, pair.b)
        for pair in Pair.objects.filter(program=program, ended_at=None).select_related("a", "b")
    ]
    proposals = Proposal.objects.filter(program=program).filter(
        status__in=[Proposal.Status.PUBLISHED, Proposal.Status.CONTESTED]
    ) | Proposal.objects.filter(program=program, status=Proposal.Status.DRAFT, locked=True)
    kept += [(p.a, p.b) for p in proposals.select_related("a", "b")]
    unique: dict[tuple[int, int], tuple[Enrolment, Enrolment]] = {}
    for a, b in kept:
        unique.setdefault((a.pk, b.pk), (a, b))
    return list(unique.values())


def excluded_pairs(program: Program) -> list[tuple[int, int]]:
    """Pairs that must not be proposed again: the admin's exclusions and declined proposals."""
    pairs = [(x.a_id, x.b_id) for x in Exclusion.objects.filter(program=program)]
    pairs += [
        (p.a_id, p.b_id)
        for p in Proposal.objects.filter(program=program, status=Proposal.Status.DECLINED)
    ]
    return pairs


def previous_partners(program: Program) -> dict[int, set[int]]:
    """Member id -> member ids they were paired with in earlier programs."""
    partners: dict[int, set[int]] = defaultdict(set)
    earlier = Pair.objects.filter(program__organisation=program.organisation).exclude(
        program=program
    )
    for a_member, b_member in earlier.values_list("a__member_id", "b__member_id"):
        if a_member and b_member:
            partners[a_member].add(b_member)
            partners[b_member].add(a_member)
    return partners


def build_input(program: Program) -> ProgramInput:
    enrolments = matchable(program)
    by_pk = {e.pk: e for e in enrolments}
    topics = {t.pk: t for t in Topic.objects.filter(organisation=program.organisation)}
    previous = previous_partners(program)
    participants = []
    ids: dict[str, Enrolment] = {}
    for enrolment in enrolments:
        member = enrolment.member
        assert member is not None
        pid = engine_id(member.pk)
        ids[pid] = enrolment
        shares: dict[str, int] = {}
        wants: dict[str, int] = {}
        for chosen in enrolment.topics.all():
            slug = living_topic(chosen.topic, topics).slug
            target = shares if chosen.kind == "share" else wants
            target[slug] = max(target.get(slug, 0), chosen.level)
        side = enrolment.side or None
        participants.append(
            engine.Participant(
                id=pid,
                name=member.user.name,
                side=side if side in ("young", "experienced") else None,  # type: ignore[arg-type]
                generation=enrolment.generation or member.generation or None,
                department=member.department or None,
                manager=engine_id(member.manager_id) if member.manager_id else None,
                languages=tuple(enrolment.languages or member.languages or ()),
                capacity=program.capacity if enrolment.side == "experienced" else 1,
                shares=tuple(sorted(shares.items())),
                wants=tuple(sorted(wants.items())),
                wishes=tuple(
                    engine_id(w.member_id)
                    for w in enrolment.wishes.all()
                    if w.pk in by_pk and w.member_id
                ),
                blocks=tuple(
                    engine_id(b.member_id)
                    for b in enrolment.blocks.all()
                    if b.pk in by_pk and b.member_id
                ),
                previous=tuple(engine_id(m) for m in sorted(previous.get(member.pk, ()))),
            )
        )
    enrolled_members = {e.member_id for e in enrolments if e.member_id is not None}
    managers = tuple(
        (engine_id(member_id), engine_id(manager_id))
        for member_id, manager_id in Member.objects.filter(
            organisation=program.organisation, manager__isnull=False
        )
        .exclude(pk__in=enrolled_members)
        .values_list("pk", "manager_id")
    )
    locked = tuple(
        (engine_id(a.member_id), engine_id(b.member_id))
        for a, b in kept_pairs(program)
        if a.pk in by_pk and b.pk in by_pk and a.member_id and b.member_id
    )
    excluded = tuple(
        (engine_id(by_pk[a].member_id), engine_id(by_pk[b].member_id))  # type: ignore[arg-type]
        for a, b in excluded_pairs(program)
        if a in by_pk and b in by_pk
    )
    problem = engine.Problem(
        mode="reverse" if program.mode == Mode.REVERSE else "mutual",
        participants=tuple(participants),
        rules=rules_of(program),
        locked=locked,
        excluded=excluded,
        managers=managers,
    )
    return ProgramInput(
        problem=problem,
        enrolments=ids,
        topic_names={t.slug: t for t in topics.values()},
    )
