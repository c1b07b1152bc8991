from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "gensidig.programs"
    verbose_name = _("Programs")

    def ready(self) -> None:
        from gensidig.programs import signals  # noqa: F401  (connects the receivers)
