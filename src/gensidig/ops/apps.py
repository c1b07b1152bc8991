from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "gensidig.ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from gensidig.ops import workers  # noqa: F401  (connects the lost-task handling)
