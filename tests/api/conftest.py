"""API test helpers: tokens for the named people, and a client that checks every answer
against the OpenAPI schema the API publishes (so no test can pass on an undocumented
status or shape)."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import jsonschema_rs
import pytest
from django.test import Client

from gensidig.api.models import Scope


@cache
def openapi() -> dict[str, Any]:
    from django.core.serializers.json import DjangoJSONEncoder

    from gensidig.api.api import openapi_schema

    # As a client reads it (JSON: status codes as strings), not the Python object behind it.
    schema: dict[str, Any] = json.loads(json.dumps(openapi_schema(), cls=DjangoJSONEncoder))
    return schema


@cache
def path_patterns() -> list[tuple[re.Pattern[str], str]]:
    # Literal segments first, so /members/invitations wins over /members/{member_id}.
    templates = sorted(openapi()["paths"], key=lambda t: (t.count("{"), -len(t)))
    return [
        (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"), template)
        for template in templates
    ]


def template_of(path: str) -> str:
    for pattern, template in path_patterns():
        if pattern.match(path):
            return template
    raise AssertionError(f"{path} is not in the OpenAPI schema")


@cache
def validator(schema_json: str) -> Any:
    schema = json.loads(schema_json)
    return jsonschema_rs.Draft202012Validator({**schema, "components": openapi()["components"]})


def check_against_schema(method: str, path: str, response: Any) -> None:
    """The answer's status is documented for the operation and its body fits the schema."""
    operation = openapi()["paths"][template_of(path)][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], (method, path, status, response.content[:500])
    content = operation["responses"][status].get("content")
    if content is None:
        assert response.content == b"", (method, path, status)
        return
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    schema = content["application/json"]["schema"]
    errors = [str(error) for error in validator(json.dumps(schema)).iter_errors(body)]
    assert not errors, (method, path, status, errors[:3])


CHECKED: list[tuple[str, str, int]] = []


class ApiClient:
    def __init__(self, client: Client, token: str | None) -> None:
        self.client = client
        self.token = token

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        **query: Any,
    ) -> Any:
        all_headers = dict(headers or {})
        if self.token is not None:
            all_headers.setdefault("Authorization", f"Bearer {self.token}")
        url = "/api/v1" + path
        caller = getattr(self.client, method.lower())
        if method.upper() in ("GET", "HEAD"):
            response = caller(url, query or None, headers=all_headers)
        else:
            response = caller(
                url,
                json.dumps(body) if body is not None else "",
                content_type="application/json",
                headers=all_headers,
            )
        check_against_schema(method, url, response)
        CHECKED.append((method.upper(), template_of(url), response.status_code))
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("PATCH", path, body, **kwargs)


@pytest.fixture
def make_token() -> Any:
    from gensidig.api import actions

    def make(member: Any, scopes: tuple[str, ...] = (Scope.READ, Scope.WRITE), **kw: Any) -> str:
        _token, raw = actions.create_token(by=member, name="Test", scopes=scopes, **kw)
        return raw

    return make


@pytest.fixture
def api(admin: Any, make_token: Any) -> ApiClient:
    """The owner's token with both scopes."""
    return ApiClient(Client(), make_token(admin))


@pytest.fixture
def api_as(make_token: Any) -> Any:
    def make(member: Any, scopes: tuple[str, ...] = (Scope.READ, Scope.WRITE)) -> ApiClient:
        return ApiClient(Client(), make_token(member, scopes))

    return make


@pytest.fixture
def anonymous_api() -> ApiClient:
    return ApiClient(Client(), None)
