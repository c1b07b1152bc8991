from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "gensidig.insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from gensidig.insights import tallies
        from gensidig.meetings.tasks import daily_run_done

        daily_run_done.connect(record_snapshots, dispatch_uid="insights.health_snapshots")
        tallies.connect()


def record_snapshots(sender: Any, now: Any, **kwargs: Any) -> None:
    from gensidig.insights.snapshots import record_health_snapshots

    record_health_snapshots(now=now)
    from gensidig.insights.tallies import recount_uncounted

    recount_uncounted()
