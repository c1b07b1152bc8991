"""Discoveries and scouts: read; create, comment, support and move a discovery with the
same rules as the board (only administrators and its sponsor move it)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status

from gensidig.api.common import MAX_ID, PageOut, Paging, form_data, ids, one, paged
from gensidig.api.core import READ_ERRORS, WRITE_ERRORS, ApiError, caller, conflict
from gensidig.api.endpoints.programs import _querydict, form_fields
from gensidig.discoveries import actions, queries, rules
from gensidig.discoveries.forms import MOVE_FORMS, CommentForm, DiscoveryForm
from gensidig.discoveries.models import Discovery, Kind, Stage

router = Router(tags=["discoveries"])


class DiscoveryOut(Schema):
    id: int
    title: str
    kind: str
    smarter_work: str
    link: str
    stage: str
    stage_changed_at: datetime
    found_by_id: int | None
    sponsor_id: int | None
    owner_id: int | None
    topic_ids: list[int]
    plan_what: str
    plan_until: date | None
    plan_success: str
    hours_saved_per_month: float | None
    cost_per_month: float | None
    supporters: int
    comments: int
    created_at: datetime
    allowed_moves: list[str]


class DiscoveryPage(PageOut):
    items: list[DiscoveryOut]


class DiscoveryFilters(Paging):
    stage: Stage | None = None
    kind: Kind | None = None
    topic_id: int | None = Query(None, ge=1, le=MAX_ID)
    q: str | None = None


def number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def discovery_out(discovery: Discovery) -> dict[str, Any]:
    return {
        "id": discovery.pk,
        "title": discovery.title,
        "kind": discovery.kind,
        "smarter_work": discovery.smarter_work,
        "link": discovery.link,
        "stage": discovery.stage,
        "stage_changed_at": discovery.stage_changed_at,
        "found_by_id": discovery.found_by_id,
        "sponsor_id": discovery.sponsor_id,
        "owner_id": discovery.owner_id,
        "topic_ids": ids(discovery.topics.all()),
        "plan_what": discovery.plan_what,
        "plan_until": discovery.plan_until,
        "plan_success": discovery.plan_success,
        "hours_saved_per_month": number(discovery.hours_saved_per_month),
        "cost_per_month": number(discovery.cost_per_month),
        "supporters": getattr(discovery, "support", 0),
        "comments": getattr(discovery, "comment_count", 0),
        "created_at": discovery.created_at,
        "allowed_moves": list(rules.allowed_moves(discovery)),
    }


def discoveries_of(request: HttpRequest) -> Any:
    return (
        queries.discoveries_of(caller(request).organisation)
        .annotate(comment_count=Count("comments", distinct=True))
        .order_by("-created_at", "-pk")
    )


@router.get("/discoveries", response={200: DiscoveryPage, **READ_ERRORS}, url_name="discoveries")
def list_discoveries(request: HttpRequest, filters: Query[DiscoveryFilters]) -> Any:
    rows = discoveries_of(request)
    if filters.stage:
        rows = rows.filter(stage=filters.stage)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.topic_id is not None:
        rows = rows.filter(topics=filters.topic_id)
    if filters.q:
        rows = rows.filter(Q(title__icontains=filters.q) | Q(smarter_work__icontains=filters.q))
    return paged(rows, limit=filters.limit, offset=filters.offset, render=discovery_out)


@router.get(
    "/discoveries/{discovery_id}",
    response={200: DiscoveryOut, **READ_ERRORS},
    url_name="discovery",
)
def get_discovery(request: HttpRequest, discovery_id: int) -> Any:
    return discovery_out(one(discoveries_of(request), discovery_id))


class DiscoveryIn(Schema):
    title: str
    kind: Kind
    smarter_work: str
    link: str = ""
    topic_ids: list[int] = []


@router.post(
    "/discoveries", response={201: DiscoveryOut, **WRITE_ERRORS}, url_name="discovery_create"
)
def create_discovery(request: HttpRequest, payload: DiscoveryIn) -> Any:
    """Share a discovery as the token's creator, the finder."""
    member = caller(request)
    values = payload.dict()
    values["topics"] = values.pop("topic_ids")
    form = DiscoveryForm(
        _querydict(form_fields(values)), organisation=member.organisation, member=member
    )
    data = form_data(form)
    discovery = actions.submit_discovery(
        organisation=member.organisation,
        by=member,
        title=data["title"],
        kind=data["kind"],
        smarter_work=data["smarter_work"],
        link=data["link"],
        topics=data["topics"],
    )
    return Status(201, discovery_out(one(discoveries_of(request), discovery.pk)))


class CommentIn(Schema):
    text: str


class CommentOut(Schema):
    id: int
    discovery_id: int
    author_id: int | None
    created_at: datetime


@router.post(
    "/discoveries/{discovery_id}/comments",
    response={201: CommentOut, **WRITE_ERRORS},
    url_name="discovery_comment",
)
def comment(request: HttpRequest, discovery_id: int, payload: CommentIn) -> Any:
    member = caller(request)
    discovery = one(discoveries_of(request), discovery_id)
    data = form_data(CommentForm(payload.dict()))
    try:
        written = actions.add_comment(discovery=discovery, by=member, text=data["text"])
    except actions.DiscoveryError as error:
        raise ApiError(422, "invalid", str(error), field="text") from error
    return Status(
        201,
        {
            "id": written.pk,
            "discovery_id": discovery.pk,
            "author_id": written.author_id,
            "created_at": written.created_at,
        },
    )


class SupportOut(Schema):
    discovery: DiscoveryOut
    added: bool


@router.post(
    "/discoveries/{discovery_id}/support",
    response={200: SupportOut, **WRITE_ERRORS},
    url_name="discovery_support",
)
def support(request: HttpRequest, discovery_id: int) -> Any:
    """Add the token creator's vote (one per member; again changes nothing)."""
    discovery = one(discoveries_of(request), discovery_id)
    added = actions.support_discovery(discovery=discovery, by=caller(request))
    return {"discovery": discovery_out(one(discoveries_of(request), discovery_id)), "added": added}


class MoveIn(Schema):
    to: Stage
    reason: str = ""
    sponsor_id: int | None = None
    owner_id: int | None = None
    plan_what: str = ""
    plan_until: date | None = None
    plan_success: str = ""
    hours_saved_per_month: float | None = None
    cost_per_month: float | None = None
    effect_notes: str = ""


@router.post(
    "/discoveries/{discovery_id}/moves",
    response={200: DiscoveryOut, **WRITE_ERRORS},
    url_name="discovery_move",
)
def move(request: HttpRequest, discovery_id: int, payload: MoveIn) -> Any:
    """Move a discovery to another stage. To `trying` needs an owner and the plan, to
    `dropped` a reason; `adopted` may carry the effect. A move the rules do not allow
    answers 409 with the reason."""
    member = caller(request)
    discovery = one(discoveries_of(request), discovery_id)
    if not rules.can_move(member, discovery):
        raise ApiError(
            403,
            "forbidden",
            _("Only an administrator or the discovery's sponsor can move it to another stage."),
        )
    if payload.to not in rules.allowed_moves(discovery):
        raise conflict(
            _("A discovery cannot move from %(from)s to %(to)s.")
            % {"from": Stage(discovery.stage).label, "to": Stage(payload.to).label},
            "move-not-allowed",
        )
    form_class: Any = MOVE_FORMS.get(payload.to)
    data: dict[str, Any] = {}
    if form_class is not None:
        values = payload.dict(exclude={"to"})
        values["sponsor"] = values.pop("sponsor_id") or (
            discovery.sponsor_id or member.pk if payload.to == Stage.TRYING else None
        )
        values["owner"] = values.pop("owner_id") or (
            discovery.owner_id or discovery.found_by_id if payload.to == Stage.TRYING else None
        )
        form = form_class(_querydict(form_fields(values)), organisation=member.organisation)
        data = form_data(form)
    try:
        actions.move_discovery(discovery=discovery, by=member, to=payload.to, **data)
    except actions.DiscoveryError as error:
        raise conflict(error, "move-not-allowed") from error
    return discovery_out(one(discoveries_of(request), discovery_id))


class ScoutOut(Schema):
    id: int
    member_id: int
    name: str
    program_id: int | None
    created_at: datetime


class ScoutPage(PageOut):
    items: list[ScoutOut]


class ScoutFilters(Paging):
    program_id: int | None = Query(None, ge=1, le=MAX_ID)


@router.get("/scouts", response={200: ScoutPage, **READ_ERRORS}, url_name="scouts")
def list_scouts(request: HttpRequest, filters: Query[ScoutFilters]) -> Any:
    rows = queries.scouts_of(caller(request).organisation)
    if filters.program_id is not None:
        rows = rows.filter(program_id=filters.program_id)
    return paged(
        rows,
        limit=filters.limit,
        offset=filters.offset,
        render=lambda scout: {
            "id": scout.pk,
            "member_id": scout.member_id,
            "name": scout.member.user.name,
            "program_id": scout.program_id,
            "created_at": scout.created_at,
        },
    )
