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
        # The role registry (platform layer) asks before a role leaves it whether open requests still name it.
        # Imported here, not at the top: app modules load only once the app registry is ready.
        from access_requests.services.requests import role_in_use  # noqa: PLC0415
        from meshportal.aws.consumer_roles import register_removal_check  # noqa: PLC0415

        register_removal_check(role_in_use)
