"""Background tasks of the insights app."""

from __future__ import annotations

from django.tasks import task


@task()
def send_pulses_task() -> dict[str, int]:
    """The daily run (`gensidig pulse`): pulses due go out, and one reminder each."""
    from gensidig.insights.actions import send_pulses

    return send_pulses()
