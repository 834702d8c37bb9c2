"""Test settings: the dev settings with fast hashing and in-memory mail.

INSTALLED_APPS comes from dev.py, including the "aws_emulator" app when moto is installed.
"""

from meshportal.settings.dev import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Unit and view tests run tasks inline; the integration tests start a real worker instead.
CELERY_TASK_ALWAYS_EAGER = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# The webhook tests deliver to a server on 127.0.0.1; production refuses internal addresses.
MESHPORTAL_WEBHOOK_ALLOW_PRIVATE = True
