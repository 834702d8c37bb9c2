"""Catalog Celery tasks: thin, take ids, call a service (STYLE.md §7)."""

from __future__ import annotations

from celery import shared_task

from catalog.services.harvest import harvest_run, harvests_relay


@shared_task(name="catalog.harvest_run", acks_late=True, ignore_result=True)
def harvest_run_task(job_id: int) -> None:
    """Run one Glue harvest. Idempotent: ``harvest_run`` claims the job, so a redelivery does nothing."""
    harvest_run(job_id=job_id)


@shared_task(name="catalog.relay_harvests", ignore_result=True)
def relay_harvests() -> int:
    return harvests_relay()
