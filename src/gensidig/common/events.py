"""Events that happened in the organisation, for whoever listens (the webhooks).

The apps call `emit` where the thing happens, inside their action's transaction; a listener
registered with `listen` (the API app's webhooks) decides what to do with it. This module sits
at the bottom, so that apps report events without importing the apps above them.

An event carries ids, states and dates only: never note, reflection or meeting text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Listener = Callable[[str, int, dict[str, Any]], None]

# The events a subscriber can choose, in the order the subscription form lists them.
EVENTS: tuple[str, ...] = (
    "member.joined",
    "member.left",
    "enrolment.changed",
    "round.published",
    "proposal.answered",
    "pair.formed",
    "pair.ended",
    "meeting.booked",
    "meeting.cancelled",
    "discovery.created",
    "discovery.moved",
    "discovery.adopted",
    "pulse.closed",
)

_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def emit(event: str, *, organisation_id: int, **data: Any) -> None:
    """Report `event` in the organisation with small, plain `data` (ids, states, dates)."""
    if event not in EVENTS:
        raise ValueError(f"Unknown event: {event!r}")
    for listener in _listeners:
        listener(event, organisation_id, dict(data))
