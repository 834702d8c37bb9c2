"""Beat tasks of access requests: thin, they call the services (STYLE.md §7)."""

from __future__ import annotations

from celery import shared_task

from access_requests.popularity import product_popularity_refresh
from access_requests.services import grants_expire_due, grants_remind_expiring


@shared_task(name="access_requests.expire_grants", ignore_result=True)
def expire_grants() -> int:
    return grants_expire_due()


@shared_task(name="access_requests.remind_expiring", ignore_result=True)
def remind_expiring() -> int:
    return grants_remind_expiring()


@shared_task(name="access_requests.refresh_popularity", ignore_result=True)
def refresh_popularity() -> int:
    return product_popularity_refresh()
