"""The security log: sign-in events are written (never a password), and owners, only they,
read their organisation's log, filtered, paged and as CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gensidig.accounts.models import Role, SecurityEvent
from gensidig.accounts.security import log_security_event
from tests.factories import PASSWORD, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def log_url(member: Any, **params: str) -> str:
    url = reverse("accounts:security_log", kwargs={"org": member.organisation.slug})
    if params:
        url += "?" + "&".join(f"{key}={value}" for key, value in params.items())
    return url


def export_url(member: Any) -> str:
    return reverse("accounts:security_log_export", kwargs={"org": member.organisation.slug})


def kinds(**filters: Any) -> list[tuple[str, int | None, int | None]]:
    return list(
        SecurityEvent.objects.filter(**filters)
        .order_by("id")
        .values_list("kind", "actor_id", "subject_id")
    )


# Writing the events


def test_login_is_logged_in_the_organisation(client: Any, young: Any) -> None:
    client.post(
        reverse("accounts:login"),
        {"username": "ung@example.org", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.7",
    )
    event = SecurityEvent.objects.get(kind="login")
    assert (event.organisation, event.actor_id, event.subject_id, event.ip) == (
        young.organisation,
        young.user.pk,
        young.user.pk,
        "10.0.0.7",
    )


def test_login_of_a_member_of_two_organisations_is_logged_in_both(
    client: Any, young: Any, other_organisation: Any
) -> None:
    MemberFactory(organisation=other_organisation, user=young.user)
    client.post(reverse("accounts:login"), {"username": "ung@example.org", "password": PASSWORD})
    assert set(
        SecurityEvent.objects.filter(kind="login").values_list("organisation", flat=True)
    ) == {
        young.organisation.pk,
        other_organisation.pk,
    }


def test_failed_login_is_logged_without_the_password(client: Any, young: Any) -> None:
    client.post(
        reverse("accounts:login"), {"username": "ung@example.org", "password": "hemmelig-42"}
    )
    event = SecurityEvent.objects.get()
    assert (event.kind, event.organisation, event.actor_id, event.subject_id) == (
        "login-failed",
        young.organisation,
        None,
        young.user.pk,
    )
    assert "hemmelig-42" not in str(event.details)


def test_failed_login_for_unknown_address_has_no_organisation_nor_address(client: Any) -> None:
    client.post(
        reverse("accounts:login"), {"username": "nobody@example.org", "password": "hemmelig-42"}
    )
    event = SecurityEvent.objects.get()
    assert (event.kind, event.organisation, event.subject_id) == ("login-failed", None, None)
    assert event.details == {"account": "unknown"}


def test_logout_is_logged(login: Any, young: Any) -> None:
    login(young).post(reverse("accounts:logout"))
    assert kinds() == [("logout", young.user.pk, young.user.pk)]


def test_password_reset_and_the_new_password_are_logged(client: Any, young: Any) -> None:
    client.post(reverse("accounts:password_reset"), {"email": "ung@example.org"})
    assert kinds() == [("password-reset", None, young.user.pk)]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    form_url = client.get(link.split("testserver", 1)[1]).url
    client.post(
        form_url, {"new_password1": "en-helt-ny-kode-42", "new_password2": "en-helt-ny-kode-42"}
    )
    assert kinds()[1:] == [("password-changed", young.user.pk, young.user.pk)]
    assert SecurityEvent.objects.get(kind="password-changed").details == {"how": "reset"}


def test_password_reset_for_unknown_address_logs_nothing(client: Any, db: None) -> None:
    client.post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert kinds() == []


# Reading the log


def test_security_log_is_for_owners_only(
    login: Any, admin: Any, young: Any, organisation: Any, outsider: Any
) -> None:
    assert admin.role == Role.OWNER
    assert login(admin).get(log_url(admin)).status_code == 200
    assert login(admin).get(export_url(admin)).status_code == 200
    manager = MemberFactory(organisation=organisation, role=Role.ADMIN)
    for refused in (manager, young):
        assert login(refused).get(log_url(admin)).status_code == 403
        assert login(refused).get(export_url(admin)).status_code == 403
    assert login(outsider).get(log_url(admin)).status_code == 404
    assert login(outsider).get(export_url(admin)).status_code == 404


def test_security_log_shows_only_its_organisations_events(
    login: Any, admin: Any, young: Any, outsider: Any
) -> None:
    log_security_event(
        kind="role-changed", organisation=admin.organisation, subject_id=young.user.pk
    )
    log_security_event(
        kind="erased", organisation=outsider.organisation, subject_id=outsider.user.pk
    )
    log_security_event(kind="login-failed")
    response = login(admin).get(log_url(admin))
    assert [entry["event"].kind for entry in response.context["entries"]] == ["role-changed"]
    assert response.context["entries"][0]["subject"] == young.user
    assert "Ida Ung" in response.content.decode()
    assert response["Cache-Control"] == "no-store, private"


def test_security_log_filters_by_kind_person_and_date(
    login: Any, admin: Any, young: Any, experienced: Any
) -> None:
    org = admin.organisation
    now = timezone.now()
    old = log_security_event(kind="login", organisation=org, actor_id=young.user.pk)
    old.at = now - timedelta(days=10)
    old.save()
    log_security_event(kind="login", organisation=org, actor_id=experienced.user.pk)
    log_security_event(kind="sso-login", organisation=org, actor_id=young.user.pk)
    log_security_event(
        kind="role-changed", organisation=org, actor_id=admin.user.pk, subject_id=young.user.pk
    )
    client = login(admin)

    def shown(**params: str) -> list[tuple[str, int | None]]:
        response = client.get(log_url(admin, **params))
        assert response.status_code == 200
        return [(e["event"].kind, e["event"].actor_id) for e in response.context["entries"]]

    assert shown(kind="login") == [("login", experienced.user.pk), ("login", young.user.pk)]
    assert shown(kind="sso-login") == [("sso-login", young.user.pk)]
    # A person is found as the one who acted and as the one it concerned, by name or email.
    assert [kind for kind, _ in shown(person="Ida")] == ["role-changed", "sso-login", "login"]
    assert [kind for kind, _ in shown(person="UNG@example")] == [
        "role-changed",
        "sso-login",
        "login",
    ]
    today = timezone.localdate().isoformat()
    since = (timezone.localdate() - timedelta(days=11)).isoformat()
    until = (timezone.localdate() - timedelta(days=9)).isoformat()
    assert [kind for kind, _ in shown(since=today, person="ida")] == ["role-changed", "sso-login"]
    assert shown(since=since, until=until) == [("login", young.user.pk)]
    # A bad date is said, not a 500; the other filters still apply.
    response = client.get(log_url(admin, since="2026-13-45", kind="sso-login"))
    assert response.status_code == 200
    assert response.context["form"].errors["since"]
    assert len(response.context["entries"]) == 1


def test_security_log_is_paged_and_htmx_gets_only_the_list(login: Any, admin: Any) -> None:
    org = admin.organisation
    SecurityEvent.objects.bulk_create(
        SecurityEvent(kind="login", organisation=org, actor_id=admin.user.pk) for _ in range(120)
    )
    client = login(admin)
    first = client.get(log_url(admin))
    assert len(first.context["entries"]) == 50
    assert "?page=2" in first.content.decode()
    last = client.get(log_url(admin, kind="login", page="3"))
    assert len(last.context["entries"]) == 20
    partial = client.get(
        log_url(admin, page="2"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="security-log"
    )
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="security-log"')
    assert "<html" not in body and len(partial.context["entries"]) == 50


def test_security_log_page_queries_do_not_grow_with_entries(login: Any, admin: Any) -> None:
    org = admin.organisation
    client = login(admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(log_url(admin)).status_code == 200
        return len(captured)

    people = [MemberFactory(organisation=org) for _ in range(3)]
    for person in people:
        log_security_event(kind="login", organisation=org, actor_id=person.user.pk)
    queries()  # the first request of a session also writes it
    few = queries()
    people = [MemberFactory(organisation=org) for _ in range(40)]
    for person in people:
        log_security_event(
            kind="role-changed", organisation=org, actor_id=admin.user.pk, subject_id=person.user.pk
        )
    assert queries() == few
    assert few <= 10


def test_security_log_csv_has_safe_cells_and_is_itself_logged(
    login: Any, admin: Any, young: Any
) -> None:
    org = admin.organisation
    young.user.name = '=HYPERLINK("x")'
    young.user.save()
    log_security_event(
        kind="role-changed",
        organisation=org,
        actor_id=admin.user.pk,
        subject_id=young.user.pk,
        details={"old": "participant", "new": "admin"},
    )
    log_security_event(kind="login", organisation=org, actor_id=999_999)  # an erased account
    response = login(admin).get(export_url(admin) + "?kind=role-changed")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store, private"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert "Anne Admin <admin@example.org>" in lines[1]
    assert "'=HYPERLINK" in lines[1]
    assert "new: admin, old: participant" in lines[1]
    exported = SecurityEvent.objects.get(kind="exported")
    assert exported.details == {"export": "security-log", "rows": 1}
    assert exported.actor_id == admin.user.pk


def test_security_log_names_an_erased_account_a_former_member(
    login: Any, admin: Any, other_organisation: Any
) -> None:
    stranger = UserFactory(name="Sara Fremmed")
    MemberFactory(organisation=other_organisation, user=stranger)
    log_security_event(kind="login", organisation=admin.organisation, actor_id=999_999)
    log_security_event(kind="login", organisation=admin.organisation, actor_id=stranger.pk)
    response = login(admin).get(log_url(admin), HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    # Someone outside the organisation is not named to its owners either.
    assert "Sara Fremmed" not in body
    assert [e["actor"] for e in response.context["entries"]] == [None, None]


def test_security_log_dates_are_whole_local_days(login: Any, admin: Any) -> None:
    event = log_security_event(kind="login", organisation=admin.organisation)
    # 23:30 in Copenhagen on 1 March is 22:30 UTC: it belongs to 1 March, not 2 March.
    event.at = datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
    event.save()
    client = login(admin)
    assert (
        len(client.get(log_url(admin, since="2026-03-01", until="2026-03-01")).context["entries"])
        == 1
    )
    assert len(client.get(log_url(admin, since="2026-03-02")).context["entries"]) == 0
