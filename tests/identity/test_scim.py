"""SCIM 2.0 provisioning: the bearer token, users, deactivation and the manager tree."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from gensidig.accounts.models import Member, SecurityEvent
from gensidig.identity import actions
from gensidig.identity.models import ScimToken
from gensidig.matching.models import Proposal
from gensidig.programs.models import Enrolment, EnrolmentStatus
from tests.factories import PASSWORD
from tests.matching.conftest import cohort  # noqa: F401  (the matching cohort fixture)

pytestmark = pytest.mark.django_db

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class Scim:
    def __init__(self, client: Client, raw: str) -> None:
        self.client = client
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def url(self, tail: str = "") -> str:
        return reverse("scim:root") + tail

    def call(self, method: str, tail: str, body: dict[str, Any] | None = None) -> Any:
        kwargs: dict[str, Any] = dict(self.headers)
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/scim+json")
        return getattr(self.client, method)(self.url(tail), **kwargs)

    def create(self, email: str, name: str, **extra: Any) -> dict[str, Any]:
        body = {
            "schemas": [CORE, ENTERPRISE],
            "userName": email,
            "displayName": name,
            "emails": [{"value": email, "primary": True, "type": "work"}],
            "active": True,
            **extra,
        }
        response = self.call("post", "Users", body)
        assert response.status_code == 201, response.content
        return dict(response.json())

    def patch(self, user_id: str, *operations: dict[str, Any]) -> Any:
        return self.call(
            "patch", f"Users/{user_id}", {"schemas": [PATCH], "Operations": list(operations)}
        )


@pytest.fixture
def scim(client: Client, admin: Any) -> Scim:
    _token, raw = actions.create_scim_token(organisation=admin.organisation, by=admin, name="Entra")
    return Scim(client, raw)


def test_scim_without_or_with_a_wrong_or_revoked_token_is_401(
    client: Client, admin: Any, scim: Scim
) -> None:
    assert client.get(reverse("scim:users")).status_code == 401
    wrong = client.get(reverse("scim:users"), HTTP_AUTHORIZATION="Bearer gss_nope")
    assert wrong.status_code == 401
    assert wrong["Content-Type"] == "application/scim+json"
    actions.revoke_scim_token(token=ScimToken.objects.get(), by=admin)
    assert scim.call("get", "Users").status_code == 401


def test_scim_token_sees_only_its_organisation(client: Client, scim: Scim, outsider: Any) -> None:
    listing = scim.call("get", "Users").json()
    emails = {r["userName"] for r in listing["Resources"]}
    assert "outsider@example.org" not in emails
    assert scim.call("get", f"Users/{outsider.pk}").status_code == 404


def test_scim_create_read_and_last_use_is_recorded(scim: Scim, admin: Any) -> None:
    created = scim.create(
        "lise@fjordlys.dk",
        "Lise Lind",
        externalId="entra-1",
        title="Controller",
        **{ENTERPRISE: {"department": "Økonomi"}},
    )
    member = Member.objects.get(pk=created["id"])
    assert member.organisation == admin.organisation
    assert (member.user.email, member.user.name) == ("lise@fjordlys.dk", "Lise Lind")
    assert (member.title, member.department) == ("Controller", "Økonomi")
    assert not member.user.has_usable_password()
    read = scim.call("get", f"Users/{created['id']}").json()
    assert read["externalId"] == "entra-1"
    assert read[ENTERPRISE]["department"] == "Økonomi"
    assert ScimToken.objects.get().last_used_at is not None
    event = SecurityEvent.objects.get(kind="scim-user-created")
    assert event.details == {"member_id": member.pk}


def test_scim_duplicate_user_name_is_409(scim: Scim) -> None:
    scim.create("a@fjordlys.dk", "A")
    again = scim.call(
        "post",
        "Users",
        {"schemas": [CORE], "userName": "a@fjordlys.dk", "emails": [{"value": "a@fjordlys.dk"}]},
    )
    assert again.status_code == 409


def test_scim_existing_account_of_another_organisation_is_not_claimed(
    scim: Scim, outsider: Any
) -> None:
    response = scim.call(
        "post",
        "Users",
        {"schemas": [CORE], "userName": "x", "emails": [{"value": "outsider@example.org"}]},
    )
    assert response.status_code == 409
    assert Member.objects.filter(user=outsider.user).count() == 1


def test_scim_list_with_filter(scim: Scim) -> None:
    scim.create("b@fjordlys.dk", "B", externalId="e-b")
    scim.create("c@fjordlys.dk", "C", externalId="e-c")
    found = scim.call("get", 'Users?filter=userName eq "C@fjordlys.dk"').json()
    assert found["totalResults"] == 1
    assert found["Resources"][0]["userName"] == "c@fjordlys.dk"
    by_external = scim.call("get", 'Users?filter=externalId eq "e-b"').json()
    assert [r["userName"] for r in by_external["Resources"]] == ["b@fjordlys.dk"]
    assert scim.call("get", "Users?filter=userName zz 1").status_code == 400


def test_scim_replace_changes_department_and_title(scim: Scim) -> None:
    created = scim.create("d@fjordlys.dk", "D")
    body = {
        "schemas": [CORE, ENTERPRISE],
        "userName": "d@fjordlys.dk",
        "displayName": "D Dahl",
        "emails": [{"value": "d@fjordlys.dk", "primary": True}],
        "title": "Chef",
        ENTERPRISE: {"department": "Salg"},
    }
    response = scim.call("put", f"Users/{created['id']}", body)
    assert response.status_code == 200
    member = Member.objects.get(pk=created["id"])
    assert (member.title, member.department, member.user.name) == ("Chef", "Salg", "D Dahl")


def test_scim_deactivate_ends_access_and_leaves_programs_keeping_history(
    scim: Scim, young: Any
) -> None:
    from tests.factories import EnrolmentFactory, ProgramFactory

    program = ProgramFactory(organisation=young.organisation, state="enrolling")
    enrolment = EnrolmentFactory(program=program, member=young)
    browser = Client()
    assert (
        browser.post(
            reverse("accounts:login"), {"username": "ung@example.org", "password": PASSWORD}
        ).status_code
        == 302
    )
    response = scim.patch(str(young.pk), {"op": "replace", "path": "active", "value": False})
    assert response.status_code == 200
    assert response.json()["active"] is False
    young.refresh_from_db()
    assert not young.is_active
    assert browser.get(reverse("accounts:account")).status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert Enrolment.objects.filter(pk=enrolment.pk).exists()
    assert SecurityEvent.objects.filter(kind="scim-user-deactivated").count() == 1


def test_scim_delete_switches_off_and_answers_404_after(scim: Scim) -> None:
    created = scim.create("e@fjordlys.dk", "E")
    assert scim.call("delete", f"Users/{created['id']}").status_code == 204
    assert scim.call("get", f"Users/{created['id']}").status_code == 404
    member = Member.objects.get(pk=created["id"])
    assert not member.is_active


def test_scim_last_owner_cannot_be_switched_off(scim: Scim, admin: Any) -> None:
    response = scim.patch(str(admin.pk), {"op": "replace", "path": "active", "value": False})
    assert response.status_code == 400
    admin.refresh_from_db()
    assert admin.is_active


def test_scim_manager_in_a_circle_is_refused(scim: Scim) -> None:
    boss = scim.create("boss@fjordlys.dk", "Boss")
    staff = scim.create(
        "staff@fjordlys.dk", "Staff", **{ENTERPRISE: {"manager": {"value": boss["id"]}}}
    )
    response = scim.patch(
        boss["id"],
        {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": staff["id"]}},
    )
    assert response.status_code == 400


def test_scim_discovery_endpoints(scim: Scim) -> None:
    config = scim.call("get", "ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True
    assert config["filter"]["supported"] is True
    types = scim.call("get", "ResourceTypes").json()
    assert [t["name"] for t in types["Resources"]] == ["User"]
    assert scim.call("get", "ResourceTypes/User").status_code == 200
    schemas = scim.call("get", "Schemas").json()
    assert {s["id"] for s in schemas["Resources"]} == {CORE, ENTERPRISE}
    assert scim.call("get", f"Schemas/{CORE}").status_code == 200
    assert scim.call("get", "Schemas/urn:nope").status_code == 404
    assert scim.call("post", "Schemas").status_code == 405
    assert scim.call("get", "Nothing/here").status_code == 404
    assert scim.call("get", "").status_code == 404
    search = scim.call(
        "post",
        "Users/.search",
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "count": 1},
    )
    assert search.json()["itemsPerPage"] == 1
    assert (
        scim.call(
            "post", ".search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
        ).status_code
        == 200
    )


def test_scim_manager_tree_is_respected_by_matching(
    login: Any,
    admin: Any,
    cohort: Any,  # noqa: F811
    scim: Scim,
) -> None:
    """The directory provisions the reporting lines (a director over Erik, Erik over Ida);
    the matching round then keeps both of Erik's reporting lines apart."""
    young, experienced = cohort["young"].member, cohort["experienced"].member
    Member.objects.filter(pk__in=[young.pk, experienced.pk]).update(manager=None)
    director = scim.create("direktor@fjordlys.dk", "Dorte Direktør")
    assert (
        scim.patch(
            str(experienced.pk),
            {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"value": director["id"]}},
        ).status_code
        == 200
    )
    assert (
        scim.patch(
            str(young.pk),
            {
                "op": "replace",
                "path": f"{ENTERPRISE}:manager",
                "value": {"value": str(experienced.pk)},
            },
        ).status_code
        == 200
    )
    young.refresh_from_db()
    assert young.manager_id == experienced.pk
    program = cohort["program"]
    login(admin).post(
        reverse(
            "matching:start_round",
            kwargs={"org": program.organisation.slug, "program_id": program.pk},
        )
    )
    pairs = {(p.a.member_id, p.b.member_id) for p in Proposal.objects.filter(program=program)}
    assert pairs
    assert (young.pk, experienced.pk) not in pairs
    assert (experienced.pk, young.pk) not in pairs
