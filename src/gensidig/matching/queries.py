"""Reads of the matching workflow shared by views (and later the API)."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gensidig.matching.models import Proposal, Round
from gensidig.programs.models import Enrolment, Program, Topic

VISIBLE_TO_PARTICIPANTS = [
    Proposal.Status.PUBLISHED,
    Proposal.Status.ACCEPTED,
    Proposal.Status.DECLINED,
    Proposal.Status.CONTESTED,
]


def rounds_of(program: Program) -> QuerySet[Round]:
    return Round.objects.filter(program=program).order_by("-number")


def current_proposals(program: Program) -> QuerySet[Proposal]:
    """Every proposal that still counts: drafts, published, accepted, contested, declined."""
    return (
        Proposal.objects.filter(program=program)
        .exclude(status=Proposal.Status.SUPERSEDED)
        .select_related("a__member__user", "b__member__user")
        .order_by("-score", "pk")
    )


def proposals_for(enrolment: Enrolment) -> QuerySet[Proposal]:
    """A participant's own proposals that have been published: never anyone else's."""
    return (
        Proposal.objects.filter(Q(a=enrolment) | Q(b=enrolment), status__in=VISIBLE_TO_PARTICIPANTS)
        .select_related("a__member__user", "b__member__user", "program")
        .order_by("-published_at")
    )


def topic_labels(program: Program, slugs: list[str], language: str) -> list[str]:
    topics = {
        t.slug: t for t in Topic.objects.filter(organisation=program.organisation, slug__in=slugs)
    }
    labels = []
    for slug in slugs:
        topic = topics.get(slug)
        labels.append((topic.name_en if language == "en" else topic.name_da) if topic else slug)
    return labels


# The engine's names for the parts of a score, in words a program owner reads.
PART_LABELS = {
    "balance": _("Learning in both directions (balanced)"),
    "a_to_b": _("What the first partner can teach"),
    "b_to_a": _("What the second partner can teach"),
    "wish": _("Wishes"),
    "cross_department": _("Different departments"),
    "timezone": _("Overlapping working hours"),
}


def score_parts(proposal: Proposal) -> list[tuple[str, float]]:
    return [(str(PART_LABELS.get(name, name)), value) for name, value in proposal.parts.items()]


def explained(proposal: Proposal, language: str) -> dict[str, Any]:
    """The two-sided explanation in the reader's language. The engine names topics by
    their short names (slugs); the reader gets the catalogue's names instead."""
    slugs = [*proposal.teaches_a_to_b, *proposal.teaches_b_to_a]
    names = dict(zip(slugs, topic_labels(proposal.program, slugs, language), strict=True))
    reasons = proposal.reasons_en if language == "en" else proposal.reasons_da
    if names:
        pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, names)) + r")(?![\w-])")
        reasons = pattern.sub(lambda match: names[match.group(1)], reasons)
    return {
        "a_to_b": [names[slug] for slug in proposal.teaches_a_to_b],
        "b_to_a": [names[slug] for slug in proposal.teaches_b_to_a],
        "reasons": reasons,
        "parts": score_parts(proposal),
    }


def round_figures(matching_round: Round) -> dict[str, Any]:
    stats = matching_round.stats or {}
    lows = [
        side["score"]["lowest"]
        for side in (stats.get("sides") or {}).values()
        if side.get("score", {}).get("lowest") is not None
    ]
    return {
        "pairs": stats.get("pairs", 0),
        "both_ways": stats.get("pairs", 0) - stats.get("one_sided_pairs", 0),
        "one_sided": stats.get("one_sided_pairs", 0),
        "lowest": min(lows) if lows else None,
        "match_rate": stats.get("match_rate"),
        "wish_share": (stats.get("wishes") or {}).get("share"),
        "gap_percent": 100 * (matching_round.gap or 0),
    }


def unmatched_rows(matching_round: Round, language: str) -> list[dict[str, Any]]:
    names = {
        e.pk: e.display_name
        for e in Enrolment.objects.filter(
            pk__in=[u["enrolment"] for u in matching_round.unmatched]
        ).select_related("member__user")
    }
    return [
        {
            "name": names.get(u["enrolment"], "?"),
            "reason": u["reason_en"] if language == "en" else u["reason_da"],
        }
        for u in matching_round.unmatched
    ]


def seen_by(proposal: Proposal, enrolment: Enrolment, language: str) -> dict[str, Any]:
    """One partner's view of a proposal: the explanation turned to face them."""
    explanation = explained(proposal, language)
    mine, theirs = ("a_to_b", "b_to_a") if proposal.a_id == enrolment.pk else ("b_to_a", "a_to_b")
    return {
        "proposal": proposal,
        "partner": proposal.partner_of(enrolment),
        "mine_to_partner": explanation[mine],
        "partner_to_me": explanation[theirs],
        "reasons": explanation["reasons"],
        "my_answer": proposal.answer_of(enrolment),
    }
