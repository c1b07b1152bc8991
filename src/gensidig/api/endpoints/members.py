"""Members of the organisation: read; invite, change role, deactivate (as on the members
pages: owners and administrators; only an owner hands out or takes away ownership)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema, Status

from gensidig.accounts import actions
from gensidig.accounts.forms import InviteForm
from gensidig.accounts.models import Invitation, Member, Role
from gensidig.accounts.queries import members_of
from gensidig.api.common import PageOut, Paging, form_data, one, paged
from gensidig.api.core import READ_ERRORS, WRITE_ERRORS, ApiError, caller, conflict

router = Router(tags=["members"])


class MemberOut(Schema):
    id: int
    name: str
    email: str
    role: str
    title: str
    department: str
    manager_id: int | None
    generation: str
    side: str
    languages: list[str]
    is_active: bool
    joined_at: datetime


class MemberPage(PageOut):
    items: list[MemberOut]


class MemberFilters(Paging):
    role: Role | None = None
    department: str | None = None
    is_active: bool | None = None
    q: str | None = None


def member_out(member: Member) -> dict[str, Any]:
    return {
        "id": member.pk,
        "name": member.user.name,
        "email": member.user.email,
        "role": member.role,
        "title": member.title,
        "department": member.department,
        "manager_id": member.manager_id,
        "generation": member.generation,
        "side": member.side,
        "languages": [str(code) for code in member.languages],
        "is_active": member.is_active,
        "joined_at": member.joined_at,
    }


@router.get("/members", response={200: MemberPage, **READ_ERRORS}, url_name="members")
def list_members(request: HttpRequest, filters: Query[MemberFilters]) -> Any:
    rows = members_of(caller(request).organisation)
    if filters.role:
        rows = rows.filter(role=filters.role)
    if filters.department:
        rows = rows.filter(department=filters.department)
    if filters.is_active is not None:
        rows = rows.filter(is_active=filters.is_active)
    if filters.q:
        rows = rows.filter(Q(user__name__icontains=filters.q) | Q(user__email__icontains=filters.q))
    return paged(rows, limit=filters.limit, offset=filters.offset, render=member_out)


@router.get("/members/{member_id}", response={200: MemberOut, **READ_ERRORS}, url_name="member")
def get_member(request: HttpRequest, member_id: int) -> Any:
    return member_out(one(members_of(caller(request).organisation), member_id))


class InviteIn(Schema):
    email: str
    name: str = ""
    role: Role = Role.PARTICIPANT


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    state: str
    expires_at: datetime


@router.post(
    "/invitations",
    response={201: InvitationOut, **WRITE_ERRORS},
    url_name="invitations",
)
def invite_member(request: HttpRequest, payload: InviteIn) -> Any:
    """Invite someone by email, as "Invite a member" does: they get a one-time link."""
    member = caller(request)
    data = form_data(InviteForm(payload.dict(), inviter=member))
    invitation, _token = actions.invite_member(
        organisation=member.organisation,
        email=data["email"],
        name=data["name"],
        role=data["role"],
        invited_by=member,
    )
    return Status(201, invitation_out(invitation))


def invitation_out(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "role": invitation.role,
        "state": str(invitation.state.value),
        "expires_at": invitation.expires_at,
    }


class RoleIn(Schema):
    role: Role


def require_owner_for_owners(member: Member, other: Member, role: str | None = None) -> None:
    if member.role != Role.OWNER and (other.role == Role.OWNER or role == Role.OWNER):
        raise ApiError(
            403, "owner-only", _("Only an owner can change the role of an owner."), field="role"
        )


@router.patch(
    "/members/{member_id}", response={200: MemberOut, **WRITE_ERRORS}, url_name="member_role"
)
def change_role(request: HttpRequest, member_id: int, payload: RoleIn) -> Any:
    member = caller(request)
    other = one(members_of(member.organisation), member_id)
    require_owner_for_owners(member, other, payload.role)
    try:
        actions.change_role(member=other, role=payload.role, by=member, request=request)
    except actions.LastOwnerError as error:
        raise conflict(_("The organisation needs at least one owner."), "last-owner") from error
    return member_out(other)


@router.post(
    "/members/{member_id}/deactivate",
    response={200: MemberOut, **WRITE_ERRORS},
    url_name="member_deactivate",
)
def deactivate_member(request: HttpRequest, member_id: int) -> Any:
    """Switch a member off in this organisation: they keep their account, lose access here."""
    member = caller(request)
    other = one(members_of(member.organisation), member_id)
    require_owner_for_owners(member, other)
    try:
        actions.deactivate_member(member=other, by=member, request=request)
    except actions.LastOwnerError as error:
        raise conflict(_("The organisation needs at least one owner."), "last-owner") from error
    other.refresh_from_db()
    return member_out(other)
