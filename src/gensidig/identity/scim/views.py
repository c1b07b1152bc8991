"""SCIM 2.0 at /scim/v2/, thin views over scim2-models: the models parse and validate every
request (resources, PatchOp, filters) and produce every response; the views find the
organisation by its bearer token and call the provisioning actions."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    InvalidFilterException,
    InvalidSyntaxException,
    InvalidValueException,
    ListResponse,
    NotFoundException,
    PatchOp,
    ResourceType,
    Schema,
    SCIMException,
    ScimFilter,
    SearchRequest,
    UnauthorizedException,
)

from gensidig.accounts.models import Member, Organisation
from gensidig.identity.models import ScimToken
from gensidig.identity.scim import actions
from gensidig.identity.scim.resources import (
    MAX_RESULTS,
    ScimUser,
    dump,
    resource_types,
    schemas,
    service_provider_config,
)

CONTENT_TYPE = "application/scim+json"
View = Callable[..., HttpResponse]


def scim_response(data: dict[str, Any] | None, status: int = 200, **headers: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data) if data is not None else b"", status=status, content_type=CONTENT_TYPE
    )
    for key, value in headers.items():
        response[key] = value
    return response


def error_response(error: SCIMException) -> HttpResponse:
    body: Error = error.to_error()
    return scim_response(body.model_dump(), status=int(error.status))


def organisation_for(request: HttpRequest) -> Organisation:
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise UnauthorizedException(detail="A bearer token is needed.")
    token = ScimToken.matching(raw).filter(revoked_at=None).select_related("organisation").first()
    if token is None:
        raise UnauthorizedException(detail="The token is not valid.")
    token.record_use()
    return token.organisation


class MethodNotAllowed(SCIMException):
    status = 405
    _default_detail = "This method is not allowed here."


def scim_view(view: View, methods: frozenset[str] | None = None) -> View:
    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            organisation = organisation_for(request)
            if methods is not None and request.method not in methods:
                raise MethodNotAllowed
            return view(request, organisation, *args, **kwargs)
        except SCIMException as error:
            return error_response(error)
        except ValidationError as error:
            return error_response(InvalidValueException(detail=_first_problem(error)))

    return wrapped


def _first_problem(error: ValidationError) -> str:
    problems = error.errors()
    if not problems:
        return "The request is not valid."
    first = problems[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    return f"{where}: {first.get('msg', '')}".strip(": ")


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("scim:root"))


def body_of(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as error:
        raise InvalidSyntaxException(detail="The body is not JSON.") from error
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail="The body is not a JSON object.")
    return data


ENTERPRISE_KEY = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def with_manager_ref(value: Any, base: str) -> Any:
    """Directories send the manager as an id, or as {"value": id} without the "$ref" that the
    enterprise schema marks required (Entra ID does both): complete it before validating."""
    if isinstance(value, str | int):
        value = {"value": str(value)}
    if isinstance(value, dict) and value.get("value") and not value.get("$ref"):
        value = {**value, "$ref": f"{base}Users/{value['value']}"}
    return value


def completed(data: dict[str, Any], base: str) -> dict[str, Any]:
    enterprise = data.get(ENTERPRISE_KEY)
    if isinstance(enterprise, dict) and enterprise.get("manager"):
        data[ENTERPRISE_KEY] = {
            **enterprise,
            "manager": with_manager_ref(enterprise["manager"], base),
        }
    for operation in data.get("Operations") or []:
        if not isinstance(operation, dict):
            continue
        path = str(operation.get("path") or "")
        if path.endswith("manager") and operation.get("value"):
            operation["value"] = with_manager_ref(operation["value"], base)
        elif isinstance(operation.get("value"), dict):
            completed(operation["value"], base)
    return data


def search_request(request: HttpRequest) -> SearchRequest:
    params: dict[str, Any] = {}
    for key in ("attributes", "excludedAttributes"):
        if request.GET.get(key):
            params[key] = [a.strip() for a in request.GET[key].split(",") if a.strip()]
    for key in ("startIndex", "count"):
        if request.GET.get(key):
            try:
                params[key] = int(request.GET[key])
            except ValueError as error:
                raise InvalidValueException(detail=f"{key} must be a number.") from error
    if request.GET.get("filter"):
        params["filter"] = request.GET["filter"]
    return SearchRequest.model_validate(params)


def members_of(organisation: Organisation) -> Any:
    return (
        Member.objects.filter(organisation=organisation)
        .exclude(scim__removed_at__isnull=False)
        .select_related("user", "scim")
        .order_by("pk")
    )


def member_or_404(organisation: Organisation, user_id: str) -> Member:
    member = members_of(organisation).filter(pk=user_id).first() if user_id.isdigit() else None
    if member is None:
        raise NotFoundException(detail=f"No user {user_id}.")
    return member


@scim_view
def root(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    raise NotFoundException(detail="See /Users, /ServiceProviderConfig, /ResourceTypes, /Schemas.")


@scim_view
def unknown(request: HttpRequest, organisation: Organisation, rest: str) -> HttpResponse:
    raise NotFoundException(detail="There is nothing at this address.")


@scim_view
def users(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    base = base_url(request)
    if request.method == "POST":
        resource = ScimUser.model_validate(
            completed(body_of(request), base), scim_ctx=Context.RESOURCE_CREATION_REQUEST
        )
        member = actions.create_user(organisation=organisation, resource=resource, request=request)
        created = actions.to_resource(member, base)
        return scim_response(
            dump(created, Context.RESOURCE_CREATION_RESPONSE),
            status=201,
            Location=str(created.meta.location) if created.meta else "",
        )
    if request.method != "GET":
        raise MethodNotAllowed
    return listing_response(organisation, search_request(request), base)


def listing_response(organisation: Organisation, search: SearchRequest, base: str) -> HttpResponse:
    found = [actions.to_resource(member, base) for member in members_of(organisation)]
    if search.filter:
        try:
            condition = ScimFilter[ScimUser](str(search.filter))
            found = [resource for resource in found if condition.match(resource)]
        except (ValueError, TypeError) as error:
            raise InvalidFilterException(detail=str(error)) from error
    start = max(search.start_index or 1, 1)
    count = min(search.count if search.count is not None else MAX_RESULTS, MAX_RESULTS)
    page = found[start - 1 : start - 1 + max(count, 0)]
    listing = ListResponse[ScimUser](
        total_results=len(found), start_index=start, items_per_page=len(page), resources=page
    )
    return scim_response(
        listing.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=search)
    )


@scim_view
def search(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """POST /Users/.search: the same search as GET /Users, with the request in the body."""
    if request.method != "POST":
        raise MethodNotAllowed
    query: SearchRequest[Any] = SearchRequest.model_validate(
        body_of(request), scim_ctx=Context.SEARCH_REQUEST
    )
    return listing_response(organisation, query, base_url(request))


@scim_view
def user(request: HttpRequest, organisation: Organisation, user_id: str) -> HttpResponse:
    base = base_url(request)
    with transaction.atomic():
        member = member_or_404(organisation, user_id)
        if request.method == "GET":
            return scim_response(
                actions.to_resource(member, base).model_dump(
                    scim_ctx=Context.RESOURCE_QUERY_RESPONSE,
                    response_parameters=search_request(request),
                )
            )
        if request.method == "PUT":
            resource = ScimUser.model_validate(
                completed(body_of(request), base), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
            )
            member = actions.replace_user(member=member, resource=resource, request=request)
            return scim_response(
                dump(actions.to_resource(member, base), Context.RESOURCE_REPLACEMENT_RESPONSE)
            )
        if request.method == "PATCH":
            patch = PatchOp[ScimUser].model_validate(
                completed(body_of(request), base), scim_ctx=Context.RESOURCE_PATCH_REQUEST
            )
            resource = actions.to_resource(member, base)
            patch.patch(resource)
            member = actions.replace_user(member=member, resource=resource, request=request)
            return scim_response(
                dump(actions.to_resource(member, base), Context.RESOURCE_PATCH_RESPONSE)
            )
        if request.method == "DELETE":
            actions.delete_user(member=member, request=request)
            return scim_response(None, status=204)
    raise MethodNotAllowed


def read_only(view: View) -> View:
    return scim_view(view, methods=frozenset({"GET"}))


@read_only
def service_provider_config_view(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    return scim_response(
        dump(service_provider_config(base_url(request)), Context.RESOURCE_QUERY_RESPONSE)
    )


def _listing(items: list[Any], model: Any) -> HttpResponse:
    listing = ListResponse[model](
        total_results=len(items), start_index=1, items_per_page=len(items), resources=items
    )
    return scim_response(listing.model_dump(scim_ctx=Context.SEARCH_RESPONSE))


@read_only
def resource_types_view(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    return _listing(resource_types(base_url(request)), ResourceType)


@read_only
def resource_type_view(request: HttpRequest, organisation: Organisation, name: str) -> HttpResponse:
    for item in resource_types(base_url(request)):
        if item.id == name or item.name == name:
            return scim_response(dump(item, Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail=f"No resource type {name}.")


@read_only
def schemas_view(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    return _listing(schemas(base_url(request)), Schema)


@read_only
def schema_view(request: HttpRequest, organisation: Organisation, schema_id: str) -> HttpResponse:
    for item in schemas(base_url(request)):
        if item.id == schema_id:
            return scim_response(dump(item, Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail=f"No schema {schema_id}.")
