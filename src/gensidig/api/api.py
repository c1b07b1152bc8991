"""/api/v1/: the organisation's data for HR systems, BI tools and scripts, described by an
OpenAPI 3.1 schema that django-ninja generates from the typed schemas below."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, URLResolver
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from gensidig.api.core import TokenAuth, framed, install_error_handlers
from gensidig.api.endpoints import discoveries, insights, matching, members, programs

DESCRIPTION = """
Every call carries an API token of one organisation: `Authorization: Bearer gsd_…`.
Owners and administrators create tokens under *API tokens* with the scopes `read`
(GET) and `write` (everything else). A token acts as the person who created it, with the
rights that person has now: it stops working when they leave or are no longer an owner or
administrator.

Lists take `limit` (at most 200) and `offset` and answer `count` and `items`.
Errors are JSON: `{"code": "...", "message": "...", "errors": [{"field", "message"}]}`;
the message follows `Accept-Language` (da or en). Reads answer an `ETag`; send it back as
`If-None-Match` to get `304 Not Modified`. A creating `POST` with an `Idempotency-Key`
header runs once: a retry with the same key gets the first answer again. Each token may
make a limited number of calls a minute; above that the answer is `429` with
`Retry-After`.
"""


class GensidigApi(NinjaAPI):
    """NinjaAPI with our frame around each view, and the schema built once (it follows from
    the code alone; building it took seconds on a busy machine)."""

    _schemas: dict[str, Any]

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        schemas = self.__dict__.setdefault("_schemas", {})
        key = f"{path_prefix}|{sorted((path_params or {}).items())}"
        if key not in schemas:
            schemas[key] = super().get_openapi_schema(
                path_prefix=path_prefix, path_params=path_params
            )
        return schemas[key]

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = framed(pattern.callback)
        return patterns


api = GensidigApi(
    title="Gensidig API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=TokenAuth(),
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
for module in (members, programs, matching, discoveries, insights):
    api.add_router("", module.router)


def openapi_schema() -> dict[str, Any]:
    schema: dict[str, Any] = api.get_openapi_schema(path_prefix="/api/v1")
    return schema
