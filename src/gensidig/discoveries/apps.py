from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiscoveriesConfig(AppConfig):
    name = "gensidig.discoveries"
    verbose_name = _("Discoveries")
