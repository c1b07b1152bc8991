"""Writes of the matching workflow: rounds, the admin's adjustments, publishing, and each
participant's answer. Verb-first, keyword-only, one transaction each."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gensidig import engine
from gensidig.accounts.actions import entry_link
from gensidig.accounts.models import Member
from gensidig.common.email import register_email_kind, send_templated_email
from gensidig.common.events import emit
from gensidig.matching.adapters import ProgramInput, build_input, engine_id
from gensidig.matching.models import Exclusion, Pair, Proposal, Round
from gensidig.programs.models import Enrolment, Program, State

PROPOSAL_REMINDER = register_email_kind(
    "proposal-reminder", _("reminders to answer a proposed partner")
)

# Cohorts up to this many participants are matched while the admin waits; larger ones in a
# background task (the engine does 1,000 x 1,000 in well under a second).
IMMEDIATE_LIMIT = 3000


class MatchingError(Exception):
    """An action that is not possible now; `str(error)` is the translated reason."""


def require_state(program: Program, *states: str) -> None:
    if program.state not in states:
        raise MatchingError(
            gettext("This is only possible while the program is matching participants.")
        )


@transaction.atomic
def start_round(*, program: Program, by: Member) -> Round:
    """Start a matching round: at once for a small cohort, in a task for a large one."""
    require_state(program, State.MATCHING)
    Program.objects.select_for_update().get(pk=program.pk)
    number = (Round.objects.filter(program=program).aggregate(n=Max("number"))["n"] or 0) + 1
    matching_round = Round.objects.create(program=program, number=number, started_by=by)
    size = program.enrolments.filter(status="enrolled").count()
    if size <= IMMEDIATE_LIMIT:
        run_round(matching_round=matching_round)
    else:
        from gensidig.matching.tasks import run_round_task

        transaction.on_commit(lambda: run_round_task.enqueue(round_id=matching_round.pk))
    return matching_round


def proposal_fields(data: ProgramInput, pair: engine.Pair | engine.ScoredPair) -> dict[str, object]:
    return {
        "score": pair.score,
        "parts": dict(pair.parts),
        "teaches_a_to_b": list(pair.teaches_a_to_b),
        "teaches_b_to_a": list(pair.teaches_b_to_a),
        "reasons_da": pair.reasons_da,
        "reasons_en": pair.reasons_en,
    }


def run_round(*, matching_round: Round) -> Round:
    """Run the engine and store its proposals. Earlier drafts that were not locked are
    replaced; kept pairs (accepted, locked, waiting for answers) come back unchanged.

    The engine runs outside any transaction so that its progress, written as it goes, is
    visible to the page that watches a large round; the results are saved in one."""
    program = matching_round.program
    Round.objects.filter(pk=matching_round.pk).update(status=Round.Status.RUNNING)
    data = build_input(program)
    shown = [0]

    def progress(done: int, total: int) -> None:
        percent = min(99, int(100 * done / total)) if total else 0
        if percent >= shown[0] + 5:
            shown[0] = percent
            Round.objects.filter(pk=matching_round.pk).update(progress=percent)

    result = engine.solve(data.problem, seed=matching_round.number, progress=progress)
    return save_round(matching_round=matching_round, data=data, result=result)


@transaction.atomic
def save_round(*, matching_round: Round, data: ProgramInput, result: engine.Result) -> Round:
    program = matching_round.program
    kept = {
        (p.a_id, p.b_id): p
        for p in Proposal.objects.filter(program=program).filter(
            Q(
                status__in=[
                    Proposal.Status.PUBLISHED,
                    Proposal.Status.CONTESTED,
                    Proposal.Status.ACCEPTED,
                ]
            )
            | Q(status=Proposal.Status.DRAFT, locked=True)
        )
    }
    Proposal.objects.filter(program=program, status=Proposal.Status.DRAFT, locked=False).update(
        status=Proposal.Status.SUPERSEDED
    )
    for pair in result.pairs:
        a, b = data.enrolment(pair.a), data.enrolment(pair.b)
        earlier = kept.get((a.pk, b.pk))
        if earlier is not None:
            # The same proposal carries on, now counted in this round's figures.
            earlier.round = matching_round
            earlier.save(update_fields=["round"])
            continue
        Proposal.objects.create(
            round=matching_round, program=program, a=a, b=b, **proposal_fields(data, pair)
        )
    matching_round.participants = len(data.problem.participants)
    matching_round.objective = result.objective
    matching_round.bound = result.bound
    matching_round.gap = result.gap
    matching_round.stats = result.stats
    matching_round.unmatched = [
        {
            "enrolment": data.enrolment(u.id).pk,
            "code": u.code,
            "reason_da": u.reason_da,
            "reason_en": u.reason_en,
            # The rules that ruled out partners, so the page can say it in plain words.
            "rules": sorted(u.rules or {}),
        }
        for u in result.unmatched
    ]
    matching_round.status = Round.Status.DONE
    matching_round.progress = 100
    matching_round.finished_at = timezone.now()
    matching_round.save()
    return matching_round


def editable(proposal: Proposal) -> None:
    require_state(proposal.program, State.MATCHING)
    if proposal.status != Proposal.Status.DRAFT:
        raise MatchingError(gettext("Only a proposal that is not published yet can be changed."))


@transaction.atomic
def lock_proposal(*, proposal: Proposal, locked: bool = True) -> Proposal:
    """A locked proposal is kept as it is when the round is run again."""
    editable(proposal)
    proposal.locked = locked
    proposal.save(update_fields=["locked"])
    return proposal


@transaction.atomic
def exclude_proposal(*, proposal: Proposal, by: Member) -> None:
    """Remove the proposal and never propose these two together again in this program."""
    editable(proposal)
    Exclusion.objects.get_or_create(
        program=proposal.program, a=proposal.a, b=proposal.b, defaults={"by": by}
    )
    proposal.status = Proposal.Status.SUPERSEDED
    proposal.save(update_fields=["status"])


def rescore(program: Program, a: Enrolment, b: Enrolment) -> tuple[engine.ScoredPair, ProgramInput]:
    data = build_input(program)
    assert a.member_id and b.member_id
    return engine.score_pair(data.problem, engine_id(a.member_id), engine_id(b.member_id)), data


@transaction.atomic
def swap_partners(*, first: Proposal, second: Proposal) -> tuple[Proposal, Proposal]:
    """Give the two proposals each other's `b` partner, rescored and explained anew."""
    editable(first)
    editable(second)
    first.b, second.b = second.b, first.b
    for proposal in (first, second):
        scored, data = rescore(proposal.program, proposal.a, proposal.b)
        for name, value in proposal_fields(data, scored).items():
            setattr(proposal, name, value)
        proposal.broken_rules = list(scored.broken_rules)
        proposal.locked = True  # an admin's decision is kept on the next run
        proposal.save()
    return first, second


def rules_broken_by(*, program: Program, a: Enrolment, b: Enrolment) -> list[str]:
    """Codes of the hard rules a hand-made pair would break, for the admin's warning."""
    data = build_input(program)
    if not (a.member_id and b.member_id):
        return []
    ids = {p.id for p in data.problem.participants}
    pa, pb = engine_id(a.member_id), engine_id(b.member_id)
    if pa not in ids or pb not in ids:
        return ["incomplete_profile"]
    return engine.check_pair(data.problem, pa, pb)


@transaction.atomic
def pair_by_hand(
    *, program: Program, a: Enrolment, b: Enrolment, reason: str, by: Member
) -> Proposal:
    """An admin's own pair: locked, marked as made by hand with the reason. Draft proposals
    that used either person's place are released."""
    require_state(program, State.MATCHING)
    broken = rules_broken_by(program=program, a=a, b=b)
    if broken and not reason.strip():
        raise MatchingError(
            gettext("This pair breaks a rule of the program: write why you pair them anyway.")
        )
    latest = Round.objects.filter(program=program, status=Round.Status.DONE).first()
    if latest is None:
        raise MatchingError(gettext("Run a matching round first."))
    drafts = Proposal.objects.filter(program=program, status=Proposal.Status.DRAFT)
    drafts.filter(Q(a=a) | Q(b=a)).update(status=Proposal.Status.SUPERSEDED)
    taken = drafts.filter(Q(a=b) | Q(b=b))
    if taken.count() >= (program.capacity if b.side == "experienced" else 1):
        taken.update(status=Proposal.Status.SUPERSEDED)
    if "incomplete_profile" in broken:
        fields: dict[str, object] = {"score": 0, "parts": {}}
    else:
        scored, data = rescore(program, a, b)
        fields = proposal_fields(data, scored)
    return Proposal.objects.create(
        round=latest,
        program=program,
        a=a,
        b=b,
        locked=True,
        manual=True,
        manual_reason=reason.strip(),
        broken_rules=broken,
        **fields,
    )


def my_match_url(program: Program) -> str:
    return reverse(
        "matching:my_match", kwargs={"org": program.organisation.slug, "program_id": program.pk}
    )


def notify_pair(proposal: Proposal, template: str, **context: object) -> None:
    for mine, partner in ((proposal.a, proposal.b), (proposal.b, proposal.a)):
        if mine.member is None:
            continue
        send_templated_email(
            to=mine.member.user.email,
            template=template,
            context={
                "name": mine.member.user.get_short_name(),
                "partner": partner.display_name,
                "partner_email": partner.member.user.email if partner.member else "",
                "program": proposal.program.name,
                "ground_rules": proposal.program.ground_rule_lines,
                # Someone who has never signed in gets an activation link that goes on there.
                "link": entry_link(member=mine.member, path=my_match_url(proposal.program)),
                **context,
            },
            language=mine.member.user.language,
        )


@transaction.atomic
def publish_round(*, matching_round: Round) -> int:
    """Show the round's draft proposals to the participants and email both partners."""
    require_state(matching_round.program, State.MATCHING)
    now = timezone.now()
    drafts = list(
        Proposal.objects.filter(
            program=matching_round.program, status=Proposal.Status.DRAFT
        ).select_related("a__member__user", "b__member__user", "program__organisation")
    )
    for proposal in drafts:
        proposal.status = Proposal.Status.PUBLISHED
        proposal.published_at = now
        proposal.save(update_fields=["status", "published_at"])
        notify_pair(proposal, "matching/email/proposal")
    matching_round.published_at = now
    matching_round.save(update_fields=["published_at"])
    emit(
        "round.published",
        organisation_id=matching_round.program.organisation_id,
        round_id=matching_round.pk,
        program_id=matching_round.program_id,
        proposals=len(drafts),
    )
    return len(drafts)


def side_of(proposal: Proposal, enrolment: Enrolment) -> str:
    if enrolment.pk == proposal.a_id:
        return "a"
    if enrolment.pk == proposal.b_id:
        return "b"
    raise PermissionError("not a partner of this proposal")


@transaction.atomic
def answer_proposal(
    *, proposal: Proposal, enrolment: Enrolment, accept: bool, reason: str = ""
) -> Proposal:
    """A partner accepts or declines. Both yes makes a pair; one no returns both to the pool
    and keeps the two from being proposed together again. Answering twice changes nothing."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    side = side_of(proposal, enrolment)
    if proposal.status != Proposal.Status.PUBLISHED:
        raise MatchingError(gettext("This proposal is no longer waiting for your answer."))
    if proposal.program.state not in (State.MATCHING, State.RUNNING):
        raise MatchingError(gettext("The program is not matching participants any more."))
    answer = Proposal.Answer.ACCEPTED if accept else Proposal.Answer.DECLINED
    setattr(proposal, f"{side}_answer", answer)
    proposal.answered_by = enrolment
    if not accept:
        proposal.status = Proposal.Status.DECLINED
        proposal.decline_reason = reason.strip()
        proposal.decided_at = timezone.now()
    elif proposal.a_answer == proposal.b_answer == Proposal.Answer.ACCEPTED:
        proposal.status = Proposal.Status.ACCEPTED
        proposal.decided_at = timezone.now()
        Pair.objects.get_or_create(
            program=proposal.program,
            a=proposal.a,
            b=proposal.b,
            ended_at=None,
            defaults={"proposal": proposal},
        )
        notify_pair(proposal, "matching/email/pair_confirmed")
    proposal.save()
    emit(
        "proposal.answered",
        organisation_id=proposal.program.organisation_id,
        proposal_id=proposal.pk,
        program_id=proposal.program_id,
        status=proposal.status,
    )
    return proposal


@transaction.atomic
def contest_proposal(*, proposal: Proposal, enrolment: Enrolment, reason: str) -> Proposal:
    """Ask a person to review the proposal instead of answering yes or no."""
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    side_of(proposal, enrolment)
    if proposal.status != Proposal.Status.PUBLISHED:
        raise MatchingError(gettext("This proposal is no longer waiting for your answer."))
    if not reason.strip():
        raise MatchingError(gettext("Write what the reviewer should look at."))
    proposal.status = Proposal.Status.CONTESTED
    proposal.contest_reason = reason.strip()
    proposal.answered_by = enrolment
    proposal.save()
    return proposal


@transaction.atomic
def resolve_contest(*, proposal: Proposal, keep: bool, by: Member) -> Proposal:
    """The reviewer keeps the proposal (it waits for answers again) or dissolves it (both go
    back to the pool, and the two are not proposed together again)."""
    if proposal.status != Proposal.Status.CONTESTED:
        raise MatchingError(gettext("This proposal is not contested."))
    if keep:
        proposal.status = Proposal.Status.PUBLISHED
        proposal.a_answer = proposal.b_answer = Proposal.Answer.PENDING
    else:
        proposal.status = Proposal.Status.DECLINED
        proposal.decided_at = timezone.now()
        Exclusion.objects.get_or_create(
            program=proposal.program, a=proposal.a, b=proposal.b, defaults={"by": by}
        )
    proposal.save()
    return proposal


@transaction.atomic
def remind_undecided(*, program: Program, older_than_days: int) -> int:
    """Remind partners who have not answered a published proposal for some days; once."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    waiting = Proposal.objects.filter(
        program=program,
        status=Proposal.Status.PUBLISHED,
        published_at__lte=cutoff,
        reminded_at=None,
    ).select_related("a__member__user", "b__member__user", "program__organisation")
    count = 0
    for proposal in waiting:
        for side, enrolment in (("a", proposal.a), ("b", proposal.b)):
            if getattr(proposal, f"{side}_answer") or enrolment.member is None:
                continue
            partner = proposal.b if side == "a" else proposal.a
            send_templated_email(
                to=enrolment.member.user.email,
                kind=PROPOSAL_REMINDER,
                user=enrolment.member.user,
                template="matching/email/reminder",
                context={
                    "name": enrolment.member.user.get_short_name(),
                    "partner": partner.display_name,
                    "program": program.name,
                    "link": entry_link(member=enrolment.member, path=my_match_url(program)),
                },
                language=enrolment.member.user.language,
            )
            count += 1
        proposal.reminded_at = timezone.now()
        proposal.save(update_fields=["reminded_at"])
    return count
