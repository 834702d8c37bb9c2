from __future__ import annotations

import logging

from celery import shared_task

from meshportal.core.request_id import get_request_id

logger = logging.getLogger(__name__)


@shared_task(name="platform.ping", ignore_result=True)
def ping(note: str = "") -> str:
    """A no-op that proves a worker is consuming (used by tests and by operators)."""
    logger.info("pong", extra={"note": note})
    return get_request_id()
