"""Provisioning writes: what a directory's SCIM requests do to members. One transaction
each; every change is in the security log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from scim2_models import (
    Context,
    EnterpriseUser,
    InvalidValueException,
    Manager,
    Meta,
    Name,
    UniquenessException,
)
from scim2_models import Email as ScimEmail

from gensidig.accounts.actions import LastOwnerError, deactivate_member
from gensidig.accounts.models import Member, Organisation, Role, User
from gensidig.accounts.security import log_security_event
from gensidig.identity.models import ScimLink
from gensidig.identity.queries import domain_is_verified, provider_of
from gensidig.identity.scim.resources import ScimUser, dump


def email_of(resource: ScimUser) -> str:
    for email in resource.emails or []:
        if email.primary and email.value:
            return str(email.value).strip().lower()
    for email in resource.emails or []:
        if email.value:
            return str(email.value).strip().lower()
    user_name = (resource.user_name or "").strip().lower()
    return user_name if "@" in user_name else ""


def display_name_of(resource: ScimUser, fallback: str) -> str:
    name = resource.name
    parts = [name.given_name, name.family_name] if name else []
    return (
        (resource.display_name or "").strip()
        or ((name.formatted or "").strip() if name else "")
        or " ".join(p for p in parts if p).strip()
        or fallback
    )[:150]


def to_resource(member: Member, base: str) -> ScimUser:
    """A member as the directory sees it: what it last sent, overlaid with what Gensidig
    holds now (active, department, manager, title, the account's address)."""
    link: ScimLink | None = getattr(member, "scim", None)
    data = dict(link.data) if link is not None else {}
    resource = ScimUser.model_validate(data, scim_ctx=Context.DEFAULT) if data else ScimUser()
    resource.id = str(member.pk)
    resource.external_id = (link.external_id or None) if link is not None else None
    resource.user_name = link.user_name if link is not None else member.user.email
    if link is None:
        # A member the directory has not written yet (invited, imported): what we know.
        resource.display_name = member.user.name
        resource.emails = [ScimEmail(value=member.user.email, primary=True)]
    resource.title = member.title or None
    # Switched off is always said; "active" left out by the directory means active.
    resource.active = (
        member.is_active if (link is None or "active" in data or not member.is_active) else None
    )
    enterprise = EnterpriseUser(
        department=member.department or None,
        manager=(
            Manager(value=str(member.manager_id), ref=f"{base}Users/{member.manager_id}")  # type: ignore[arg-type]
            if member.manager_id
            else None
        ),
    )
    resource[EnterpriseUser] = enterprise
    resource.meta = Meta(
        resource_type="User",
        created=link.created_at if link is not None else member.joined_at,
        last_modified=link.updated_at if link is not None else member.joined_at,
        location=f"{base}Users/{member.pk}",
    )
    return resource


def _kept_data(resource: ScimUser) -> dict[str, Any]:
    data = dump(resource, Context.DEFAULT)
    for key in ("id", "meta", "externalId", "title"):
        data.pop(key, None)
    data.pop("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", None)
    kept: dict[str, Any] = {
        k: data[k]
        for k in ("schemas", "userName", "name", "displayName", "emails", "active")
        if k in data
    }
    if isinstance(kept.get("name"), dict):
        kept["name"] = {
            k: v for k, v in kept["name"].items() if k in {"formatted", "familyName", "givenName"}
        }
    if isinstance(kept.get("emails"), list):
        kept["emails"] = [
            {k: v for k, v in e.items() if k in {"value", "type", "primary"}}
            for e in kept["emails"]
        ]
    return kept


def _manager_for(
    organisation: Organisation, member: Member | None, resource: ScimUser
) -> Member | None:
    enterprise = resource[EnterpriseUser]
    if not enterprise or not enterprise.manager:
        return None
    value = str(enterprise.manager.value or "").strip()
    ref = str(enterprise.manager.ref or "").rstrip("/").rpartition("/")[2]
    candidates = [c for c in (value, ref) if c.isdigit()]
    if not value and not ref:
        return None
    manager = Member.objects.filter(organisation=organisation, pk__in=candidates).first()
    if manager is None:
        raise InvalidValueException(detail=f"No user with id {value} to be the manager.")
    if member is not None:
        seen: set[int] = {member.pk}
        step: Member | None = manager
        while step is not None:
            if step.pk in seen:
                raise InvalidValueException(
                    detail="The manager would make a reporting line a circle."
                )
            seen.add(step.pk)
            step = step.manager
    return manager


def _check_user_name(organisation: Organisation, user_name: str, member: Member | None) -> None:
    taken = ScimLink.objects.filter(
        member__organisation=organisation, user_name__iexact=user_name, removed_at=None
    )
    if member is not None:
        taken = taken.exclude(member=member)
    if not user_name or taken.exists():
        raise UniquenessException(detail="Another user has this userName.")


def _apply(
    member: Member, resource: ScimUser, *, request: HttpRequest | None, created: bool
) -> Member:
    organisation = member.organisation
    enterprise = resource[EnterpriseUser]
    member.title = (resource.title or "")[:150]
    member.department = ((enterprise.department if enterprise else None) or "")[:150]
    member.manager = _manager_for(organisation, member, resource)
    member.save(update_fields=["title", "department", "manager"])
    link, _ = ScimLink.objects.get_or_create(
        member=member, defaults={"user_name": resource.user_name or member.user.email}
    )
    link.user_name = resource.user_name or member.user.email
    link.external_id = (resource.external_id or "")[:200]
    link.data = _kept_data(resource)
    link.removed_at = None
    link.save()
    name = display_name_of(resource, "")
    if name and name != member.user.name and member.user.memberships.count() == 1:
        member.user.name = name
        member.user.save(update_fields=["name"])
    if resource.active is False and member.is_active:
        switch_off(member=member, request=request)
    elif resource.active is not False and not member.is_active:
        member.is_active = True
        member.save(update_fields=["is_active"])
        _log("scim-user-reactivated", member, request)
    if not created:
        _log("scim-user-updated", member, request)
    return Member.objects.select_related("user", "scim").get(pk=member.pk)


def _log(kind: str, member: Member, request: HttpRequest | None) -> None:
    log_security_event(
        kind=kind,
        organisation=member.organisation,
        subject_id=member.user_id,
        request=request,
        details={"member_id": member.pk},
    )


@transaction.atomic
def create_user(
    *, organisation: Organisation, resource: ScimUser, request: HttpRequest | None = None
) -> Member:
    """A user the directory provisions. An account that exists already is linked only when it
    is a member here, or when its address is of a domain this organisation's single sign-on
    vouches for and has verified (DNS); any other existing account is refused (409), so a
    directory cannot claim someone else's account."""
    email = email_of(resource)
    if not email:
        raise InvalidValueException(detail="The user needs an email address (emails or userName).")
    _check_user_name(organisation, resource.user_name or "", None)
    user = User.objects.filter(email__iexact=email).first()
    member: Member | None = None
    if user is not None:
        member = Member.objects.filter(organisation=organisation, user=user).first()
        if member is None:
            provider = provider_of(organisation)
            domain = email.rpartition("@")[2].lower()
            # Only a domain the organisation has proved it owns (DNS): otherwise a directory
            # could link, and then its provider sign in as, anyone of a domain it only named.
            if (
                provider is None
                or domain not in provider.domains
                or not domain_is_verified(domain, organisation)
            ):
                raise UniquenessException(detail="An account with this email exists already.")
        elif ScimLink.objects.filter(member=member, removed_at=None).exists():
            raise UniquenessException(detail="This user exists already.")
    else:
        user = User.objects.create_user(
            email=email, password=None, name=display_name_of(resource, email.partition("@")[0])
        )
    if member is None:
        member = Member.objects.create(organisation=organisation, user=user, role=Role.PARTICIPANT)
    member = _apply(member, resource, request=request, created=True)
    _log("scim-user-created", member, request)
    return member


@transaction.atomic
def replace_user(
    *, member: Member, resource: ScimUser, request: HttpRequest | None = None
) -> Member:
    _check_user_name(member.organisation, resource.user_name or "", member)
    return _apply(member, resource, request=request, created=False)


def switch_off(*, member: Member, request: HttpRequest | None) -> None:
    """Deactivated by the directory: access ends at once (sessions too, see signals), the
    member leaves the programs they are enrolled in; pairs, meetings and reflections stay
    as history."""
    from gensidig.programs.models import Enrolment, EnrolmentStatus

    try:
        deactivate_member(member=member, request=request)
    except LastOwnerError as error:
        raise InvalidValueException(
            detail="The organisation's last owner cannot be switched off."
        ) from error
    Enrolment.objects.filter(
        member=member, status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.INVITED]
    ).exclude(program__state="closed").update(status=EnrolmentStatus.WITHDRAWN)
    _log("scim-user-deactivated", member, request)


@transaction.atomic
def delete_user(*, member: Member, request: HttpRequest | None = None) -> None:
    if member.is_active:
        switch_off(member=member, request=request)
    ScimLink.objects.update_or_create(
        member=member,
        defaults={"removed_at": timezone.now(), "user_name": member.user.email},
    )
    _log("scim-user-deleted", member, request)


__all__ = ["Name", "create_user", "delete_user", "replace_user", "to_resource"]
