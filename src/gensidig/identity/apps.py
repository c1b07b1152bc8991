from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "gensidig.identity"
    label = "identity"
    verbose_name = "Identity"

    def ready(self) -> None:
        from gensidig.identity import signals  # noqa: F401  (connects the receivers)
