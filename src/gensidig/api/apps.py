from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "gensidig.api"
    verbose_name = _("API and webhooks")

    def ready(self) -> None:
        from gensidig.api import webhooks
        from gensidig.common.events import listen

        listen(webhooks.record_event)
        webhooks.connect_signals()
