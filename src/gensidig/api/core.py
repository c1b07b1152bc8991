"""The API's frame: who is calling (a token of one organisation, acting as its creator),
errors as JSON with a stable code and a translated message, the rate limit per token,
ETag/If-None-Match on reads and idempotency keys on creating writes."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from gensidig.accounts.models import MANAGING_ROLES, Member
from gensidig.api.models import ApiToken, IdempotencyKey, RateWindow, Scope

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """Every error: a stable `code` to branch on, a `message` in the caller's language
    (Accept-Language), and for invalid input the fields at fault."""

    code: str
    message: str
    errors: list[FieldError] = []


# The answers any operation may give besides its success; writes add 409.
READ_ERRORS: dict[int, Any] = {
    304: None,
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
WRITE_ERRORS: dict[int, Any] = {
    **{status: schema for status, schema in READ_ERRORS.items() if status != 304},
    409: ErrorOut,
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: Promise | str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


def conflict(reason: object, code: str = "not-possible") -> ApiError:
    """A step the rules do not allow now; the reason is the UI's own translated sentence."""
    return ApiError(409, code, str(reason))


def not_found() -> ApiError:
    return ApiError(404, "not-found", _("Nothing was found at this address."))


# --- Who is calling -----------------------------------------------------------------------


def rate_limit(token: ApiToken) -> None:
    """At most GENSIDIG_API_RATE_LIMIT calls a minute per token, counted in the database so
    that every web process sees the same count."""
    limit = settings.GENSIDIG_API_RATE_LIMIT
    if limit <= 0:
        return
    now = time.time()
    minute = int(now // 60)
    with transaction.atomic():
        updated = RateWindow.objects.filter(token=token, minute=minute).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RateWindow.objects.create(token=token, minute=minute, count=1)
            except IntegrityError:
                RateWindow.objects.filter(token=token, minute=minute).update(count=F("count") + 1)
            RateWindow.objects.filter(token=token, minute__lt=minute).delete()
        count = RateWindow.objects.filter(token=token, minute=minute).values_list(
            "count", flat=True
        )[0]
    if count > limit:
        retry_after = max(1, int((minute + 1) * 60 - now) + 1)
        raise ApiError(
            429,
            "rate-limited",
            _("Too many calls with this token. Try again in %(seconds)s seconds.")
            % {"seconds": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


def token_member(token: ApiToken) -> Member:
    """The member the token acts as: its creator, as they are now. A creator who left or is
    no longer an owner or administrator takes the token's rights with them."""
    creator = (
        Member.objects.select_related("organisation", "user")
        .filter(
            pk=token.created_by_id or 0,
            organisation_id=token.organisation_id,
            is_active=True,
            user__is_active=True,
        )
        .first()
    )
    if creator is None or creator.role not in MANAGING_ROLES:
        raise ApiError(
            403,
            "token-creator-not-allowed",
            _(
                "The person who created this token is no longer an owner or administrator "
                "of the organisation, so the token cannot be used."
            ),
        )
    return creator


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = ApiToken.matching(token).select_related("organisation").first()
        if found is None:
            raise ApiError(401, "token-invalid", _("The API token is not valid."))
        if found.revoked_at is not None:
            raise ApiError(401, "token-revoked", _("The API token has been revoked."))
        if found.expires_at is not None and found.expires_at <= timezone.now():
            raise ApiError(401, "token-expired", _("The API token has expired."))
        member = token_member(found)
        needed = Scope.READ if request.method in READ_METHODS else Scope.WRITE
        if needed not in found.scopes:
            raise ApiError(
                403,
                "scope-missing",
                _("This API token may not do this: it lacks the “%(scope)s” scope.")
                % {"scope": needed.value},
            )
        rate_limit(found)
        found.record_use()
        request.api_token = found  # type: ignore[attr-defined]
        request.member = member  # type: ignore[attr-defined]
        return found


def caller(request: HttpRequest) -> Member:
    """The member an authenticated call acts as."""
    member: Member = request.member  # type: ignore[attr-defined]
    return member


# --- Errors -------------------------------------------------------------------------------


def error_response(
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    code: str,
    message: object,
    errors: list[dict[str, str]] | None = None,
) -> HttpResponse:
    return api.create_response(
        request,
        {"code": code, "message": str(message), "errors": errors or []},
        status=status,
    )


def field_name(location: tuple[Any, ...]) -> str:
    # ("body", "payload", "name") -> "name"; ("query", "limit") -> "limit"
    parts = [str(part) for part in location[1:] if part not in ("payload", "filters")]
    return ".".join(parts) or str(location[-1])


def field_message(error: dict[str, Any]) -> str:
    if error.get("type") == "missing":
        return gettext("This field is required.")
    return gettext("Enter a valid value.")


def install_error_handlers(api: NinjaAPI) -> None:
    def on_api_error(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = [{"field": exc.field, "message": str(exc.message)}] if exc.field else []
        errors = getattr(exc, "errors", None) or errors
        response = error_response(api, request, exc.status, exc.code, exc.message, errors)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        errors = [
            {"field": field_name(tuple(error.get("loc", ()))), "message": field_message(error)}
            for error in exc.errors
        ]
        return error_response(api, request, 422, "invalid", _("Some fields are not valid."), errors)

    def on_authentication(request: HttpRequest, exc: Any) -> HttpResponse:
        response = error_response(
            api,
            request,
            401,
            "not-authenticated",
            _("Send an API token in the Authorization header: Bearer <token>."),
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        codes = {400: "bad-request", 405: "method-not-allowed", 429: "rate-limited"}
        message = (
            _("The request body could not be read as JSON.")
            if exc.status_code == 400
            else exc.message
        )
        return error_response(
            api, request, exc.status_code, codes.get(exc.status_code, "error"), message
        )

    def on_404(request: HttpRequest, exc: Any) -> HttpResponse:
        error = not_found()
        return error_response(api, request, 404, error.code, error.message)

    def on_403(request: HttpRequest, exc: Any) -> HttpResponse:
        return error_response(api, request, 403, "forbidden", _("Your role does not allow this."))

    api.add_exception_handler(ApiError, on_api_error)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_404)
    api.add_exception_handler(PermissionDenied, on_403)


# --- ETag and idempotency -----------------------------------------------------------------

IDEMPOTENCY_HOURS = 24


def with_etag(request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
    """A strong ETag on every successful read; If-None-Match with it answers 304."""
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    assert isinstance(response, HttpResponse)
    etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    response["Vary"] = "Authorization, Accept-Language"
    conditional = get_conditional_response(request, etag=etag, response=response)
    if conditional is None:
        return response
    if conditional is not response and conditional.status_code == 304:
        conditional["Cache-Control"] = "private, no-cache"
        conditional["Vary"] = "Authorization, Accept-Language"
    return conditional


def idempotency_token(request: HttpRequest) -> ApiToken | None:
    header = request.headers.get("Authorization", "")
    scheme, _space, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    return ApiToken.matching(raw).filter(revoked_at=None).first()


def replay(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body), status=record.status or 200, content_type="application/json"
    )
    response["Idempotent-Replayed"] = "true"
    return response


def conflict_response(code: str, message: object, status: int = 409) -> HttpResponse:
    return HttpResponse(
        json.dumps({"code": code, "message": str(message), "errors": []}),
        status=status,
        content_type="application/json",
    )


def idempotent(request: HttpRequest, call: Callable[[], HttpResponseBase]) -> HttpResponseBase:
    """Run a POST once per `Idempotency-Key` and token: a retry with the same key and the
    same body gets the first answer again; the same key with another body is refused."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if request.method != "POST" or not key:
        return call()
    token = idempotency_token(request)
    if token is None:
        return call()
    if len(key) > 200:
        return conflict_response(
            "idempotency-key-too-long", _("An Idempotency-Key has at most 200 characters."), 422
        )
    digest = hashlib.sha256(request.method.encode() + request.path.encode() + request.body)
    IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - timedelta(hours=IDEMPOTENCY_HOURS)
    ).delete()
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                token=token, key=key, request_hash=digest.hexdigest()
            )
    except IntegrityError:
        earlier = IdempotencyKey.objects.get(token=token, key=key)
        if earlier.request_hash != digest.hexdigest():
            return conflict_response(
                "idempotency-key-reused",
                _("This Idempotency-Key was used for another request."),
                422,
            )
        if earlier.status is None:
            return conflict_response(
                "idempotency-in-progress",
                _("A request with this Idempotency-Key is still being handled."),
            )
        return replay(earlier)
    response = call()
    if response.status_code >= 500 or response.status_code in (401, 429):
        # Nothing was done (or we cannot tell): the key may be used again.
        record.delete()
        return response
    assert isinstance(response, HttpResponse)
    record.status = response.status_code
    record.body = response.content
    record.save(update_fields=["status", "body"])
    return response


def fields_with_nul(request: HttpRequest) -> list[str]:
    """Query parameters and top-level body fields holding a NUL character, which no text
    column can store (PostgreSQL refuses it outright)."""
    found = [key for key, values in request.GET.lists() if any("\x00" in v for v in values)]
    if b"\\u0000" in request.body or b"\x00" in request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            body = None
        if isinstance(body, dict):
            found += [key for key, value in body.items() if "\\u0000" in json.dumps(value)]
        else:
            found.append("body")
    return found


def nul_refused(fields: list[str]) -> HttpResponse:
    message = gettext("Text may not contain the NUL character.")
    return HttpResponse(
        json.dumps(
            {
                "code": "invalid",
                "message": gettext("Some fields are not valid."),
                "errors": [{"field": field, "message": message} for field in fields],
            }
        ),
        status=422,
        content_type="application/json",
    )


def framed(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        bad = fields_with_nul(request)
        if bad:
            return nul_refused(bad)
        response = idempotent(request, lambda: view(request, *args, **kwargs))
        return with_etag(request, response)

    return wrapped
