from django.apps import AppConfig


class IdentityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meshportal.identity"
    label = "identity"
    verbose_name = "Identity: users, teams and roles"

    def ready(self) -> None:
        # Connects the login audit's signal receivers (every login path, one place).
        from meshportal.identity import login_audit  # noqa: F401, PLC0415
