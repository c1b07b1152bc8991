"""Reads of the matching workflow shared by views (and later the API)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from gensidig.common.paging import PER_PAGE
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


# What each rule means for the person left over, in words about them (no counts).
RULE_WORDS = {
    "reporting_line": _("some are in their reporting line"),
    "same_manager": _("some have the same manager"),
    "same_department": _("some work in the same department"),
    "shared_language": _("some share no language with them"),
    "repeat": _("some have been their partner before"),
    "blocked": _("some have blocked them, or they blocked them"),
    "excluded": _("an administrator excluded some pairs"),
    "generation_gap": _("some are too close to their generation (or a generation is missing)"),
    "nothing_to_learn": _("with the rest, neither can teach what the other wants to learn"),
    "capacity": _("they have no place for a partner"),
}


def plain_reason(entry: dict[str, Any], name: str, shares: int, wants: int) -> str:
    """Why a person was left unmatched, in plain words about them."""
    code = entry.get("code", "")
    if shares == 0 and wants == 0:
        return str(
            _(
                "%(name)s chose no topics, neither to share nor to learn, so nobody can be "
                "matched with them. Ask them to add topics to their profile."
            )
        ) % {"name": name}
    if code == "no_feasible_partner":
        words = [str(RULE_WORDS[rule]) for rule in entry.get("rules", []) if rule in RULE_WORDS]
        if shares == 0 or wants == 0:
            words.insert(
                0,
                str(_("they chose nothing to share"))
                if shares == 0
                else str(_("they chose nothing they want to learn")),
            )
        if words:
            return str(_("Nobody on the other side can be paired with %(name)s: %(why)s.")) % {
                "name": name,
                "why": "; ".join(words),
            }
        return str(_("There is nobody on the other side to pair %(name)s with.")) % {"name": name}
    if code in ("outscored", "capacity_exhausted"):
        text = _(
            "Everyone who could be paired with %(name)s is already paired with someone they "
            "learn more with."
        )
        if code == "capacity_exhausted":
            text = _(
                "The other side has fewer places, and everyone who could be paired with "
                "%(name)s is already paired with someone they learn more with."
            )
        return str(text) % {"name": name}
    if code == "capacity_zero":
        return str(_("%(name)s has no place for a partner.")) % {"name": name}
    return str(_("No partner was found for %(name)s among those considered.")) % {"name": name}


def topic_counts(enrolment_ids: list[int]) -> dict[int, tuple[int, int]]:
    from django.db.models import Count

    from gensidig.programs.models import ProfileTopic

    counts: dict[int, list[int]] = {pk: [0, 0] for pk in enrolment_ids}
    for row in (
        ProfileTopic.objects.filter(enrolment_id__in=enrolment_ids)
        .values("enrolment_id", "kind")
        .annotate(n=Count("id"))
    ):
        counts[row["enrolment_id"]][0 if row["kind"] == "share" else 1] = row["n"]
    return {pk: (shares, wants) for pk, (shares, wants) in counts.items()}


def in_limbo(program: Program, matching_round: Round) -> list[dict[str, Any]]:
    """Enrolled people with no proposal that counts who are not among the round's unmatched:
    someone whose proposed partner was paired by hand with another, or whose proposal was
    declined. They are shown as unmatched at once, with why."""
    listed = {u["enrolment"] for u in matching_round.unmatched}
    counted = Proposal.objects.filter(program=program).exclude(
        status__in=[Proposal.Status.SUPERSEDED, Proposal.Status.DECLINED]
    )

    def either(proposals: QuerySet[Proposal]) -> Any:
        # Two index lookups (a, b), not one condition with OR that no index serves.
        return Exists(proposals.filter(a=OuterRef("pk"))) | Exists(
            proposals.filter(b=OuterRef("pk"))
        )

    # One query: who waits, and whether their proposal was declined or its partner taken.
    waiting = (
        Enrolment.objects.filter(program=program, status="enrolled")
        .exclude(pk__in=listed)
        .exclude(either(counted))
        .annotate(
            declined=either(Proposal.objects.filter(status=Proposal.Status.DECLINED)),
            released=either(
                Proposal.objects.filter(round=matching_round, status=Proposal.Status.SUPERSEDED)
            ),
        )
        .select_related("member__user")
    )
    rows = []
    for enrolment in waiting:
        name = enrolment.display_name
        if enrolment.declined:
            reason = _(
                "The proposal for %(name)s was declined. Run the round again or pair "
                "%(name)s by hand."
            )
        elif enrolment.released:
            reason = _(
                "The partner proposed for %(name)s was paired by hand with someone else. Run "
                "the round again or pair %(name)s by hand."
            )
        else:
            reason = _(
                "%(name)s was not in this round (enrolled or completed the profile after it "
                "ran). Run the round again."
            )
        rows.append({"name": name, "reason": str(reason) % {"name": name}, "limbo": True})
    return rows


def unmatched_page(matching_round: Round, language: str, number: Any) -> tuple[Page, int]:
    """One page of everyone without a partner now (the round's unmatched, then those in
    limbo), as `unmatched_rows` gives them, and how many are in limbo: the names and topic
    counts are read for the page's people only."""
    limbo = in_limbo(matching_round.program, matching_round)
    page = Paginator([*matching_round.unmatched, *limbo], PER_PAGE).get_page(number)
    listed = [entry for entry in page.object_list if "limbo" not in entry]
    rows = iter(unmatched_rows(matching_round, language, entries=listed))
    page.object_list = [entry if "limbo" in entry else next(rows) for entry in page.object_list]
    return page, len(limbo)


def unmatched_rows(
    matching_round: Round,
    language: str,
    *,
    limbo: bool = False,
    entries: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The round's unmatched (or those `entries` of them) with a reason in plain words about
    the person, in the round's order; with `limbo`, then anyone released since (see
    `in_limbo`): everyone without a partner now."""
    unmatched = matching_round.unmatched if entries is None else entries
    ids = [u["enrolment"] for u in unmatched]
    names = {
        e.pk: e.display_name
        for e in Enrolment.objects.filter(pk__in=ids).select_related("member__user")
    }
    counts = topic_counts(ids)
    rows = [
        {
            "name": names.get(u["enrolment"], "?"),
            "reason": plain_reason(
                u, names.get(u["enrolment"], "?"), *counts.get(u["enrolment"], (0, 0))
            ),
            "limbo": False,
        }
        for u in unmatched
    ]
    return rows + (in_limbo(matching_round.program, matching_round) if limbo else [])


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
