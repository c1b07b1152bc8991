"""Shared fixtures: one organisation with its named people, and an outsider from another.

Django models are imported inside the fixtures so that tests/engine, which must run without
Django, can share this directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

REQUESTED_VIEWS: set[str] = set()
# The API's operations that answered a test without an error, as "GET /api/v1/members/{member_id}":
# django-ninja makes one URL pattern per operation on an address and every request to the
# address resolves to the first of them, so the API is counted by operation, not pattern.
ANSWERED_OPERATIONS: set[str] = set()
API_NAMESPACE = "api"


def operation_of(method: str, route: str) -> str:
    """ "GET", "api/v1/members/<int:member_id>" -> "GET /api/v1/members/{member_id}"."""
    import re

    return f"{method.upper()} /" + re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", route)


def pytest_configure(config: pytest.Config) -> None:
    # Record which URL patterns the suite requests (also from the live server's threads), so
    # that a pattern no test ever reaches fails the run (see pytest_sessionfinish).
    try:
        from django.core.handlers.base import BaseHandler
    except ImportError:  # the engine's tests run without Django
        return
    original = BaseHandler.resolve_request
    original_response = BaseHandler.get_response

    def recording_resolve(self: BaseHandler, request: Any) -> Any:
        match = original(self, request)
        REQUESTED_VIEWS.add(match.view_name)
        return match

    def recording_response(self: BaseHandler, request: Any) -> Any:
        response = original_response(self, request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.namespace == API_NAMESPACE and response.status_code < 400:
            ANSWERED_OPERATIONS.add(operation_of(request.method, match.route))
        return response

    BaseHandler.resolve_request = recording_resolve  # type: ignore[method-assign]
    BaseHandler.get_response = recording_response  # type: ignore[method-assign]


def api_operations() -> set[str]:
    """Every operation of the published OpenAPI schema, as "METHOD /path"."""
    from gensidig.api.api import openapi_schema

    return {
        f"{method.upper()} {path}"
        for path, item in openapi_schema()["paths"].items()
        for method in item
    }


def all_view_names() -> set[str]:
    """Every named URL pattern outside the API's operations (those are counted one by one,
    see api_operations)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    operations = {operation.split(" ", 1)[1] for operation in api_operations()}
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner, route)
            elif isinstance(pattern, URLPattern) and pattern.name:
                if namespace == f"{API_NAMESPACE}:" and (
                    operation_of("GET", route).split(" ", 1)[1] in operations
                ):
                    continue
                names.add(f"{namespace}{pattern.name}")

    walk(get_resolver().url_patterns, "", "")
    return names


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("GENSIDIG_CHECK_URL_COVERAGE") != "1" or exitstatus != 0:
        return
    never = sorted(all_view_names() - REQUESTED_VIEWS)
    unanswered = sorted(api_operations() - ANSWERED_OPERATIONS)
    if never:
        print("\nURL patterns that no test requested:\n  " + "\n  ".join(never))
    if unanswered:
        print(
            "\nAPI operations that answered no test without an error:\n  " + "\n  ".join(unanswered)
        )
    if never or unanswered:
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def _fast_passwords(request: pytest.FixtureRequest) -> None:
    if "settings" in request.fixturenames or _uses_django(request):
        settings = request.getfixturevalue("settings")
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# What the tests' resolver answers for the made-up webhook hosts: a public address, which
# no test ever connects to (a delivery to it would need the network).
PUBLIC_TEST_ADDRESS = "93.184.215.14"


@pytest.fixture(autouse=True)
def _no_dns_for_example_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    # Webhook addresses are resolved when saved (tests use hooks.example.org): answer those
    # names here instead of asking a DNS server, so the suite stays off the network.
    import socket

    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host or "")
        if name.rstrip(".").endswith((".example.org", ".example.com", ".example")):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC_TEST_ADDRESS, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(autouse=True)
def _language_put_back() -> Iterator[None]:
    # A test that activates a language (a request through LocaleMiddleware, a view called
    # directly) must not leave it active for the next one: tests then passed or failed by
    # the order they ran in.
    yield
    from django.utils import translation

    translation.deactivate()


def _uses_django(request: pytest.FixtureRequest) -> bool:
    return any(
        name in request.fixturenames for name in ("db", "transactional_db", "client", "live_server")
    )


@pytest.fixture
def organisation(db: None) -> Any:
    from tests.factories import OrganisationFactory

    return OrganisationFactory(name="Fjordlys Test A/S", slug="fjordlys-test")


@pytest.fixture
def admin(organisation: Any) -> Any:
    from gensidig.accounts.models import Role
    from tests.factories import MemberFactory, UserFactory

    user = UserFactory(email="admin@example.org", name="Anne Admin")
    return MemberFactory(organisation=organisation, user=user, role=Role.OWNER, department="HR")


@pytest.fixture
def experienced(organisation: Any) -> Any:
    from tests.factories import MemberFactory, UserFactory

    user = UserFactory(email="erfaren@example.org", name="Erik Erfaren")
    return MemberFactory(
        organisation=organisation, user=user, generation="1965-1979", title="Salgsdirektør"
    )


@pytest.fixture
def young(organisation: Any, experienced: Any) -> Any:
    from tests.factories import MemberFactory, UserFactory

    user = UserFactory(email="ung@example.org", name="Ida Ung")
    return MemberFactory(
        organisation=organisation,
        user=user,
        generation="1995-2009",
        manager=experienced,
        department="Marketing",
    )


@pytest.fixture
def other_organisation(db: None) -> Any:
    from tests.factories import OrganisationFactory

    return OrganisationFactory(name="Andet Firma ApS", slug="andet-firma")


@pytest.fixture
def outsider(other_organisation: Any) -> Any:
    """An owner of another organisation: all rights there, none here."""
    from gensidig.accounts.models import Role
    from tests.factories import MemberFactory, UserFactory

    user = UserFactory(email="outsider@example.org", name="Otto Outsider")
    return MemberFactory(organisation=other_organisation, user=user, role=Role.OWNER)


@pytest.fixture
def login(client: Any) -> Any:
    def log_in(member_or_user: Any) -> Any:
        user = getattr(member_or_user, "user", member_or_user)
        client.force_login(user, backend="gensidig.accounts.backends.EmailBackend")
        return client

    return log_in
