"""Reads: every resource lists and shows the organisation's objects as documented."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from gensidig.accounts.models import Role, SecurityEvent
from gensidig.api.models import ApiToken, Scope
from gensidig.matching.models import Pair
from gensidig.meetings.models import Reflection
from tests.factories import ProgramFactory
from tests.test_urls import objects_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(organisation: Any) -> dict[str, Any]:
    return objects_of(organisation)


def test_members_list_names_department_manager_and_band(api: Any, young: Any) -> None:
    response = api.get("/members", role="participant")
    assert response.status_code == 200
    body = response.json()
    mine = next(item for item in body["items"] if item["id"] == young.pk)
    assert mine["department"] == "Marketing"
    assert mine["manager_id"] == young.manager_id
    assert mine["generation"] == "1995-2009"
    assert {item["role"] for item in body["items"]} == {"participant"}


def test_members_list_pages_with_limit_and_offset(api: Any, young: Any, experienced: Any) -> None:
    first = api.get("/members", limit=1, offset=0).json()
    second = api.get("/members", limit=1, offset=1).json()
    assert first["count"] == 3
    assert len(first["items"]) == 1
    assert first["items"][0]["id"] != second["items"][0]["id"]


def test_scouts_offset_past_a_64_bit_integer_names_the_field(api: Any) -> None:
    # Found by schemathesis: SQLite answered such an OFFSET with "datatype mismatch", a 500.
    response = api.get("/scouts", offset=10**20)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["offset"]


def test_members_limit_over_200_names_the_field(api: Any) -> None:
    response = api.get("/members", limit=500)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert [error["field"] for error in response.json()["errors"]] == ["limit"]


def test_every_read_answers_200_for_the_organisations_objects(api: Any, world: Any) -> None:
    paths = [
        "/members",
        f"/members/{world['member_id']}",
        "/topics",
        f"/topics/{world['topic_id']}",
        "/programs",
        f"/programs/{world['program_id']}",
        f"/programs/{world['program_id']}/enrolments",
        f"/programs/{world['program_id']}/rounds",
        f"/rounds/{world['round_id']}",
        f"/programs/{world['program_id']}/proposals",
        f"/proposals/{world['proposal_id']}",
        f"/programs/{world['program_id']}/pairs",
        f"/pairs/{world['pair_id']}",
        "/discoveries",
        f"/discoveries/{world['discovery_id']}",
        "/scouts",
        f"/programs/{world['program_id']}/insights",
    ]
    for path in paths:
        assert api.get(path).status_code == 200, path


def test_rounds_filter_by_status(api: Any, world: Any) -> None:
    from gensidig.matching.models import Round

    status = Round.objects.get(pk=world["round_id"]).status
    other = next(choice for choice in Round.Status.values if choice != status)
    path = f"/programs/{world['program_id']}/rounds"
    assert [r["id"] for r in api.get(path, status=status).json()["items"]] == [world["round_id"]]
    assert api.get(path, status=other).json()["items"] == []


def test_scouts_filter_by_program(api: Any, admin: Any, world: Any) -> None:
    from gensidig.discoveries.models import Scout

    program = ProgramFactory(organisation=admin.organisation)
    mine = Scout.objects.create(organisation=admin.organisation, member=admin, program=program)
    assert [s["id"] for s in api.get("/scouts", program_id=program.pk).json()["items"]] == [mine.pk]
    assert len(api.get("/scouts").json()["items"]) == 2


def test_pair_shows_partners_health_and_dates_never_content(api: Any, world: Any) -> None:
    pair = Pair.objects.get(pk=world["pair_id"])
    meeting = pair.meetings.get()
    Reflection.objects.create(
        meeting=meeting, author=pair.a, sentence="Hemmelig sætning", private_note="Privat note"
    ) if hasattr(Reflection, "private_note") else None
    body = api.get(f"/pairs/{pair.pk}").json()
    assert body["a"]["enrolment_id"] == pair.a_id
    assert body["state"] == "active"
    assert body["health"]["state"] in {"on_track", "due", "overdue", "stalled"}
    text = str(body)
    assert "Hemmelig" not in text and "Privat" not in text and "Strategi" not in text


def test_insights_withhold_small_groups_as_null_with_reason(api: Any, world: Any) -> None:
    body = api.get(f"/programs/{world['program_id']}/insights").json()
    rows = [row for table in body["tables"] for row in table["rows"]]
    withheld = [row for row in rows if row["withheld"]]
    assert withheld
    assert all(row["value"] is None and row["people"] is None for row in withheld)
    assert all("5" in row["withheld_reason"] for row in withheld)


def test_insights_apply_the_dashboard_rules_of_the_tokens_member(
    api: Any, admin: Any, world: Any, monkeypatch: Any
) -> None:
    # A token can only be made by an owner or administrator, who may open every program's
    # dashboard; the API still hands the dashboard its viewer, so that the comparison
    # follows the page's rules (queries.visible_programs) should they narrow.
    from gensidig.insights import queries

    viewers = []
    original = queries.dashboard

    def spy(*args: Any, **kwargs: Any) -> Any:
        viewers.append(kwargs.get("viewer"))
        return original(*args, **kwargs)

    monkeypatch.setattr(queries, "dashboard", spy)
    assert api.get(f"/programs/{world['program_id']}/insights").status_code == 200
    assert viewers == [admin]


def test_insights_comparison_leaves_out_programs_the_member_may_not_open(
    api: Any, admin: Any, world: Any, monkeypatch: Any
) -> None:
    from gensidig.insights import queries
    from gensidig.programs.models import Program

    Program.objects.filter(pk=world["program_id"]).update(state="running", sponsor=admin)
    other = ProgramFactory(organisation=admin.organisation, name="Andet program", state="running")
    # The rule as it stands for a sponsor who is not an administrator: only their own.
    monkeypatch.setattr(
        queries.Member, "is_manager_role", property(lambda member: member.pk != admin.pk)
    )
    body = api.get(f"/programs/{world['program_id']}/insights").json()
    assert other.name not in [row["program"] for row in body["comparison"]]


def test_error_message_follows_accept_language(api: Any) -> None:
    danish = api.get("/programs/999999", headers={"Accept-Language": "da"})
    english = api.get("/programs/999999", headers={"Accept-Language": "en"})
    assert danish.status_code == english.status_code == 404
    assert danish.json()["code"] == english.json()["code"] == "not-found"
    assert english.json()["message"] == "Nothing was found at this address."
    assert danish.json()["message"] != english.json()["message"]


def test_no_token_answers_401(anonymous_api: Any) -> None:
    response = anonymous_api.get("/members")
    assert response.status_code == 401
    assert response.json()["code"] == "not-authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_logged_in_session_without_a_token_answers_401(login: Any, admin: Any) -> None:
    # The app's pages do not use the API: a session opens nothing there.
    response = login(admin).get("/api/v1/members")
    assert response.status_code == 401
    assert response.json()["code"] == "not-authenticated"


def test_unknown_token_answers_401(api: Any) -> None:
    api.token = "gsd_nope_nope"
    assert api.get("/members").json()["code"] == "token-invalid"


def test_revoked_token_answers_401(api: Any, admin: Any) -> None:
    from gensidig.api import actions

    actions.revoke_token(token=ApiToken.objects.get(), by=admin)
    response = api.get("/members")
    assert (response.status_code, response.json()["code"]) == (401, "token-revoked")


def test_expired_token_answers_401(api: Any) -> None:
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api.get("/members")
    assert (response.status_code, response.json()["code"]) == (401, "token-expired")


def test_read_token_cannot_write(api_as: Any, admin: Any) -> None:
    client = api_as(admin, (Scope.READ,))
    response = client.post("/topics", {"name_da": "Podcasts", "name_en": "Podcasts"})
    assert (response.status_code, response.json()["code"]) == (403, "scope-missing")


def test_token_stops_when_its_creator_is_no_longer_an_administrator(
    api_as: Any, organisation: Any, experienced: Any
) -> None:
    experienced.role = Role.ADMIN
    experienced.save()
    client = api_as(experienced)
    assert client.get("/members").status_code == 200
    experienced.role = Role.PARTICIPANT
    experienced.save()
    response = client.get("/members")
    assert (response.status_code, response.json()["code"]) == (403, "token-creator-not-allowed")


def test_token_stops_when_its_creator_left(api: Any, admin: Any) -> None:
    admin.is_active = False
    admin.save()
    assert api.get("/members").json()["code"] == "token-creator-not-allowed"


def test_token_records_last_use(api: Any) -> None:
    assert ApiToken.objects.get().last_used_at is None
    api.get("/members")
    assert ApiToken.objects.get().last_used_at is not None


def test_token_is_stored_hashed_and_logged_without_secret(api: Any) -> None:
    token = ApiToken.objects.get()
    assert api.token not in (token.token_hash, token.prefix)
    event = SecurityEvent.objects.get(kind="api-token-created")
    assert api.token not in str(event.details)
    assert event.details == {"token_id": token.pk, "scopes": ["read", "write"]}


def test_read_answers_etag_and_304_on_if_none_match(api: Any) -> None:
    first = api.get("/members")
    etag = first["ETag"]
    again = api.get("/members", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    changed = api.get("/members", headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200


def test_rate_limit_answers_429_with_retry_after(api: Any, settings: Any) -> None:
    settings.GENSIDIG_API_RATE_LIMIT = 3
    statuses = [api.get("/topics").status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429
    response = api.get("/topics")
    assert response.json()["code"] == "rate-limited"
    assert 1 <= int(response["Retry-After"]) <= 61


def test_openapi_schema_is_public_and_3_1(client: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"].startswith("3.1")


def test_docs_page_loads_swagger_from_our_static_files(client: Any) -> None:
    response = client.get("/api/v1/docs")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/scouts", "program_id"),
        ("/discoveries", "topic_id"),
        ("/programs/{program_id}/proposals", "round_id"),
    ],
)
def test_an_id_filter_past_64_bits_names_the_field(
    api: Any, world: Any, path: str, field: str
) -> None:
    # schemathesis found /scouts?program_id=<a 33-digit number> answering 500 on SQLite.
    response = api.get(path.format(**world), **{field: 10**32})
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == field
