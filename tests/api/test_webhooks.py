"""Webhooks: delivered to a receiver on 127.0.0.1 started here, signed, retried with a
growing wait, paused (and the owner told) when the address keeps failing."""

from __future__ import annotations

import json
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

    def __init__(self) -> None:
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.GENSIDIG_WEBHOOK_ALLOW_LOCAL_HTTP = True
    server = Receiver()
    yield server
    server.close()


def subscribe(member: Any, url: str, events: list[str], format: str = "json") -> Any:
    return actions.subscribe_webhook(by=member, url=url, events=events, format=format)


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


def test_teams_and_slack_get_their_format_in_the_creators_language(
    admin: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    subscribe(admin, receiver.url, ["discovery.created"], format="teams")
    subscribe(admin, receiver.url, ["discovery.created"], format="slack")
    share(admin, django_capture_on_commit_callbacks)
    bodies = [json.loads(r["body"]) for r in receiver.requests]
    teams = next(b for b in bodies if "attachments" in b)
    slack = next(b for b in bodies if "blocks" in b)
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard"
    assert card["content"]["body"][0]["text"] == "En opdagelse blev delt"
    assert slack["blocks"][0]["text"]["text"].startswith("*En opdagelse blev delt*")


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
