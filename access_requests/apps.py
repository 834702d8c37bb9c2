from django.apps import AppConfig


class AccessRequestsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "access_requests"
    verbose_name = "Access requests"

    def ready(self) -> None:
        # Imported here, not at the top: app modules load only once the app registry is ready.
        from access_requests.selectors import access_badges  # noqa: PLC0415
        from catalog.matches import register_access_badges  # noqa: PLC0415

        # Search results show whether the reader already has access (the catalog cannot import this app).
        register_access_badges(access_badges)
