"""Background tasks of the insights app."""

from __future__ import annotations

from django.tasks import task


@task()
def send_pulses_task() -> dict[str, int]:
    """The daily run (`gensidig pulse`): pulses due go out, one reminder each, and pulses
    that have been open for two weeks close."""
    from gensidig.insights.actions import close_pulses, send_pulses

    return {**send_pulses(), "closed": close_pulses()}
