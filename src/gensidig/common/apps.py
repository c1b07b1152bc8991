from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "gensidig.common"
    verbose_name = _("Common")

    def ready(self) -> None:
        from gensidig.common import tasks  # noqa: F401  (connects the task-failure reporting)
