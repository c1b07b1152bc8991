"""Topics, programs with their charter, and enrolments: read; write as the programs pages
do (owners and administrators), through `programs.actions` and the UI's own forms."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status

from gensidig.accounts.models import Member
from gensidig.api.common import PageOut, Paging, form_data, ids, one, paged
from gensidig.api.core import READ_ERRORS, WRITE_ERRORS, ApiError, caller, conflict
from gensidig.programs import actions, queries
from gensidig.programs.forms import ProgramForm, TopicForm
from gensidig.programs.models import (
    Direction,
    Enrolment,
    EnrolmentStatus,
    Mode,
    Program,
    Side,
    State,
    Topic,
)
from gensidig.programs.rules import PAIRING_RULE_FIELDS, TRANSITIONS, ProgramStateError

router = Router(tags=["programs"])

# --- Topics -------------------------------------------------------------------------------


class TopicOut(Schema):
    id: int
    slug: str
    name_da: str
    name_en: str
    direction: str
    retired: bool
    merged_into_id: int | None


class TopicPage(PageOut):
    items: list[TopicOut]


class TopicFilters(Paging):
    direction: Direction | None = None
    retired: bool | None = None
    q: str | None = None


def topic_out(topic: Topic) -> dict[str, Any]:
    return {
        "id": topic.pk,
        "slug": topic.slug,
        "name_da": topic.name_da,
        "name_en": topic.name_en,
        "direction": topic.direction,
        "retired": topic.retired,
        "merged_into_id": topic.merged_into_id,
    }


def topics_of(member: Member) -> Any:
    return Topic.objects.filter(organisation_id=member.organisation_id).order_by("name_da", "pk")


@router.get("/topics", response={200: TopicPage, **READ_ERRORS}, url_name="topics")
def list_topics(request: HttpRequest, filters: Query[TopicFilters]) -> Any:
    member = caller(request)
    actions.seed_topics(organisation=member.organisation)
    rows = topics_of(member)
    if filters.direction:
        rows = rows.filter(direction=filters.direction)
    if filters.retired is not None:
        rows = rows.filter(retired=filters.retired)
    if filters.q:
        rows = rows.filter(Q(name_da__icontains=filters.q) | Q(name_en__icontains=filters.q))
    return paged(rows, limit=filters.limit, offset=filters.offset, render=topic_out)


@router.get("/topics/{topic_id}", response={200: TopicOut, **READ_ERRORS}, url_name="topic")
def get_topic(request: HttpRequest, topic_id: int) -> Any:
    return topic_out(one(topics_of(caller(request)), topic_id))


class TopicIn(Schema):
    name_da: str
    name_en: str
    direction: Direction = Direction.BOTH


@router.post("/topics", response={201: TopicOut, **WRITE_ERRORS}, url_name="topic_create")
def create_topic(request: HttpRequest, payload: TopicIn) -> Any:
    member = caller(request)
    data = form_data(TopicForm(payload.dict()))
    topic = actions.add_topic(organisation=member.organisation, **data)
    return Status(201, topic_out(topic))


class TopicPatch(Schema):
    name_da: str | None = None
    name_en: str | None = None
    direction: Direction | None = None
    retired: bool | None = None


@router.patch("/topics/{topic_id}", response={200: TopicOut, **WRITE_ERRORS}, url_name="topic_edit")
def change_topic(request: HttpRequest, topic_id: int, payload: TopicPatch) -> Any:
    """Rename a topic, change its direction, retire it or bring it back."""
    topic = one(topics_of(caller(request)), topic_id)
    changes = payload.dict(exclude_none=True)
    if {"name_da", "name_en", "direction"} & changes.keys():
        data = form_data(
            TopicForm(
                {
                    "name_da": changes.get("name_da", topic.name_da),
                    "name_en": changes.get("name_en", topic.name_en),
                    "direction": changes.get("direction", topic.direction),
                }
            )
        )
        topic = actions.rename_topic(topic=topic, **data)
    if "retired" in changes:
        topic = actions.retire_topic(topic=topic, retired=changes["retired"])
    return topic_out(topic)


# --- Programs -----------------------------------------------------------------------------


class ProgramOut(Schema):
    id: int
    name: str
    purpose: str
    state: str
    mode: str
    sponsor_id: int | None
    starts_on: date
    ends_on: date
    cadence_weeks: int
    meeting_minutes: int
    capacity: int
    reporting_line_depth: int
    shared_language: bool
    different_department: bool
    exclude_same_manager: bool
    forbid_repeat: bool
    min_generation_gap: int
    themes_young_to_experienced: list[int]
    themes_experienced_to_young: list[int]
    ground_rules: list[str]
    created_at: datetime


class ProgramPage(PageOut):
    items: list[ProgramOut]


class ProgramFilters(Paging):
    state: State | None = None


def program_out(program: Program) -> dict[str, Any]:
    return {
        "id": program.pk,
        "name": program.name,
        "purpose": program.purpose,
        "state": program.state,
        "mode": program.mode,
        "sponsor_id": program.sponsor_id,
        "starts_on": program.starts_on,
        "ends_on": program.ends_on,
        "cadence_weeks": program.cadence_weeks,
        "meeting_minutes": program.meeting_minutes,
        "capacity": program.capacity,
        "reporting_line_depth": program.reporting_line_depth,
        "shared_language": program.shared_language,
        "different_department": program.different_department,
        "exclude_same_manager": program.exclude_same_manager,
        "forbid_repeat": program.forbid_repeat,
        "min_generation_gap": program.min_generation_gap,
        "themes_young_to_experienced": ids(program.themes_young_to_experienced.all()),
        "themes_experienced_to_young": ids(program.themes_experienced_to_young.all()),
        "ground_rules": program.ground_rule_lines,
        "created_at": program.created_at,
    }


def programs_of(member: Member) -> Any:
    return (
        Program.objects.filter(organisation_id=member.organisation_id)
        .prefetch_related("themes_young_to_experienced", "themes_experienced_to_young")
        .order_by("-starts_on", "name", "pk")
    )


def program_of(request: HttpRequest, program_id: int) -> Program:
    program: Program = one(programs_of(caller(request)), program_id)
    return program


@router.get("/programs", response={200: ProgramPage, **READ_ERRORS}, url_name="programs")
def list_programs(request: HttpRequest, filters: Query[ProgramFilters]) -> Any:
    rows = programs_of(caller(request))
    if filters.state:
        rows = rows.filter(state=filters.state)
    return paged(rows, limit=filters.limit, offset=filters.offset, render=program_out)


@router.get("/programs/{program_id}", response={200: ProgramOut, **READ_ERRORS}, url_name="program")
def get_program(request: HttpRequest, program_id: int) -> Any:
    return program_out(program_of(request, program_id))


class CharterIn(Schema):
    name: str
    starts_on: date
    ends_on: date
    purpose: str = ""
    sponsor_id: int | None = None
    cadence_weeks: int = 4
    meeting_minutes: int = 60
    mode: Mode = Mode.REVERSE
    capacity: int = 1
    reporting_line_depth: int = 2
    shared_language: bool = True
    different_department: bool = False
    exclude_same_manager: bool = False
    forbid_repeat: bool = True
    min_generation_gap: int = 1
    ground_rules: str = ""
    themes_young_to_experienced: list[int] = []
    themes_experienced_to_young: list[int] = []


class CharterPatch(Schema):
    name: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    purpose: str | None = None
    sponsor_id: int | None = None
    cadence_weeks: int | None = None
    meeting_minutes: int | None = None
    mode: Mode | None = None
    capacity: int | None = None
    reporting_line_depth: int | None = None
    shared_language: bool | None = None
    different_department: bool | None = None
    exclude_same_manager: bool | None = None
    forbid_repeat: bool | None = None
    min_generation_gap: int | None = None
    ground_rules: str | None = None
    themes_young_to_experienced: list[int] | None = None
    themes_experienced_to_young: list[int] | None = None


def form_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The JSON charter as the program form's fields (booleans left out when false, as a
    browser leaves an unticked box out)."""
    data: dict[str, Any] = {}
    for name, value in values.items():
        key = "sponsor" if name == "sponsor_id" else name
        if isinstance(value, bool):
            if value:
                data[key] = "on"
        elif value is None:
            data[key] = ""
        elif isinstance(value, list):
            data[key] = [str(item) for item in value]
        else:
            data[key] = str(value)
    return data


def current_charter(program: Program) -> dict[str, Any]:
    out = program_out(program)
    names = CharterIn.model_fields.keys()
    values = {name: out[name] for name in names if name in out and name != "ground_rules"}
    values["ground_rules"] = program.ground_rules
    return values


@router.post("/programs", response={201: ProgramOut, **WRITE_ERRORS}, url_name="program_create")
def create_program(request: HttpRequest, payload: CharterIn) -> Any:
    member = caller(request)
    actions.seed_topics(organisation=member.organisation)
    form = ProgramForm(_querydict(form_fields(payload.dict())), member=member)
    data = form_data(form)
    assert data is not None
    program = actions.create_program(organisation=member.organisation, charter=form.charter())
    return Status(201, program_out(program_of(request, program.pk)))


@router.patch(
    "/programs/{program_id}", response={200: ProgramOut, **WRITE_ERRORS}, url_name="program_edit"
)
def change_charter(request: HttpRequest, program_id: int, payload: CharterPatch) -> Any:
    """Change the charter; the pairing rules are fixed once matching has started (409)."""
    member = caller(request)
    program = program_of(request, program_id)
    changes = payload.dict(exclude_unset=True)
    form = ProgramForm(
        _querydict(form_fields({**current_charter(program), **changes})),
        instance=program,
        member=member,
    )
    if form.rules_reason is not None and set(changes) & set(PAIRING_RULE_FIELDS):
        raise conflict(form.rules_reason, "pairing-rules-fixed")
    form_data(form)
    try:
        actions.update_charter(program=program, charter=form.charter())
    except ProgramStateError as error:
        raise conflict(error.reason) from error
    return program_out(program_of(request, program_id))


def _querydict(data: dict[str, Any]) -> Any:
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            query.setlist(key, value)
        else:
            query[key] = value
    return query


class StepIn(Schema):
    step: str


@router.post(
    "/programs/{program_id}/state",
    response={200: ProgramOut, **WRITE_ERRORS},
    url_name="program_state",
)
def move_program(request: HttpRequest, program_id: int, payload: StepIn) -> Any:
    """Move the program on: `open_enrolment`, `start_matching`, `start_running` or
    `close_program`. A step that is not possible answers 409 with the reason."""
    member = caller(request)
    program = program_of(request, program_id)
    if payload.step not in TRANSITIONS:
        raise ApiError(
            422,
            "invalid",
            _("Choose one of: %(steps)s.") % {"steps": ", ".join(TRANSITIONS)},
            field="step",
        )
    try:
        if payload.step == "close_program":
            actions.close_program(program=program, by=member)
        else:
            actions.STATE_ACTIONS[payload.step](program=program)
    except ProgramStateError as error:
        raise conflict(error.reason, "step-not-possible") from error
    return program_out(program_of(request, program_id))


# --- Enrolments ---------------------------------------------------------------------------


class EnrolmentOut(Schema):
    id: int
    program_id: int
    member_id: int | None
    name: str
    side: str
    status: str
    created_at: datetime
    enrolled_at: datetime | None
    profile_complete: bool


class EnrolmentPage(PageOut):
    items: list[EnrolmentOut]


class EnrolmentFilters(Paging):
    status: EnrolmentStatus | None = None
    side: Side | None = None


def enrolment_out(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "id": enrolment.pk,
        "program_id": enrolment.program_id,
        "member_id": enrolment.member_id,
        "name": enrolment.display_name,
        "side": enrolment.side,
        "status": enrolment.status,
        "created_at": enrolment.created_at,
        "enrolled_at": enrolment.enrolled_at,
        "profile_complete": enrolment.profile_complete,
    }


@router.get(
    "/programs/{program_id}/enrolments",
    response={200: EnrolmentPage, **READ_ERRORS},
    url_name="enrolments",
)
def list_enrolments(request: HttpRequest, program_id: int, filters: Query[EnrolmentFilters]) -> Any:
    program = program_of(request, program_id)
    rows = queries.enrolments_of(program).order_by("created_at", "pk")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.side:
        rows = rows.filter(side=filters.side)
    return paged(rows, limit=filters.limit, offset=filters.offset, render=enrolment_out)


class EnrolIn(Schema):
    member_id: int | None = None
    email: str | None = None
    name: str = ""
    side: Side | None = None


@router.post(
    "/programs/{program_id}/enrolments",
    response={201: EnrolmentOut, **WRITE_ERRORS},
    url_name="enrolment_create",
)
def enrol(request: HttpRequest, program_id: int, payload: EnrolIn) -> Any:
    """Invite a member (`member_id`) or a person by `email` to the program, as the program's
    enrolment page does; they enrol themselves from the invitation."""
    member = caller(request)
    program = program_of(request, program_id)
    side = payload.side.value if payload.side else ""
    try:
        if payload.member_id is not None:
            other = one(
                Member.objects.filter(organisation_id=member.organisation_id, is_active=True),
                payload.member_id,
            )
            enrolment = actions.invite_to_program(
                program=program, member=other, invited_by=member, side=side
            )
        elif payload.email:
            from gensidig.programs.forms import InviteByEmailForm

            data = form_data(
                InviteByEmailForm({"email": payload.email, "name": payload.name, "side": side})
            )
            enrolment = actions.invite_person_to_program(
                program=program,
                email=data["email"],
                name=data["name"],
                side=data["side"],
                invited_by=member,
            )
        else:
            raise ApiError(422, "invalid", _("Give a member_id or an email."), field="member_id")
    except ProgramStateError as error:
        raise conflict(error.reason, "enrolment-closed") from error
    return Status(201, enrolment_out(enrolment))


@router.post(
    "/enrolments/{enrolment_id}/withdraw",
    response={200: EnrolmentOut, **WRITE_ERRORS},
    url_name="enrolment_withdraw",
)
def withdraw(request: HttpRequest, enrolment_id: int) -> Any:
    member = caller(request)
    enrolment = one(
        Enrolment.objects.filter(program__organisation_id=member.organisation_id).select_related(
            "member__user"
        ),
        enrolment_id,
    )
    return enrolment_out(actions.withdraw_enrolment(enrolment=enrolment))
