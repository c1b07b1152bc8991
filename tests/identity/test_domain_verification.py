"""Proof that an organisation owns the email domains its provider vouches for (a DNS TXT
record), and what an unproved claim may not do: keep the real company out, refuse other
people's password login, or let strangers join. The resolver is replaced in every test;
nothing here asks a real DNS server."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gensidig.accounts.models import Role, SecurityEvent
from gensidig.identity import actions, dnscheck
from gensidig.identity.models import DomainClaim, UnknownPeople
from gensidig.identity.queries import domain_taken_elsewhere, provider_for_email
from tests.factories import PASSWORD, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
MONTHS_DA = "januar februar marts april maj juni juli august september oktober november december"
MONTHS_DA = MONTHS_DA.split()


@pytest.fixture(autouse=True)
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The TXT records the fake DNS publishes, by name."""
    records: dict[str, list[str]] = {}

    def txt_records(name: str) -> list[str]:
        if name in records and records[name] == ["FAIL"]:
            raise dnscheck.LookupFailed("Timeout")
        return records.get(name, [])

    monkeypatch.setattr(dnscheck, "txt_records", txt_records)
    return records


def claim_domain(owner: Any, *, password_login_allowed: bool = False, **changes: Any) -> Any:
    options: dict[str, Any] = {
        "name": "Fjordlys ID",
        "issuer": "https://id.fjordlys.dk",
        "client_id": "gensidig",
        "secret": "a-client-secret-of-the-test",
        "domains": ["fjordlys.dk"],
        "password_login_allowed": password_login_allowed,
        "unknown_people": UnknownPeople.REFUSE,
        "enforces_mfa": False,
        "enabled": True,
    }
    options.update(changes)
    actions.configure_provider(organisation=owner.organisation, by=owner, **options)
    return DomainClaim.objects.get(organisation=owner.organisation, domain="fjordlys.dk")


def check_url(claim: Any) -> str:
    return reverse(
        "identity:domain_check", kwargs={"org": claim.organisation.slug, "claim_id": claim.pk}
    )


def publish(dns: dict[str, list[str]], claim: Any) -> None:
    dns[claim.record_name] = ["v=spf1 -all", claim.record_value]


def test_domain_claim_is_unverified_until_the_txt_record_is_found(
    login: Any, admin: Any, dns: dict[str, list[str]]
) -> None:
    claim = claim_domain(admin)
    client = login(admin)
    page = client.get(reverse("identity:settings", kwargs={"org": admin.organisation.slug}))
    html = page.content.decode()
    assert "_gensidig-challenge.fjordlys.dk" in html
    assert f"gensidig-verification={claim.token}" in html
    response = client.post(check_url(claim), follow=True)
    assert "Vi har ikke fundet TXT-posten for “fjordlys.dk”" in response.content.decode()
    claim.refresh_from_db()
    assert claim.verified_at is None and claim.checked_at is not None
    assert provider_for_email("p@fjordlys.dk") is None

    publish(dns, claim)
    client.post(check_url(claim))
    claim.refresh_from_db()
    assert claim.verified_at is not None
    assert provider_for_email("p@fjordlys.dk") is not None
    event = SecurityEvent.objects.get(kind="sso-domain-verified")
    assert event.details == {"domain": "fjordlys.dk", "how": "dns"}


def test_domain_check_resolver_failure_shows_a_translated_message(
    login: Any, admin: Any, dns: dict[str, list[str]]
) -> None:
    claim = claim_domain(admin)
    dns[claim.record_name] = ["FAIL"]
    response = login(admin).post(check_url(claim), follow=True, HTTP_ACCEPT_LANGUAGE="da")
    assert response.status_code == 200
    assert "Vi kunne ikke spørge DNS om “fjordlys.dk”" in response.content.decode()
    claim.refresh_from_db()
    assert claim.verified_at is None


def test_domain_check_real_resolver_error_becomes_lookup_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import dns.exception
    import dns.resolver

    def resolve(self: Any, name: str, kind: str) -> Any:
        raise dns.exception.Timeout()

    monkeypatch.setattr(dns.resolver.Resolver, "__init__", lambda self, *a, **k: None)
    monkeypatch.setattr(dns.resolver.Resolver, "resolve", resolve)
    # The fixture replaced txt_records; call the real one.
    from importlib import reload

    real = reload(dnscheck)
    with pytest.raises(real.LookupFailed):
        real.txt_records("_gensidig-challenge.fjordlys.dk")


def test_unverified_claim_does_not_block_the_real_company(
    admin: Any, outsider: Any, dns: dict[str, list[str]]
) -> None:
    squatter = claim_domain(outsider)
    assert not domain_taken_elsewhere("fjordlys.dk", admin.organisation)
    real = claim_domain(admin)
    publish(dns, real)
    actions.check_domain(claim=real, by=admin)
    # The first claim can no longer be verified: one organisation owns a domain.
    publish(dns, squatter)
    with pytest.raises(actions.DomainNotVerified) as refusal:
        actions.check_domain(claim=squatter, by=outsider)
    assert refusal.value.reason == "taken"
    assert provider_for_email("p@fjordlys.dk").organisation == admin.organisation  # type: ignore[union-attr]
    assert domain_taken_elsewhere("fjordlys.dk", outsider.organisation)


def test_unverified_claim_does_not_refuse_password_login(client: Client, outsider: Any) -> None:
    claim_domain(outsider, password_login_allowed=False)
    UserFactory(email="p@fjordlys.dk")
    response = client.post(
        reverse("accounts:login"), {"username": "p@fjordlys.dk", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert SESSION_KEY in client.session


def test_password_login_block_spares_people_who_are_not_members(
    client: Client, admin: Any, outsider: Any, dns: dict[str, list[str]]
) -> None:
    """A verified domain whose owner switched password login off refuses only its own
    members; others log in, and an unknown address gets the ordinary failed login."""
    claim = claim_domain(outsider, password_login_allowed=False)
    publish(dns, claim)
    actions.check_domain(claim=claim, by=outsider)
    MemberFactory(organisation=admin.organisation, user=UserFactory(email="p@fjordlys.dk"))
    response = client.post(
        reverse("accounts:login"), {"username": "p@fjordlys.dk", "password": PASSWORD}
    )
    assert response.status_code == 302
    client.logout()
    unknown = client.post(
        reverse("accounts:login"), {"username": "nobody@fjordlys.dk", "password": "wrong-1"}
    )
    wrong = client.post(
        reverse("accounts:login"), {"username": "p@fjordlys.dk", "password": "wrong-1"}
    )
    assert unknown.status_code == wrong.status_code == 200
    # The same login page with its error for both: nothing tells the account exists.
    names = [[t.name for t in r.templates] for r in (unknown, wrong)]
    assert names[0] == names[1]
    assert "identity/use_sso.html" not in names[0]
    MemberFactory(organisation=outsider.organisation, user=UserFactory(email="m@fjordlys.dk"))
    member = client.post(
        reverse("accounts:login"), {"username": "m@fjordlys.dk", "password": PASSWORD}
    )
    assert member.status_code == 403
    assert SESSION_KEY not in client.session


def test_unknown_person_of_an_unverified_domain_does_not_join(admin: Any) -> None:
    claim_domain(admin, unknown_people=UnknownPeople.JOIN)
    provider = admin.organisation.identity_provider
    with pytest.raises(actions.SignInRefused) as refusal:
        actions.sign_in_with_provider(
            provider=provider, claims={"email": "new@fjordlys.dk", "email_verified": True}
        )
    assert refusal.value.reason == "domain-unverified"


def test_domain_check_refuses_outsiders(
    client: Client, login: Any, admin: Any, young: Any, outsider: Any, dns: dict[str, list[str]]
) -> None:
    claim = claim_domain(admin)
    publish(dns, claim)
    anonymous = client.post(check_url(claim))
    assert anonymous.status_code == 302
    assert "/login/" in anonymous["Location"]
    assert login(young).post(check_url(claim)).status_code == 403
    other_admin = MemberFactory(organisation=admin.organisation, role=Role.ADMIN)
    assert login(other_admin).post(check_url(claim)).status_code == 403
    # Another organisation's owner, in the URL of their own organisation or of this one.
    foreign = reverse(
        "identity:domain_check",
        kwargs={"org": outsider.organisation.slug, "claim_id": claim.pk},
    )
    assert login(outsider).post(foreign).status_code == 404
    assert login(outsider).post(check_url(claim)).status_code in {403, 404}
    claim.refresh_from_db()
    assert claim.verified_at is None
    assert login(admin).get(check_url(claim)).status_code == 405


def test_scim_links_an_existing_account_only_for_a_verified_domain(
    client: Client, outsider: Any, admin: Any, dns: dict[str, list[str]]
) -> None:
    """An unproved claim must not let a directory pull in someone else's account (which the
    claimant's provider could then sign in as)."""
    from tests.identity.test_scim import CORE, Scim

    victim = MemberFactory(organisation=admin.organisation, user=UserFactory(email="v@fjordlys.dk"))
    claim = claim_domain(outsider)
    _token, raw = actions.create_scim_token(
        organisation=outsider.organisation, by=outsider, name="Entra"
    )
    scim = Scim(client, raw)
    body = {"schemas": [CORE], "userName": "v", "emails": [{"value": "v@fjordlys.dk"}]}
    assert scim.call("post", "Users", body).status_code == 409
    assert not victim.user.memberships.filter(organisation=outsider.organisation).exists()
    publish(dns, claim)
    actions.check_domain(claim=claim, by=outsider)
    assert scim.call("post", "Users", body).status_code == 201


def verified_claim(owner: Any, dns: dict[str, list[str]]) -> Any:
    claim = claim_domain(owner)
    publish(dns, claim)
    return actions.check_domain(claim=claim, by=owner)


DAY = timedelta(days=1)


def test_recheck_domain_keeps_a_domain_whose_record_is_there(
    admin: Any, dns: dict[str, list[str]]
) -> None:
    claim = verified_claim(admin, dns)
    later = timezone.now() + 30 * DAY
    assert actions.recheck_domain(claim=claim, now=later) == "kept"
    claim.refresh_from_db()
    assert (claim.checked_at, claim.missing_since) == (later, None)
    assert claim.verified_at is not None


def test_recheck_domain_missing_record_warns_the_owners_once_and_still_counts(
    admin: Any, dns: dict[str, list[str]], mailoutbox: list[Any]
) -> None:
    admin.user.language = "da"
    admin.user.save()
    admin.organisation.name = "Fjordlys & Co"  # written as is in a plain-text email
    admin.organisation.save()
    claim = verified_claim(admin, dns)
    del dns[claim.record_name]
    first = timezone.now() + DAY
    assert actions.recheck_domain(claim=claim, now=first) == "missing"
    assert actions.recheck_domain(claim=claim, now=first + DAY) == "missing"
    claim.refresh_from_db()
    assert claim.missing_since == first and claim.verified_at is not None
    assert provider_for_email("p@fjordlys.dk") is not None  # a day without it breaks nothing
    [message] = mailoutbox
    assert message.to == ["admin@example.org"]
    assert message.subject == "DNS-posten for fjordlys.dk er væk"
    until = timezone.localtime(first + 7 * DAY)
    assert (
        f"Gensidig kunne ikke finde TXT-posten _gensidig-challenge.fjordlys.dk, der beviser, at "
        f"Fjordlys & Co ejer e-maildomænet fjordlys.dk. Sæt den ind igen før "
        f"{until.day}. {MONTHS_DA[until.month - 1]} {until.year}"
    ) in message.body
    assert "&amp;" not in message.body


def test_recheck_domain_missing_for_the_grace_days_is_no_longer_verified(
    admin: Any, outsider: Any, dns: dict[str, list[str]], settings: Any, mailoutbox: list[Any]
) -> None:
    settings.GENSIDIG_DOMAIN_GRACE_DAYS = 3
    claim = verified_claim(admin, dns)
    del dns[claim.record_name]
    first = timezone.now() + DAY
    assert actions.recheck_domain(claim=claim, now=first) == "missing"
    assert actions.recheck_domain(claim=claim, now=first + 2 * DAY) == "missing"
    assert actions.recheck_domain(claim=claim, now=first + 3 * DAY) == "lapsed"
    claim.refresh_from_db()
    assert (claim.verified_at, claim.missing_since) == (None, None)
    assert provider_for_email("p@fjordlys.dk") is None
    event = SecurityEvent.objects.get(kind="sso-domain-lapsed")
    assert event.organisation == admin.organisation and event.actor_id is None
    assert event.details == {
        "domain": "fjordlys.dk",
        "missing_since": timezone.localtime(first).date().isoformat(),
    }
    assert [m.subject for m in mailoutbox] == [
        "DNS-posten for fjordlys.dk er væk",
        "fjordlys.dk er ikke længere bekræftet",
    ]
    # Another organisation may now prove the domain is theirs.
    assert not domain_taken_elsewhere("fjordlys.dk", outsider.organisation)


def test_recheck_domain_lookup_failure_changes_nothing(
    admin: Any, dns: dict[str, list[str]], mailoutbox: list[Any]
) -> None:
    claim = verified_claim(admin, dns)
    dns[claim.record_name] = ["FAIL"]
    for days in (1, 10, 20):
        assert actions.recheck_domain(claim=claim, now=timezone.now() + days * DAY) == "unknown"
    claim.refresh_from_db()
    assert claim.verified_at is not None and claim.missing_since is None
    assert mailoutbox == []


def missing_for_a_day(owner: Any, dns: dict[str, list[str]]) -> tuple[Any, list[str]]:
    """A verified domain whose record the daily check missed yesterday, and that record."""
    claim = verified_claim(owner, dns)
    records = dns.pop(claim.record_name)
    assert actions.recheck_domain(claim=claim, now=timezone.now() + DAY) == "missing"
    return claim, records


def test_recheck_domain_record_back_clears_the_warning(
    login: Any, admin: Any, dns: dict[str, list[str]]
) -> None:
    claim, records = missing_for_a_day(admin, dns)
    settings_url = reverse("identity:settings", kwargs={"org": admin.organisation.slug})
    html = login(admin).get(settings_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The daily check has not found the TXT record since" in html
    assert f'value="{claim.record_value}"' in html  # what to publish again
    dns[claim.record_name] = records
    assert actions.recheck_domain(claim=claim, now=timezone.now() + 2 * DAY) == "kept"
    claim.refresh_from_db()
    assert claim.missing_since is None
    html = login(admin).get(settings_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The daily check has not found" not in html


def test_domain_check_by_the_owner_clears_the_warning(
    login: Any, admin: Any, dns: dict[str, list[str]]
) -> None:
    claim, records = missing_for_a_day(admin, dns)
    dns[claim.record_name] = records
    login(admin).post(check_url(claim))
    claim.refresh_from_db()
    assert claim.missing_since is None and claim.verified_at is not None


def test_recheck_domains_command_looks_up_verified_dns_domains_only(
    admin: Any, outsider: Any, dns: dict[str, list[str]]
) -> None:
    verified_claim(admin, dns)
    demo = DomainClaim.objects.create(organisation=outsider.organisation, domain="demo.example")
    actions.mark_domain_verified(claim=demo, by=outsider, how="demo")
    DomainClaim.objects.create(organisation=outsider.organisation, domain="ikke-bevist.dk")
    asked: list[str] = []
    looked_up = dnscheck.txt_records

    def spy(name: str) -> list[str]:
        asked.append(name)
        return looked_up(name)

    dnscheck.txt_records = spy  # type: ignore[assignment]
    try:
        out = StringIO()
        call_command("recheck_domains", stdout=out)
    finally:
        dnscheck.txt_records = looked_up  # type: ignore[assignment]
    assert asked == ["_gensidig-challenge.fjordlys.dk"]
    assert out.getvalue() == "kept 1\n"
    demo.refresh_from_db()
    assert demo.proof == "demo" and demo.verified_at is not None
