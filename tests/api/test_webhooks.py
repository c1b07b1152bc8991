"""Webhooks: delivered to a receiver on 127.0.0.1 started here, signed, retried with a
growing wait, paused (and the owner told) when the address keeps failing."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
from django.core import mail
from django.tasks import default_task_backend
from django.utils import timezone

from gensidig.api import actions
from gensidig.api.models import WebhookDelivery, WebhookSubscription
from gensidig.api.webhooks import backoff, deliver_webhook, verify
from gensidig.discoveries import actions as discovery_actions
from gensidig.discoveries.models import Discovery
from tests.matching.conftest import cohort  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server on 127.0.0.1 that records what it gets and answers with the next
    status of `statuses` (the last one repeats)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses = [200]
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                index = min(len(receiver.requests), len(receiver.statuses)) - 1
                self.send_response(receiver.statuses[index])
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.port = int(self.server.server_address[1])
        self.url = f"http://{host}:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    # The test-only allowance (off by default) that lets webhooks reach a loopback address.
    settings.GENSIDIG_WEBHOOK_ALLOW_LOCAL_HTTP = True
    server = Receiver()
    yield server
    server.close()


def subscribe(member: Any, url: str, events: list[str], format: str = "json", **kw: Any) -> Any:
    return actions.subscribe_webhook(by=member, url=url, events=events, format=format, **kw)


def share(member: Any, capture: Any, title: str = "Canva") -> Discovery:
    with capture(execute=True):
        return discovery_actions.submit_discovery(
            organisation=member.organisation,
            by=member,
            title=title,
            kind="tool",
            smarter_work="Hemmelig beskrivelse",
        )


def test_delivery_is_signed_with_a_timestamp_and_carries_no_text(
    admin: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    subscription = subscribe(admin, receiver.url, ["discovery.created"])
    discovery = share(admin, django_capture_on_commit_callbacks)
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert verify(subscription.secret, headers["Gensidig-Signature"], body)
    assert headers["Gensidig-Signature"].startswith(f"t={headers['Gensidig-Timestamp']},v1=")
    payload = json.loads(body)
    assert payload["event"] == "discovery.created"
    assert payload["id"] == headers["Gensidig-Delivery"]
    assert payload["timestamp"]
    assert payload["data"] == {"discovery_id": discovery.pk, "stage": "spotted"}
    assert b"Hemmelig" not in body
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_status, delivery.attempts) == ("delivered", 200, 1)


def test_signature_refuses_a_changed_body_an_old_timestamp_and_another_secret(
    admin: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    subscription = subscribe(admin, receiver.url, ["discovery.created"])
    share(admin, django_capture_on_commit_callbacks)
    headers, body = receiver.requests[0]["headers"], receiver.requests[0]["body"]
    signature = headers["Gensidig-Signature"]
    sent_at = int(headers["Gensidig-Timestamp"])
    assert not verify(subscription.secret, signature, body + b" ")
    assert not verify(subscription.secret, signature, body, now=sent_at + 301)
    assert not verify("whsec_other", signature, body)
    assert verify(subscription.secret, signature, body, now=sent_at + 299)


def test_failed_delivery_is_retried_until_it_succeeds(
    admin: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    receiver.statuses = [500, 503, 200]
    subscribe(admin, receiver.url, ["discovery.created"])
    share(admin, django_capture_on_commit_callbacks)
    assert len(receiver.requests) == 3
    assert len({r["headers"]["Gensidig-Delivery"] for r in receiver.requests}) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 3, 200)
    assert WebhookSubscription.objects.get().failures_in_row == 0


def test_subscription_that_keeps_failing_is_paused_and_its_creator_told(
    admin: Any, receiver: Receiver, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.GENSIDIG_WEBHOOK_ATTEMPTS = 2
    settings.GENSIDIG_WEBHOOK_PAUSE_AFTER = 2
    receiver.statuses = [500]
    subscribe(admin, receiver.url, ["discovery.created"])
    share(admin, django_capture_on_commit_callbacks, "Canva")
    assert WebhookSubscription.objects.get().paused_at is None
    share(admin, django_capture_on_commit_callbacks, "Miro")
    subscription = WebhookSubscription.objects.get()
    assert subscription.paused_at is not None
    assert len(receiver.requests) == 4
    assert [d.status for d in WebhookDelivery.objects.all()] == ["failed", "failed"]
    [message] = [m for m in mail.outbox if admin.user.email in m.to]
    assert receiver.url in message.subject
    share(admin, django_capture_on_commit_callbacks, "Notion")
    assert len(receiver.requests) == 4
    assert WebhookDelivery.objects.count() == 2


def test_a_paused_subscription_whose_creator_left_tells_the_owners(
    admin: Any, receiver: Receiver, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from tests.factories import MemberFactory

    settings.GENSIDIG_WEBHOOK_ATTEMPTS = 1
    settings.GENSIDIG_WEBHOOK_PAUSE_AFTER = 1
    receiver.statuses = [500]
    creator = MemberFactory(organisation=admin.organisation, role="admin")
    subscribe(creator, receiver.url, ["discovery.created"])
    creator.is_active = False
    creator.save()
    share(admin, django_capture_on_commit_callbacks)
    assert WebhookSubscription.objects.get().paused_at is not None
    told = [m for m in mail.outbox if receiver.url in m.subject]
    assert [m.to for m in told] == [[admin.user.email]]


def test_an_unreachable_address_counts_as_a_failure(
    admin: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.GENSIDIG_WEBHOOK_ALLOW_LOCAL_HTTP = True
    settings.GENSIDIG_WEBHOOK_ATTEMPTS = 1
    receiver = Receiver()
    url = receiver.url
    receiver.close()
    subscribe(admin, url, ["discovery.created"])
    share(admin, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_status) == ("failed", None)
    assert delivery.error


def test_retries_wait_longer_each_time_with_a_queue(admin: Any, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.GENSIDIG_WEBHOOK_ALLOW_LOCAL_HTTP = True
    subscription = subscribe(admin, "http://127.0.0.1:9/nobody", ["discovery.created"])
    delivery = WebhookDelivery.objects.create(subscription=subscription, event="discovery.created")
    context = SimpleNamespace(
        task_result=SimpleNamespace(task=SimpleNamespace(get_backend=lambda: default_task_backend))
    )
    before = timezone.now()
    assert deliver_webhook.func(context, delivery_id=delivery.pk) == "retrying"
    [queued] = default_task_backend.results  # type: ignore[attr-defined]
    assert queued.kwargs == {"delivery_id": delivery.pk}
    assert queued.task.run_after >= before + timedelta(seconds=30)
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_task_carries_the_delivery_id_not_the_secret(
    admin: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    subscription = subscribe(admin, "https://hooks.example.org/x", ["discovery.created"])
    share(admin, django_capture_on_commit_callbacks)
    [queued] = default_task_backend.results  # type: ignore[attr-defined]
    assert queued.kwargs == {"delivery_id": WebhookDelivery.objects.get().pk}
    assert subscription.secret not in repr(queued.args) + repr(queued.kwargs)


DANISH_WHEN = re.compile(
    r"\d{1,2}\. (januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|"
    r"december) \d{4} \d{2}:\d{2}$"
)


def teams_and_slack(admin: Any, receiver: Receiver, capture: Any, language: str) -> Any:
    admin.organisation.name = "Fjordlys Møbler & Søn A/S"
    admin.organisation.save()
    subscribe(admin, receiver.url, ["discovery.created"], format="teams", language=language)
    subscribe(admin, receiver.url, ["discovery.created"], format="slack", language=language)
    share(admin, capture)
    raw = [r["body"] for r in receiver.requests]
    bodies = [json.loads(body) for body in raw]
    teams = next(b for b in bodies if "attachments" in b)
    slack = next(b for b in bodies if "blocks" in b)
    return raw, teams["attachments"][0], slack


def test_teams_and_slack_messages_in_danish_read_as_written(
    admin: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    # The creator reads English; the channel the subscription was made for reads Danish.
    admin.user.language = "en"
    admin.user.save()
    raw, card, slack = teams_and_slack(
        admin, receiver, django_capture_on_commit_callbacks, language="da"
    )
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard"
    title, line = (block["text"] for block in card["content"]["body"])
    assert title == "En opdagelse blev delt"
    organisation, when = line.split(" · ")
    assert organisation == "Fjordlys Møbler & Søn A/S"
    assert DANISH_WHEN.match(when), when
    # Slack escapes only its own three markup characters; the Danish goes as written.
    assert slack["blocks"][0]["text"]["text"] == (
        f"*En opdagelse blev delt*\nFjordlys Møbler &amp; Søn A/S · {when}"
    )
    assert slack["text"] == f"En opdagelse blev delt (Fjordlys Møbler &amp; Søn A/S · {when})"
    for body in raw:
        assert "Møbler".encode() in body
        assert b"\\u00f8" not in body and b"&oslash;" not in body and b"&#" not in body


def test_teams_and_slack_messages_in_english(
    admin: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    admin.user.language = "da"
    admin.user.save()
    _raw, card, slack = teams_and_slack(
        admin, receiver, django_capture_on_commit_callbacks, language="en"
    )
    title, line = (block["text"] for block in card["content"]["body"])
    assert title == "A discovery was shared"
    assert not DANISH_WHEN.search(line)
    assert slack["blocks"][0]["text"]["text"].startswith("*A discovery was shared*\n")


def test_messages_keep_the_subscriptions_language_when_its_creator_leaves(
    admin: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    subscription = subscribe(admin, receiver.url, ["discovery.created"], format="teams")
    assert subscription.language == admin.user.language == "da"
    WebhookSubscription.objects.update(created_by=None)
    share(admin, django_capture_on_commit_callbacks)
    card = json.loads(receiver.requests[0]["body"])["attachments"][0]
    assert card["content"]["body"][0]["text"] == "En opdagelse blev delt"


def test_subscription_form_offers_the_creators_language_first(
    login: Any, admin: Any, settings: Any
) -> None:
    from django.urls import reverse

    settings.GENSIDIG_WEBHOOK_ALLOW_LOCAL_HTTP = False
    admin.user.language = "en"
    admin.user.save()
    client = login(admin)
    url = reverse("api_pages:webhooks", kwargs={"org": admin.organisation.slug})
    page = client.get(url).content.decode()
    assert re.search(r'<option value="en" selected>', page)
    client.post(
        url,
        {
            "url": "https://hooks.example.org/teams",
            "events": ["pair.formed"],
            "format": "teams",
            "language": "da",
        },
    )
    assert WebhookSubscription.objects.get().language == "da"


def test_adopting_a_discovery_sends_moved_and_adopted(
    admin: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    subscribe(admin, receiver.url, ["discovery.moved", "discovery.adopted"])
    discovery = Discovery.objects.create(
        organisation=admin.organisation, title="X", kind="tool", smarter_work="y", stage="trying"
    )
    with django_capture_on_commit_callbacks(execute=True):
        discovery_actions.move_discovery(discovery=discovery, by=admin, to="adopted")
    events = sorted(json.loads(r["body"])["event"] for r in receiver.requests)
    assert events == ["discovery.adopted", "discovery.moved"]


def test_pair_formed_and_member_left_reach_the_subscriber(
    admin: Any, young: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    from gensidig.accounts.actions import deactivate_member
    from gensidig.matching.models import Pair
    from tests.factories import EnrolmentFactory, ProgramFactory

    subscribe(admin, receiver.url, ["pair.formed", "member.left"])
    program = ProgramFactory(organisation=admin.organisation, state="running")
    with django_capture_on_commit_callbacks(execute=True):
        pair = Pair.objects.create(
            program=program,
            a=EnrolmentFactory(program=program),
            b=EnrolmentFactory(program=program, side="experienced"),
        )
        deactivate_member(member=young, by=admin)
    payloads = [json.loads(r["body"]) for r in receiver.requests]
    assert [(p["event"], p["data"]) for p in payloads] == [
        ("pair.formed", {"pair_id": pair.pk, "program_id": program.pk}),
        ("member.left", {"member_id": young.pk}),
    ]


def test_only_the_last_100_deliveries_are_kept(admin: Any, settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from gensidig.api.webhooks import record_event

    subscription = subscribe(admin, "https://hooks.example.org/x", ["member.left"])
    for n in range(105):
        record_event("member.left", admin.organisation_id, {"member_id": n})
    kept = WebhookDelivery.objects.filter(subscription=subscription)
    assert kept.count() == 100
    assert min(d.data["member_id"] for d in kept) == 5


def test_other_organisations_events_never_reach_a_subscription(
    admin: Any, outsider: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    subscribe(admin, receiver.url, ["discovery.created"])
    share(outsider, django_capture_on_commit_callbacks)
    assert receiver.requests == []


def test_every_action_reports_its_event(
    admin: Any,
    young: Any,
    experienced: Any,
    settings: Any,
    cohort: Any,  # noqa: F811
) -> None:
    """Each action with an event records a delivery for a subscriber of all events."""
    from gensidig.accounts import actions as account_actions
    from gensidig.common.events import EVENTS
    from gensidig.insights import actions as insight_actions
    from gensidig.insights.models import PulseInvite
    from gensidig.matching import actions as matching_actions
    from gensidig.matching.models import Pair, Proposal
    from gensidig.meetings import actions as meeting_actions
    from gensidig.meetings.models import Meeting
    from gensidig.programs import actions as program_actions
    from tests.factories import ProgramFactory

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    subscribe(admin, "https://hooks.example.org/all", list(EVENTS))
    _invitation, raw = account_actions.invite_member(
        organisation=admin.organisation,
        email="ny@example.org",
        role="participant",
        invited_by=admin,
    )
    account_actions.accept_invitation(token=raw, name="Ny Person", password="a-long-password-1")
    enrolling = ProgramFactory(organisation=admin.organisation, state="enrolling")
    program_actions.enrol(program=enrolling, member=young)
    matching_round = matching_actions.start_round(program=cohort["program"], by=admin)
    matching_actions.publish_round(matching_round=matching_round)
    proposal = Proposal.objects.filter(status="published").first()
    assert proposal is not None
    for enrolment in (proposal.a, proposal.b):
        matching_actions.answer_proposal(proposal=proposal, enrolment=enrolment, accept=True)
    pair = Pair.objects.get(proposal=proposal)
    meeting = Meeting.objects.create(
        pair=pair,
        proposed_by=pair.a,
        starts_at=timezone.now() + timedelta(days=3),
        minutes=60,
        place="Kantinen",
    )
    meeting_actions.confirm_meeting(meeting=meeting, by=pair.b)
    meeting_actions.cancel_meeting(meeting=meeting, by=pair.b)
    PulseInvite.objects.create(
        program=cohort["program"],
        enrolment=pair.a,
        point="month",
        sent_at=timezone.now() - timedelta(days=15),
    )
    assert insight_actions.close_pulses() == 1
    meeting_actions.end_pair(pair=pair, by=admin, reason="Flyttet")
    account_actions.deactivate_member(member=young, by=admin)
    discovery = discovery_actions.submit_discovery(
        organisation=admin.organisation, by=admin, title="Canva", kind="tool", smarter_work="x"
    )
    Discovery.objects.filter(pk=discovery.pk).update(stage="trying")
    discovery.refresh_from_db()
    discovery_actions.move_discovery(discovery=discovery, by=admin, to="adopted")
    events = set(WebhookDelivery.objects.values_list("event", flat=True))
    # Every event a subscriber can choose (the list) comes from an action.
    assert events == set(EVENTS)
    closed = WebhookDelivery.objects.get(event="pulse.closed").data
    assert {key: closed[key] for key in ("program_id", "point", "invited", "answered")} == {
        "program_id": cohort["program"].pk,
        "point": "month",
        "invited": 1,
        "answered": 0,
    }
    place = WebhookDelivery.objects.filter(event__startswith="meeting.")
    assert all("Kantinen" not in str(d.data) for d in place)


# --- Addresses: resolved, checked, and connected to as checked ----------------------------


class Resolver:
    """socket.getaddrinfo for the names of a test: each name answers the next of its
    addresses (the last one repeats); other names go to the real resolver."""

    def __init__(self, monkeypatch: Any, answers: dict[str, list[str]]) -> None:
        import socket

        self.answers = answers
        self.asked: list[str] = []
        real = socket.getaddrinfo

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            if host not in self.answers:
                return real(host, port, *args, **kwargs)
            self.asked.append(host)
            queue = self.answers[host]
            address = queue.pop(0) if len(queue) > 1 else queue[0]
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "10.1.2.3",
        "172.16.5.4",
        "192.168.1.10",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fd00::1",
        "fe80::1",
        "::ffff:10.0.0.1",
        "224.0.0.1",
    ],
)
def test_a_name_resolving_to_a_private_address_is_refused_when_saved(
    admin: Any, monkeypatch: Any, address: str
) -> None:
    Resolver(monkeypatch, {"intern.example.net": [address]})
    with pytest.raises(actions.WebhookUrlError, match="privat netværk"):
        subscribe(admin, "https://intern.example.net/hook", ["pair.formed"])
    assert not WebhookSubscription.objects.exists()


def test_a_name_with_one_private_address_among_public_ones_is_refused(
    admin: Any, monkeypatch: Any
) -> None:
    import socket

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(actions.WebhookUrlError):
        subscribe(admin, "https://split.example.net/hook", ["pair.formed"])


def test_the_subscription_page_refuses_a_name_resolving_inside_the_network(
    login: Any, admin: Any, monkeypatch: Any
) -> None:
    from django.urls import reverse

    Resolver(monkeypatch, {"metadata.example.net": ["169.254.169.254"]})
    response = login(admin).post(
        reverse("api_pages:webhooks", kwargs={"org": admin.organisation.slug}),
        {"url": "https://metadata.example.net/", "events": ["pair.formed"], "format": "json"},
    )
    assert "url" in response.context["form"].errors
    assert not WebhookSubscription.objects.exists()


def test_an_unknown_host_name_is_refused_when_saved(admin: Any, monkeypatch: Any) -> None:
    import socket

    def getaddrinfo(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with pytest.raises(actions.WebhookUrlError):
        subscribe(admin, "https://nowhere.example.net/hook", ["pair.formed"])


def test_loopback_is_refused_without_the_test_only_allowance(admin: Any, settings: Any) -> None:
    settings.GENSIDIG_WEBHOOK_ALLOW_LOCAL_HTTP = False
    for url in ("http://127.0.0.1:8000/hook", "https://127.0.0.1/hook", "https://localhost/"):
        with pytest.raises(actions.WebhookUrlError):
            subscribe(admin, url, ["pair.formed"])


def test_the_test_only_allowance_is_off_unless_set() -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("GENSIDIG_WEBHOOK")}
    env["GENSIDIG_DEBUG"] = "1"
    code = "from gensidig import settings; print(settings.GENSIDIG_WEBHOOK_ALLOW_LOCAL_HTTP)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_delivery_refuses_a_name_that_resolves_inside_the_network_now(
    admin: Any, monkeypatch: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import socket

    settings.GENSIDIG_WEBHOOK_ATTEMPTS = 1
    resolver = Resolver(monkeypatch, {"flip.example.net": ["93.184.215.14", "10.0.0.5"]})
    subscribe(admin, "https://flip.example.net/hook", ["discovery.created"])
    connected: list[Any] = []
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: connected.append(a))
    share(admin, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_status) == ("failed", None)
    assert "privat netværk" in delivery.error
    assert connected == []
    assert resolver.asked == ["flip.example.net", "flip.example.net"]


def test_delivery_connects_to_the_address_it_checked_not_a_later_answer(
    admin: Any, receiver: Receiver, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # DNS rebinding: the name answers 127.0.0.1 when checked and 127.0.0.2 (standing for an
    # inside server) when asked again. The delivery must go where the check looked.
    inside = Receiver("127.0.0.2", receiver.port)
    try:
        resolver = Resolver(monkeypatch, {"rebind.example.net": ["127.0.0.1"]})
        url = f"http://rebind.example.net:{receiver.port}/hook"
        subscription = subscribe(admin, url, ["discovery.created"])
        resolver.answers["rebind.example.net"] = ["127.0.0.1", "127.0.0.2"]
        resolver.asked.clear()
        share(admin, django_capture_on_commit_callbacks)
    finally:
        inside.close()
    assert inside.requests == []
    [request] = receiver.requests
    assert request["headers"]["Host"] == f"rebind.example.net:{receiver.port}"
    assert verify(subscription.secret, request["headers"]["Gensidig-Signature"], request["body"])
    assert resolver.asked == ["rebind.example.net"]


def test_https_connects_to_the_checked_address_and_checks_the_host_name(
    monkeypatch: Any,
) -> None:
    import socket

    from gensidig.api.actions import WebhookTarget
    from gensidig.api.webhooks import PinnedHTTPSConnection

    target = WebhookTarget(
        url="https://secure.example.net/hook",
        scheme="https",
        host="secure.example.net",
        port=443,
        path="/hook",
        address="93.184.215.14",
    )
    dialled: list[Any] = []

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> Any:
        dialled.append(address)
        raise ConnectionRefusedError

    monkeypatch.setattr(socket, "create_connection", create_connection)
    connection = PinnedHTTPSConnection(target, 1)
    with pytest.raises(ConnectionRefusedError):
        connection.request("POST", "/hook", body=b"{}")
    assert dialled == [("93.184.215.14", 443)]
    # TLS (SNI and the certificate check) and Host use the name, not the address.
    assert connection.host == "secure.example.net"
    assert connection._context.check_hostname  # type: ignore[attr-defined]
