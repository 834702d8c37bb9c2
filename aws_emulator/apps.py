"""The emulator as a Django app, only so that ``manage.py aws_emulator`` exists in dev and test settings."""

from django.apps import AppConfig


class AwsEmulatorConfig(AppConfig):
    name = "aws_emulator"
    verbose_name = "AWS emulator (development and tests)"
