from django.apps import AppConfig


class AwsConfig(AppConfig):
    name = "meshportal.aws"
    label = "aws"
    verbose_name = "AWS accounts"
    default_auto_field = "django.db.models.BigAutoField"
