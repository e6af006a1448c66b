from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = "Leads"

    def ready(self) -> None:
        from . import lookups, signals  # noqa: F401  (registers the ci lookup and cache hooks)
        from .services import hooks  # noqa: F401  (registers the import batches' webhooks)
