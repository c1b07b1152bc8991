"""Reads of the discoveries pipeline: the board, duplicates, the funnel and the credits."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    Func,
    IntegerField,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from gensidig.accounts.models import Member, Organisation
from gensidig.common.sql import InArray
from gensidig.discoveries.models import Comment, Discovery, Scout, Stage, StageChange, Vote

STAGE_ORDER = [Stage.SPOTTED, Stage.TRYING, Stage.ADOPTED, Stage.PARKED, Stage.DROPPED]
SORTS = ("support", "new", "stage")


def discoveries_of(organisation: Organisation) -> QuerySet[Discovery]:
    return (
        Discovery.objects.filter(organisation=organisation)
        .select_related("found_by__user", "sponsor__user", "owner__user")
        .prefetch_related("topics")
        .annotate(support=support())
    )


def support() -> Subquery:
    """The number of votes, counted per discovery by the vote index. Counting through a join
    grouped each row with its finder, sponsor and owner and hashed the organisation's members
    twice (66 ms for the 300 discoveries of a 10,000-member organisation; now a few)."""
    votes = (
        Vote.objects.filter(discovery=OuterRef("pk"))
        .order_by()
        .annotate(n=Func(Value(1), function="COUNT"))
        .values("n")
    )
    return Subquery(votes, output_field=IntegerField())


def board(
    organisation: Organisation, *, sort: str = "support", tag: int | None = None, stage: str = ""
) -> list[Discovery]:
    """The board's discoveries, filtered by topic and stage, sorted by support (then newest),
    newness, or stage (in pipeline order, then support)."""
    rows = discoveries_of(organisation)
    if tag:
        rows = rows.filter(topics=tag)
    if stage in Stage.values:
        rows = rows.filter(stage=stage)
    if sort == "new":
        return list(rows.order_by("-created_at", "-pk"))
    result = list(rows.order_by("-support", "-created_at", "-pk"))  # type: ignore[misc]
    if sort == "stage":
        result.sort(key=lambda d: STAGE_ORDER.index(Stage(d.stage)))
    return result


def columns(discoveries: list[Discovery]) -> list[tuple[Stage, list[Discovery]]]:
    return [(stage, [d for d in discoveries if d.stage == stage]) for stage in STAGE_ORDER]


def stage_rank() -> Case:
    return Case(
        *(When(stage=stage, then=Value(index)) for index, stage in enumerate(STAGE_ORDER)),
        output_field=IntegerField(),
    )


def board_rows(
    organisation: Organisation, *, sort: str = "support", tag: int | None = None, stage: str = ""
) -> QuerySet[Discovery]:
    """The board as one list, sorted and filtered in the database (the order of `board`),
    for one page at a time."""
    rows = discoveries_of(organisation).prefetch_related(None)
    if tag:
        rows = rows.filter(topics=tag)
    if stage in Stage.values:
        rows = rows.filter(stage=stage)
    if sort == "new":
        return rows.order_by("-created_at", "-pk")
    if sort == "stage":
        return rows.order_by(stage_rank(), "-support", "-created_at", "-pk")  # type: ignore[misc]
    return rows.order_by("-support", "-created_at", "-pk")  # type: ignore[misc]


def board_columns(
    organisation: Organisation, *, sort: str = "support", tag: int | None = None, per_column: int
) -> list[tuple[Stage, list[Discovery], int]]:
    """The first `per_column` cards of each stage and how many the stage has: two queries
    (the cards numbered per stage by a window function, the counts grouped by stage)."""
    rows = board_rows(organisation, sort=sort, tag=tag)
    order = ["-created_at", "-pk"] if sort == "new" else ["-support", "-created_at", "-pk"]
    # The cards are numbered on the discoveries alone, and only the chosen ones are joined
    # with their finder and sponsor: joined first, the planner hashed all the organisation's
    # members for the sponsor and owner (30 ms with 10,000 members).
    numbered = (
        rows.select_related(None)
        .annotate(
            place=Window(
                RowNumber(),
                partition_by=[F("stage")],
                order_by=[OrderBy(F(name[1:]), descending=True) for name in order],
            )
        )
        .filter(place__lte=per_column)
        .values("pk")
    )
    cards: dict[str, list[Discovery]] = {str(stage): [] for stage in STAGE_ORDER}
    for discovery in rows.filter(InArray("pk", Subquery(numbered))):
        cards[discovery.stage].append(discovery)
    counted = Discovery.objects.filter(organisation=organisation)
    if tag:
        counted = counted.filter(topics=tag)
    counts = dict(counted.values_list("stage").annotate(n=Count("pk")).values_list("stage", "n"))
    return [(stage, cards[str(stage)], counts.get(str(stage), 0)) for stage in STAGE_ORDER]


def normalised(text: str) -> str:
    """Lower case without accents or punctuation, so 'Canva-skabeloner' and 'canva skabeloner'
    compare equal; Danish letters are spelled out as they are typed on foreign keyboards."""
    text = text.casefold().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+", text))


def similarity(a: str, b: str) -> float:
    left, right = normalised(a), normalised(b)
    if not left or not right:
        return 0.0
    ratio = difflib.SequenceMatcher(None, left, right).ratio()
    words_a = {w for w in left.split() if len(w) > 2}
    words_b = {w for w in right.split() if len(w) > 2}
    overlap = (
        len(words_a & words_b) / min(len(words_a), len(words_b)) if words_a and words_b else 0.0
    )
    return max(ratio, overlap)


SIMILAR_ENOUGH = 0.6


def similar_discoveries(
    organisation: Organisation, title: str, *, limit: int = 3
) -> list[Discovery]:
    """Existing discoveries whose title resembles `title`, most alike first."""
    if len(normalised(title)) < 3:
        return []
    scored = [
        (similarity(title, d.title), d)
        for d in Discovery.objects.filter(organisation=organisation).only("pk", "title", "stage")
    ]
    scored = [(score, d) for score, d in scored if score >= SIMILAR_ENOUGH]
    scored.sort(key=lambda item: (-item[0], item[1].pk))
    return [d for _score, d in scored[:limit]]


@dataclass(frozen=True)
class Funnel:
    spotted: int
    tried: int
    adopted: int


def funnel(organisation: Organisation, *, since: datetime, until: datetime) -> Funnel:
    """How many discoveries were spotted, taken into trying and adopted in the period."""
    moves = StageChange.objects.filter(
        discovery__organisation=organisation, at__gte=since, at__lt=until
    )

    def count(stage: str) -> Count:
        return Count("discovery", distinct=True, filter=Q(to_stage=stage))

    # The three counts in one query (the board shows them to everyone who opens it).
    counts = moves.aggregate(
        spotted=count(Stage.SPOTTED), tried=count(Stage.TRYING), adopted=count(Stage.ADOPTED)
    )
    return Funnel(**counts)


def summed_effect(organisation: Organisation) -> dict[str, Any]:
    """The effect of everything adopted now: hours and cost summed; benefits in words are
    counted and listed."""
    adopted = Discovery.objects.filter(organisation=organisation, stage=Stage.ADOPTED)
    sums = adopted.aggregate(
        count=Count("pk"), hours=Sum("hours_saved_per_month"), cost=Sum("cost_per_month")
    )
    return {
        "count": sums["count"],
        "hours": sums["hours"] or Decimal(0),
        "cost": sums["cost"] or Decimal(0),
        "benefits": list(adopted.exclude(effect_notes="").values_list("title", "effect_notes")),
    }


def finders_credited(organisation: Organisation) -> QuerySet[Member]:
    """Members who found discoveries, with how many and how many were adopted."""
    return (
        Member.objects.filter(organisation=organisation, discoveries_found__isnull=False)
        .select_related("user")
        .annotate(
            # One join (to the discoveries found), so each row is one discovery: plain counts,
            # not DISTINCT ones (which sorted every group).
            found=Count("discoveries_found"),
            adopted=Count("discoveries_found", filter=Q(discoveries_found__stage=Stage.ADOPTED)),
        )
        .order_by("-adopted", "-found", "user__name")
    )


def scouts_of(organisation: Organisation) -> QuerySet[Scout]:
    return (
        Scout.objects.filter(organisation=organisation)
        .select_related("member__user", "program")
        .order_by("member__user__name", "program__name")
    )


def is_scout(member: Member) -> bool:
    return Scout.objects.filter(member=member).exists()


def finds_of(member: Member) -> QuerySet[Discovery]:
    return discoveries_of(member.organisation).filter(found_by=member).order_by("-created_at")


def has_voted(discovery: Discovery, member: Member) -> bool:
    return Vote.objects.filter(discovery=discovery, member=member).exists()


def comments_of(discovery: Discovery) -> QuerySet[Comment]:
    return discovery.comments.select_related("author__user")


def history_of(discovery: Discovery) -> QuerySet[StageChange]:
    return discovery.history.select_related("by__user")


def personal_data_of(user_id: int) -> dict[str, list[dict[str, Any]]]:
    """A person's own discoveries, comments and votes, for their data export."""
    return {
        "discoveries_found": [
            {
                "organisation": d.organisation.name,
                "title": d.title,
                "kind": d.kind,
                "smarter_work": d.smarter_work,
                "link": d.link,
                "stage": d.stage,
                "created": d.created_at.isoformat(),
            }
            for d in Discovery.objects.filter(found_by__user_id=user_id).select_related(
                "organisation"
            )
        ],
        "discovery_comments": [
            {"discovery": c.discovery.title, "text": c.text, "created": c.created_at.isoformat()}
            for c in Comment.objects.filter(author__user_id=user_id).select_related("discovery")
        ],
        "discovery_votes": [
            {"discovery": v.discovery.title, "created": v.created_at.isoformat()}
            for v in Vote.objects.filter(member__user_id=user_id).select_related("discovery")
        ],
    }
