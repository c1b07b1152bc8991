"""Matching rounds, their proposals, and pairs: the figures and reasons as on the matching
page; for pairs the partners, state, health and dates, never what the pair wrote."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone, translation
from ninja import Query, Router, Schema, Status

from gensidig.api.common import MAX_ID, PageOut, Paging, one, paged
from gensidig.api.core import READ_ERRORS, WRITE_ERRORS, caller, conflict
from gensidig.api.endpoints.programs import program_of
from gensidig.matching import actions, queries
from gensidig.matching.models import Pair, Proposal, Round
from gensidig.meetings.health import HealthState
from gensidig.meetings.queries import PairRow, PairStatus, pair_rows, program_pairs, status_of
from gensidig.programs.models import Enrolment

router = Router(tags=["matching"])


def language() -> str:
    return "en" if (translation.get_language() or "da").startswith("en") else "da"


class FiguresOut(Schema):
    pairs: int
    both_ways: int
    one_sided: int
    lowest: float | None
    match_rate: float | None
    wish_share: float | None
    gap_percent: float


class UnmatchedOut(Schema):
    enrolment_id: int
    name: str
    code: str
    reason: str


class RoundOut(Schema):
    id: int
    program_id: int
    number: int
    status: str
    progress: int
    participants: int
    started_at: datetime
    finished_at: datetime | None
    published_at: datetime | None
    objective: float | None
    bound: float | None
    gap: float | None
    figures: FiguresOut
    unmatched: list[UnmatchedOut]


class RoundPage(PageOut):
    items: list[RoundOut]


def round_out(matching_round: Round) -> dict[str, Any]:
    lang = language()
    names = {row["enrolment"]: row for row in matching_round.unmatched if isinstance(row, dict)}
    shown = queries.unmatched_rows(matching_round, lang)
    return {
        "id": matching_round.pk,
        "program_id": matching_round.program_id,
        "number": matching_round.number,
        "status": matching_round.status,
        "progress": matching_round.progress,
        "participants": matching_round.participants,
        "started_at": matching_round.started_at,
        "finished_at": matching_round.finished_at,
        "published_at": matching_round.published_at,
        "objective": matching_round.objective,
        "bound": matching_round.bound,
        "gap": matching_round.gap,
        "figures": queries.round_figures(matching_round),
        "unmatched": [
            {
                "enrolment_id": row["enrolment"],
                "name": text["name"],
                "code": str(names[row["enrolment"]].get("code", "")),
                "reason": text["reason"],
            }
            for row, text in zip(matching_round.unmatched, shown, strict=True)
        ],
    }


class RoundFilters(Paging):
    status: Round.Status | None = None


@router.get(
    "/programs/{program_id}/rounds", response={200: RoundPage, **READ_ERRORS}, url_name="rounds"
)
def list_rounds(request: HttpRequest, program_id: int, filters: Query[RoundFilters]) -> Any:
    program = program_of(request, program_id)
    rows = queries.rounds_of(program)
    if filters.status:
        rows = rows.filter(status=filters.status)
    return paged(rows, limit=filters.limit, offset=filters.offset, render=round_out)


def rounds_of_org(request: HttpRequest) -> Any:
    return Round.objects.filter(program__organisation_id=caller(request).organisation_id)


@router.get("/rounds/{round_id}", response={200: RoundOut, **READ_ERRORS}, url_name="round")
def get_round(request: HttpRequest, round_id: int) -> Any:
    return round_out(one(rounds_of_org(request), round_id))


@router.post(
    "/programs/{program_id}/rounds",
    response={201: RoundOut, **WRITE_ERRORS},
    url_name="round_create",
)
def run_round(request: HttpRequest, program_id: int) -> Any:
    """Run a matching round: at once for a cohort up to a few thousand, else in the
    background (poll the round until its status is `done`)."""
    program = program_of(request, program_id)
    try:
        matching_round = actions.start_round(program=program, by=caller(request))
    except actions.MatchingError as error:
        raise conflict(error, "not-matching") from error
    matching_round.refresh_from_db()
    return Status(201, round_out(matching_round))


class PublishedOut(Schema):
    round: RoundOut
    published: int


@router.post(
    "/rounds/{round_id}/publish",
    response={200: PublishedOut, **WRITE_ERRORS},
    url_name="round_publish",
)
def publish_round(request: HttpRequest, round_id: int) -> Any:
    """Publish the round's draft proposals: both partners of each get an email."""
    matching_round = one(rounds_of_org(request).select_related("program"), round_id)
    try:
        count = actions.publish_round(matching_round=matching_round)
    except actions.MatchingError as error:
        raise conflict(error, "not-matching") from error
    matching_round.refresh_from_db()
    return {"round": round_out(matching_round), "published": count}


# --- Proposals ----------------------------------------------------------------------------


class PartnerOut(Schema):
    enrolment_id: int
    member_id: int | None
    name: str
    side: str


class PartOut(Schema):
    label: str
    value: float


class ProposalOut(Schema):
    id: int
    round_id: int
    program_id: int
    a: PartnerOut
    b: PartnerOut
    score: float
    parts: list[PartOut]
    a_teaches_b: list[str]
    b_teaches_a: list[str]
    reasons: str
    status: str
    locked: bool
    manual: bool
    a_answer: str
    b_answer: str
    published_at: datetime | None
    decided_at: datetime | None


class ProposalPage(PageOut):
    items: list[ProposalOut]


class ProposalFilters(Paging):
    status: Proposal.Status | None = None
    round_id: int | None = Query(None, ge=1, le=MAX_ID)


def partner_out(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "enrolment_id": enrolment.pk,
        "member_id": enrolment.member_id,
        "name": enrolment.display_name,
        "side": enrolment.side,
    }


def proposal_out(proposal: Proposal) -> dict[str, Any]:
    explanation = queries.explained(proposal, language())
    return {
        "id": proposal.pk,
        "round_id": proposal.round_id,
        "program_id": proposal.program_id,
        "a": partner_out(proposal.a),
        "b": partner_out(proposal.b),
        "score": proposal.score,
        "parts": [{"label": label, "value": value} for label, value in explanation["parts"]],
        "a_teaches_b": explanation["a_to_b"],
        "b_teaches_a": explanation["b_to_a"],
        "reasons": explanation["reasons"],
        "status": proposal.status,
        "locked": proposal.locked,
        "manual": proposal.manual,
        "a_answer": proposal.a_answer,
        "b_answer": proposal.b_answer,
        "published_at": proposal.published_at,
        "decided_at": proposal.decided_at,
    }


@router.get(
    "/programs/{program_id}/proposals",
    response={200: ProposalPage, **READ_ERRORS},
    url_name="proposals",
)
def list_proposals(request: HttpRequest, program_id: int, filters: Query[ProposalFilters]) -> Any:
    """The proposals that still count (superseded drafts left out), best score first."""
    program = program_of(request, program_id)
    rows = queries.current_proposals(program).select_related("program__organisation")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.round_id is not None:
        rows = rows.filter(round_id=filters.round_id)
    return paged(rows, limit=filters.limit, offset=filters.offset, render=proposal_out)


@router.get(
    "/proposals/{proposal_id}", response={200: ProposalOut, **READ_ERRORS}, url_name="proposal"
)
def get_proposal(request: HttpRequest, proposal_id: int) -> Any:
    rows = Proposal.objects.filter(
        program__organisation_id=caller(request).organisation_id
    ).select_related("a__member__user", "b__member__user", "program__organisation")
    return proposal_out(one(rows, proposal_id))


# --- Pairs --------------------------------------------------------------------------------


class HealthOut(Schema):
    state: str
    reason: str


class PairOut(Schema):
    id: int
    program_id: int
    a: PartnerOut
    b: PartnerOut
    state: str
    health: HealthOut
    created_at: datetime
    ended_at: datetime | None
    last_met_at: datetime | None
    next_meeting_at: datetime | None
    meetings_held: int


class PairPage(PageOut):
    items: list[PairOut]


class PairFilters(Paging):
    health: HealthState | None = None


def pair_out(row: PairStatus | PairRow) -> dict[str, Any]:
    pair = row.pair
    return {
        "id": pair.pk,
        "program_id": pair.program_id,
        "a": partner_out(pair.a),
        "b": partner_out(pair.b),
        "state": "ended" if pair.ended_at else "active",
        "health": {"state": str(row.health.state.value), "reason": row.health.reason},
        "created_at": pair.created_at,
        "ended_at": pair.ended_at,
        "last_met_at": row.last_met_at,
        "next_meeting_at": row.next_meeting_at,
        "meetings_held": row.held,
    }


@router.get(
    "/programs/{program_id}/pairs", response={200: PairPage, **READ_ERRORS}, url_name="pairs"
)
def list_pairs(request: HttpRequest, program_id: int, filters: Query[PairFilters]) -> Any:
    """The program's pairs, the ones that need help first, as the pairs page lists them."""
    now = timezone.now()
    pairs = program_pairs(program_of(request, program_id), now, health=str(filters.health or ""))
    window = pair_rows(pairs[filters.offset : filters.offset + filters.limit], now)
    return {
        "count": pairs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [pair_out(row) for row in window],
    }


@router.get("/pairs/{pair_id}", response={200: PairOut, **READ_ERRORS}, url_name="pair")
def get_pair(request: HttpRequest, pair_id: int) -> Any:
    rows = Pair.objects.filter(
        program__organisation_id=caller(request).organisation_id
    ).select_related("program", "a__member__user", "b__member__user")
    return pair_out(status_of(one(rows, pair_id)))
