from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "gensidig.identity"
    label = "identity"
    verbose_name = "Identity"

    def ready(self) -> None:
        from gensidig.accounts.security import register_kind_labels
        from gensidig.identity import signals  # noqa: F401  (connects the receivers)
        from gensidig.identity.events import LABELS

        register_kind_labels(LABELS)
