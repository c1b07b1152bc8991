"""Personal data of matching: rounds, proposals with their answers, exclusions and pairs.
See `gensidig.common.personal_data`."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Q

from gensidig.common.personal_data import Person, exclude, register, register_export, scrub
from gensidig.matching.models import Pair, Proposal, Round


def mine(person: Person) -> Q:
    return Q(a__member_id__in=person.member_ids) | Q(b__member_id__in=person.member_ids)


def export_proposals(person: Person) -> list[dict[str, Any]]:
    rows = []
    for proposal in (
        Proposal.objects.filter(mine(person))
        .exclude(status=Proposal.Status.DRAFT)
        .select_related("program", "a__member", "b__member", "answered_by")
    ):
        me_a = proposal.a.member_id in person.member_ids
        mine_answered = (
            proposal.answered_by is not None and proposal.answered_by.member_id in person.member_ids
        )
        rows.append(
            {
                "program": proposal.program.name,
                "partner": (proposal.b if me_a else proposal.a).display_name,
                "status": proposal.status,
                "my_answer": proposal.a_answer if me_a else proposal.b_answer,
                "published": proposal.published_at.isoformat() if proposal.published_at else None,
                "decided": proposal.decided_at.isoformat() if proposal.decided_at else None,
                # Reasons are the person's own words only when they gave them.
                "my_decline_reason": proposal.decline_reason if mine_answered else "",
                "my_contest_reason": proposal.contest_reason if mine_answered else "",
            }
        )
    return rows


def erase_proposals(person: Person) -> None:
    for proposal in Proposal.objects.filter(mine(person)).select_related("answered_by"):
        if proposal.answered_by and proposal.answered_by.member_id in person.member_ids:
            proposal.decline_reason = proposal.contest_reason = ""
        proposal.reasons_da = scrub(proposal.reasons_da, person, "da")
        proposal.reasons_en = scrub(proposal.reasons_en, person, "en")
        proposal.manual_reason = scrub(proposal.manual_reason, person)
        proposal.save(
            update_fields=[
                "decline_reason",
                "contest_reason",
                "reasons_da",
                "reasons_en",
                "manual_reason",
            ]
        )
    # The unmatched list of a round names people in its reasons.
    for matching_round in Round.objects.filter(
        program__organisation_id__in=person.organisation_ids
    ):
        text = json.dumps(matching_round.unmatched, ensure_ascii=False)
        if person.name and person.name in text:
            cleaned = [
                {
                    **row,
                    "reason_da": scrub(str(row.get("reason_da", "")), person, "da"),
                    "reason_en": scrub(str(row.get("reason_en", "")), person, "en"),
                }
                for row in matching_round.unmatched
            ]
            Round.objects.filter(pk=matching_round.pk).update(unmatched=cleaned)


register(
    "matching.Proposal",
    purpose="A suggested pair with its explanation and each partner's answer, so people "
    "decide and may decline or contest.",
    basis="Legitimate interest of the program; the answers are the person's choice.",
    retention="With the program.",
    section="proposals",
    exported="Partner, status, the person's answer and their own decline or contest reason.",
    erased="The person's reasons are blanked and their name in the explanations replaced by "
    "'a former member'; the proposal stays for the program's figures.",
    erase=erase_proposals,
)
register_export("proposals", export_proposals)


def erase_pairs(person: Person) -> None:
    for pair in Pair.objects.filter(mine(person)).exclude(end_reason=""):
        if pair.ended_by_id in person.member_ids:
            pair.end_reason = ""
        else:
            pair.end_reason = scrub(pair.end_reason, person)
        pair.save(update_fields=["end_reason"])


register(
    "matching.Pair",
    purpose="An accepted match: the unit of learning both partners share.",
    basis="Legitimate interest of the program, accepted by both partners.",
    retention="With the program.",
    section="pairs",
    exported="With meetings, own goals, own reflections and own closing answers (section pairs).",
    erased="Kept for the partner with 'a former member' (so history and figures stay); a "
    "reason the person wrote for ending it is blanked.",
    erase=erase_pairs,
)
register(
    "matching.Round",
    purpose="One run of the engine: its figures and who was left unmatched and why.",
    basis="Legitimate interest of the program.",
    retention="With the program.",
    section=None,
    exported="Not exported: an administrator's run; the person's place in it shows as their "
    "proposals.",
    erased="The person's name in the unmatched reasons is replaced; the starter becomes empty "
    "(SET_NULL).",
)
exclude(
    "matching.Exclusion",
    "Two enrolments an administrator kept apart: no text, and its author reference becomes "
    "empty when the member is deleted.",
)
