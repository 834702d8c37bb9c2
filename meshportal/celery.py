"""The Celery application. Tasks are thin: they take ids and call a service (see STYLE.md)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meshportal.settings.dev")

app = Celery("meshportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Carry the web request id into the tasks it enqueues, so one id follows the work in the logs.
import meshportal.core.request_id  # noqa: E402,F401
