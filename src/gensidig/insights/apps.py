from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "gensidig.insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from gensidig.meetings.tasks import daily_run_done

        daily_run_done.connect(record_snapshots, dispatch_uid="insights.health_snapshots")


def record_snapshots(sender: Any, now: Any, **kwargs: Any) -> None:
    from gensidig.insights.snapshots import record_health_snapshots

    record_health_snapshots(now=now)
