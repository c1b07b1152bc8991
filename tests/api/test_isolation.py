"""Tenant isolation: another organisation's token never reaches this organisation's objects,
on every operation of the schema, and its lists never show them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from gensidig.accounts.models import Member
from gensidig.discoveries.models import Discovery
from gensidig.programs.models import Program, Topic
from tests.api.conftest import openapi
from tests.test_urls import objects_of

pytestmark = pytest.mark.django_db

# A body that would be valid on the outsider's own objects, so that a 404 can only come
# from the object belonging to another organisation (not from a body refused first).
BODIES: dict[tuple[str, str], Any] = {
    ("patch", "/api/v1/members/{member_id}"): {"role": "participant"},
    ("patch", "/api/v1/topics/{topic_id}"): {"name_da": "Nyt navn"},
    ("patch", "/api/v1/programs/{program_id}"): {"name": "Nyt navn"},
    ("post", "/api/v1/programs/{program_id}/state"): {"step": "close_program"},
    ("post", "/api/v1/programs/{program_id}/enrolments"): {"email": "ny@example.org"},
    ("post", "/api/v1/discoveries/{discovery_id}/comments"): {"text": "Hej"},
    ("post", "/api/v1/discoveries/{discovery_id}/moves"): {"to": "parked"},
}


def operations() -> list[tuple[str, str]]:
    return [
        (method, template)
        for template, item in openapi()["paths"].items()
        for method in item
        if "{" in template
    ]


def test_every_operation_with_a_body_has_a_sample_body() -> None:
    with_body = {
        (method, template)
        for method, template in operations()
        if "requestBody" in openapi()["paths"][template][method]
    }
    assert with_body == set(BODIES)


@pytest.mark.parametrize(("method", "template"), operations())
def test_other_organisations_token_gets_404_on_every_object(
    api_as: Any, organisation: Any, outsider: Any, method: str, template: str
) -> None:
    ids = objects_of(organisation)
    objects_of(outsider.organisation)  # the outsider has objects of its own
    path = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), template)
    client = api_as(outsider)
    response = client.call(
        method.upper(), path.removeprefix("/api/v1"), BODIES.get((method, template))
    )
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not-found"


LISTS = {
    "/members": Member,
    "/topics": Topic,
    "/programs": Program,
    "/discoveries": Discovery,
}


@pytest.mark.parametrize("path", sorted(LISTS))
def test_other_organisations_lists_never_show_this_organisations_rows(
    api_as: Any, organisation: Any, outsider: Any, path: str
) -> None:
    objects_of(organisation)
    objects_of(outsider.organisation)
    ours = set(LISTS[path].objects.filter(organisation=organisation).values_list("pk", flat=True))
    body = api_as(outsider).get(path, limit=200).json()
    theirs = {item["id"] for item in body["items"]}
    assert theirs
    assert not theirs & ours


def test_every_list_without_an_object_is_checked_for_isolation() -> None:
    lists = {
        template.removeprefix("/api/v1")
        for template, item in openapi()["paths"].items()
        if "get" in item and "{" not in template
    }
    assert lists == set(LISTS) | {"/scouts"}


def test_other_organisations_scouts_are_not_listed(
    api_as: Any, organisation: Any, outsider: Any
) -> None:
    objects_of(organisation)
    body = api_as(outsider).get("/scouts").json()
    assert body["items"] == []


def test_creating_writes_land_in_the_tokens_organisation(
    api_as: Any, organisation: Any, outsider: Any
) -> None:
    client = api_as(outsider)
    created = client.post("/topics", {"name_da": "Podcasts", "name_en": "Podcasts"}).json()
    assert Topic.objects.get(pk=created["id"]).organisation == outsider.organisation
