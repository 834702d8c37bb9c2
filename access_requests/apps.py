from django.apps import AppConfig


class AccessRequestsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "access_requests"
    verbose_name = "Access requests"
