"""Reads of the matching workflow shared by views (and later the API)."""

from __future__ import annotations

import re
from collections.abc import Iterable
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


def round_proposals(program: Program, *, search: str = "", status: str = "") -> QuerySet[Proposal]:
    """The round page's proposals, searched by a partner's name and filtered by status in
    the database, for one page at a time."""
    found = current_proposals(program)
    for word in search.split()[:5]:
        found = found.filter(
            Q(a__member__user__name__icontains=word)
            | Q(b__member__user__name__icontains=word)
            | Q(a__invited_email__icontains=word)
            | Q(b__invited_email__icontains=word)
        )
    if status in Proposal.Status.values:
        found = found.filter(status=status)
    return found


def topic_names(organisation_id: int, slugs: Iterable[str], language: str) -> dict[str, str]:
    """The catalogue's names of these topic slugs in the reader's language, in one query;
    a slug the catalogue does not know stays as it is."""
    wanted = set(slugs)
    names = {slug: slug for slug in wanted}
    for slug, name_da, name_en in Topic.objects.filter(
        organisation_id=organisation_id, slug__in=wanted
    ).values_list("slug", "name_da", "name_en"):
        names[slug] = name_en if language == "en" else name_da
    return names


def topic_labels(program: Program, slugs: list[str], language: str) -> list[str]:
    names = topic_names(program.organisation_id, slugs, language)
    return [names[slug] for slug in slugs]


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


# A whole word of a reason, where a topic's slug may stand (slugs are made of word
# characters and hyphens); compiled once, not per proposal.
WORD = re.compile(r"(?<![\w-])[\w-]+(?![\w-])")


def slugs_of(proposal: Proposal) -> list[str]:
    return [*proposal.teaches_a_to_b, *proposal.teaches_b_to_a]


def explained(
    proposal: Proposal, language: str, names: dict[str, str] | None = None
) -> dict[str, Any]:
    """The two-sided explanation in the reader's language. The engine names topics by
    their short names (slugs); the reader gets the catalogue's names instead. A page of
    proposals passes `names` for all of them (one query); alone, it looks them up."""
    slugs = slugs_of(proposal)
    if names is None:
        names = topic_names(proposal.program.organisation_id, slugs, language)
    own = {slug: names.get(slug, slug) for slug in slugs}
    reasons = proposal.reasons_en if language == "en" else proposal.reasons_da
    if own:
        reasons = WORD.sub(lambda match: own.get(match.group(0), match.group(0)), reasons)
    names = own
    return {
        "a_to_b": [names[slug] for slug in proposal.teaches_a_to_b],
        "b_to_a": [names[slug] for slug in proposal.teaches_b_to_a],
        "reasons": reasons,
        "parts": score_parts(proposal),
    }


def explained_page(proposals: Iterable[Proposal], program: Program, language: str) -> list[Any]:
    """(proposal, explanation) for a page of proposals: one topic query for the page."""
    rows = list(proposals)
    names = topic_names(program.organisation_id, (s for p in rows for s in slugs_of(p)), language)
    return [(proposal, explained(proposal, language, names)) for proposal in rows]


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
