"""Schemathesis against the live schema on 127.0.0.1: generated calls to every operation,
valid and invalid (bounded, so this stays within a few minutes), never get a 5xx, and every
answer conforms to the schema: status documented, JSON content type, body of the documented
shape."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import openapi

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 6}


@pytest.fixture
def token(transactional_db: None, settings: Any) -> str:
    """An owner's token in an organisation with a program, a round, a pair and a discovery,
    so that generated ids sometimes hit real objects."""
    from gensidig.accounts.models import Member, Role
    from gensidig.api import actions
    from tests.factories import MemberFactory, OrganisationFactory
    from tests.test_urls import objects_of

    settings.GENSIDIG_API_RATE_LIMIT = 0
    organisation = OrganisationFactory(name="Schema A/S", slug="schema")
    owner = MemberFactory(organisation=organisation, role=Role.OWNER)
    objects_of(organisation)
    # The token's creator is the only owner, so no generated call can demote or switch them
    # off (the organisation keeps an owner) and leave the rest of the run answering 403.
    Member.objects.filter(organisation=organisation, role=Role.OWNER).exclude(pk=owner.pk).update(
        role=Role.ADMIN
    )
    _token, raw = actions.create_token(by=owner, name="Schemathesis", scopes=["read", "write"])
    return raw


def test_api_conforms_to_its_live_schema(live_server: Any, token: str) -> None:
    # A cold first request on a busy machine can take several seconds.
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json", timeout=120)
    headers = {"Authorization": f"Bearer {token}"}
    tried: list[str] = []
    statuses: Counter[tuple[GenerationMode, int]] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in EXAMPLES.items():

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                response = case.call_and_validate(headers=headers, checks=CHECKS, timeout=120)
                statuses[case.meta.generation.mode, response.status_code] += 1

            run()
        tried.append(f"{operation.method.upper()} {operation.path}")
    expected = {
        f"{method.upper()} {path}" for path, item in openapi()["paths"].items() for method in item
    }
    assert set(tried) == expected
    # The token worked: valid calls got past authentication (invalid ones may mangle the
    # Authorization header on purpose), and many succeeded.
    positive = GenerationMode.POSITIVE
    assert statuses[positive, 401] == 0, statuses
    assert statuses[positive, 200] + statuses[positive, 201] >= len(expected), statuses
