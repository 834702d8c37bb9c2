"""Celery tasks for provisioning: thin, take ids, call services (STYLE.md §7)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="provisioning.run_job", acks_late=True, ignore_result=True)
def run_job(job_id: int) -> None:
    from provisioning.execution import job_run

    job_run(job_id=job_id)


@shared_task(name="provisioning.relay_jobs", ignore_result=True)
def relay_jobs() -> int:
    from provisioning.execution import jobs_relay

    return jobs_relay()


@shared_task(name="provisioning.reconcile", ignore_result=True)
def reconcile() -> int:
    from provisioning.reconciler import reconcile_run

    return reconcile_run().pk
