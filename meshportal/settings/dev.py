"""Local development and the demo: debug on, everything embedded."""

from importlib.util import find_spec

from meshportal.settings.base import *  # noqa: F403
from meshportal.settings.env import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)

# `manage.py aws_emulator` comes from the emulator's own app, there only when requirements/emulator.txt is
# installed (scripts/demo, dev.txt). Named as a string: the portal never imports the emulator.
if find_spec("moto") is not None:
    INSTALLED_APPS = [*INSTALLED_APPS, "aws_emulator"]  # noqa: F405
