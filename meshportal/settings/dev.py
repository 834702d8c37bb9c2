"""Local development and the demo: debug on, everything embedded."""

from meshportal.settings.base import *  # noqa: F403
from meshportal.settings.env import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
