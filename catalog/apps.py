from django.apps import AppConfig


class CatalogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        # The outbox engine sends harvests by task name (meshportal/core/outbox): register the tasks in every
        # process, the web included, not only where a worker autodiscovers them.
        import catalog.tasks  # noqa: F401, PLC0415
