"""Celery tasks for provisioning: thin, take ids, call the engine or a service (STYLE.md §7)."""

from __future__ import annotations

from celery import shared_task

from provisioning import engine, reconciler, registration


@shared_task(name="provisioning.run_job", acks_late=True, ignore_result=True)
def run_job(job_id: int) -> None:
    engine.job_run(job_id=job_id)


@shared_task(name="provisioning.relay_jobs", ignore_result=True)
def relay_jobs() -> int:
    return engine.jobs_relay()


@shared_task(name="provisioning.reconcile", ignore_result=True)
def reconcile() -> int:
    return reconciler.reconcile_run().pk


@shared_task(name="provisioning.run_registration", acks_late=True, ignore_result=True)
def run_registration(job_id: int) -> None:
    registration.registration_run(job_id=job_id)


@shared_task(name="provisioning.relay_registrations", ignore_result=True)
def relay_registrations() -> int:
    return registration.registrations_relay()


@shared_task(name="provisioning.sync_registrations", ignore_result=True)
def sync_registrations() -> int:
    return registration.registrations_sync_due()
