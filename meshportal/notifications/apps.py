from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meshportal.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # The outbox engine sends webhook deliveries by task name (meshportal/core/outbox): register the tasks
        # in every process, the web included, not only where a worker autodiscovers them.
        import meshportal.notifications.tasks  # noqa: F401, PLC0415
