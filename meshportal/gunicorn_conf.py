"""Gunicorn settings for the web service: ``gunicorn -c python:meshportal.gunicorn_conf meshportal.wsgi:application``
(docker-compose and the Dockerfile)."""

from __future__ import annotations

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    """Once the worker has loaded the application, move everything loading created out of the cyclic garbage
    collector's reach (``gc.freeze``). Those objects live as long as the worker; left in the collector's oldest
    generation, every full collection walks them all and pauses the request in flight for about 100 ms
    (``bench/search.py`` shows it as its p99 and max)."""
    gc.freeze()
