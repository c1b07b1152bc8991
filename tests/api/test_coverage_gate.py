"""The URL-coverage gate (tests/conftest.py) counts the API by operation: django-ninja makes
one URL pattern per operation on an address and a request resolves to the first, so counting
patterns would let POST /topics pass on a GET /topics test."""

from __future__ import annotations

from typing import Any

import pytest

from tests import conftest


def test_operation_of_turns_a_route_into_the_schemas_path() -> None:
    assert (
        conftest.operation_of("patch", "api/v1/topics/<int:topic_id>")
        == "PATCH /api/v1/topics/{topic_id}"
    )


def test_every_schema_operation_is_counted_apart_and_no_api_pattern_by_name() -> None:
    operations = conftest.api_operations()
    assert {"GET /api/v1/topics", "POST /api/v1/topics"} <= operations
    names = conftest.all_view_names()
    assert not {"api:topics", "api:topic_create", "api:member_role"} & names
    assert "api:openapi-json" in names


@pytest.mark.django_db
def test_an_operation_counts_only_when_it_answered_without_an_error(api: Any, admin: Any) -> None:
    from tests.factories import TopicFactory

    operation = "PATCH /api/v1/topics/{topic_id}"
    before = set(conftest.ANSWERED_OPERATIONS)
    conftest.ANSWERED_OPERATIONS.discard(operation)
    try:
        assert api.patch("/topics/999999", {"name_da": "X"}).status_code == 404
        api.get("/topics")  # another operation on a similar address
        assert operation not in conftest.ANSWERED_OPERATIONS
        topic = TopicFactory(organisation=admin.organisation)
        assert api.patch(f"/topics/{topic.pk}", {"name_da": "Ny"}).status_code == 200
        assert operation in conftest.ANSWERED_OPERATIONS
    finally:
        conftest.ANSWERED_OPERATIONS.update(before)
