"""Claims, leases, fenced updates, retries with backoff, and the relay, for any ``OutboxJob`` model."""

from __future__ import annotations

import os
import random
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from meshportal.core.outbox.models import FINISHED, OutboxJob, OutboxStatus


@dataclass(frozen=True)
class OutboxTiming:
    """The timing knobs of one kind of work; declared in ``settings.MESHPORTAL_OUTBOX`` with their defaults."""

    lease_seconds: float  # a RUNNING claim older than this counts as abandoned by a dead worker
    requeue_seconds: float  # a QUEUED row not picked up for this long is enqueued again (lost message)
    retry_base_seconds: float  # backoff before the first retry, doubling each attempt ("full jitter")
    retry_max_seconds: float  # the backoff's cap
    max_attempts: int  # attempts before an error that could heal is given up on

    @classmethod
    def for_kind(cls, kind: str) -> OutboxTiming:
        return cls(**settings.MESHPORTAL_OUTBOX[kind])


def worker_token() -> str:
    """One token per claim: host, process and a nonce, so that a re-delivered message in the same process
    cannot pass for the claim that is still running."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Outbox[J: OutboxJob]:
    """The engine for one kind of work: ``model`` rows, run by the Celery task named ``task_name`` (which
    takes the row's id), timed by ``settings.MESHPORTAL_OUTBOX[kind]``."""

    def __init__(self, *, kind: str, model: type[J], task_name: str) -> None:
        self.kind = kind
        self.model = model
        self.task_name = task_name

    # --- settings ------------------------------------------------------------------------------------

    @property
    def timing(self) -> OutboxTiming:
        return OutboxTiming.for_kind(self.kind)

    def lease(self) -> timedelta:
        return timedelta(seconds=self.timing.lease_seconds)

    # --- sending --------------------------------------------------------------------------------------

    def _send(self, job_id: int, *, countdown: float | None = None) -> None:
        # By name: the engine sits below the apps whose tasks it sends (and a task module imports its services).
        task = current_app.tasks[self.task_name]
        if countdown is None:
            task.apply_async((job_id,))
        else:
            task.apply_async((job_id,), countdown=countdown)

    def enqueue_on_commit(self, job_id: int) -> None:
        """Send the row to a worker once the transaction that wrote it commits. A lost send is not lost work:
        the relay re-drives PENDING rows."""

        def send() -> None:
            if (
                self.model._default_manager.filter(pk=job_id, status=OutboxStatus.PENDING).update(
                    status=OutboxStatus.QUEUED, enqueued_at=timezone.now()
                )
                == 1
            ):
                self._send(job_id)

        transaction.on_commit(send)

    # --- claiming -------------------------------------------------------------------------------------

    def claimable(self, now: datetime) -> Q:
        return (
            Q(status__in=[OutboxStatus.PENDING, OutboxStatus.QUEUED])
            | Q(status=OutboxStatus.RETRY, next_attempt_at__lte=now)
            | Q(status=OutboxStatus.RETRY, next_attempt_at__isnull=True)
            | Q(status=OutboxStatus.RUNNING, claimed_at__lt=now - self.lease())
        )

    def claim(self, *, job_id: int, worker: str) -> bool:
        """Take the row if nobody else holds it (conditional update: exactly one claimant wins)."""
        now = timezone.now()
        return (
            self.model._default_manager.filter(self.claimable(now), pk=job_id).update(
                status=OutboxStatus.RUNNING,
                claimed_at=now,
                claimed_by=worker,
                attempts=F("attempts") + 1,
                next_attempt_at=None,
            )
            == 1
        )

    def mine(self, job: J) -> models.QuerySet[J]:
        """The row while this claim still holds it: every terminal update goes through here, so a worker whose
        lease ran out (and whose row another worker took over) changes nothing."""
        return self.model._default_manager.filter(pk=job.pk, status=OutboxStatus.RUNNING, claimed_by=job.claimed_by)

    def in_flight(self, queryset: models.QuerySet[J]) -> models.QuerySet[J]:
        """The rows of ``queryset`` that a live claim is working on now."""
        return queryset.filter(status=OutboxStatus.RUNNING, claimed_at__gte=timezone.now() - self.lease())

    # --- ending an attempt ----------------------------------------------------------------------------

    def backoff_seconds(self, attempts: int) -> float:
        timing = self.timing
        # "Full jitter": https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/
        ceiling = min(timing.retry_max_seconds, timing.retry_base_seconds * (2 ** max(attempts - 1, 0)))
        return random.uniform(0, ceiling)  # noqa: S311 - jitter, not crypto

    def may_retry(self, job: J) -> bool:
        return job.attempts < self.timing.max_attempts

    def reschedule(self, job: J, *, code: str, message: str, **fields: Any) -> bool:
        """Put the claimed row back for a later attempt after a backoff. Fenced; call inside a transaction."""
        delay = self.backoff_seconds(job.attempts)
        updated = self.mine(job).update(
            status=OutboxStatus.RETRY,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            last_error_code=code[:128],
            last_error=message[:4000],
            **fields,
        )
        if updated:
            transaction.on_commit(lambda: self._send(job.pk, countdown=delay))
        return bool(updated)

    def finish(self, job: J, *, status: str, code: str = "", message: str = "", **fields: Any) -> bool:
        """End the claimed row (succeeded, failed or cancelled). Fenced: False when the claim was lost."""
        if status not in FINISHED:
            raise ValueError(f"{status!r} is not a final status")
        return bool(
            self.mine(job).update(
                status=status,
                finished_at=timezone.now(),
                last_error_code=code[:128],
                last_error=message[:4000],
                **fields,
            )
        )

    def release_after_crash(self, *, job_ids: list[int], worker: str, error: BaseException) -> None:
        """Not an answer from the outside world (a database error, a bug): put the claimed rows back for a later
        try, with the reason, instead of leaving them RUNNING until their lease runs out."""
        for stuck in self.model._default_manager.filter(pk__in=job_ids, status=OutboxStatus.RUNNING, claimed_by=worker):
            with transaction.atomic():
                self.reschedule(stuck, code=type(error).__name__, message=str(error)[:1000])

    # --- the relay ------------------------------------------------------------------------------------

    def relay(self, *, now: datetime | None = None) -> int:
        """Re-drive work whose message may be lost: committed but never enqueued, enqueued but never run (a
        broker restart), due retries, and claims whose worker died. Returns how many rows were sent again."""
        now = now or timezone.now()
        stale_queue = now - timedelta(seconds=self.timing.requeue_seconds)
        due = self.model._default_manager.filter(
            Q(status=OutboxStatus.PENDING, created_at__lt=now - timedelta(seconds=5))
            | Q(status=OutboxStatus.QUEUED, enqueued_at__lt=stale_queue)
            | Q(status=OutboxStatus.RETRY, next_attempt_at__lt=now)
            | Q(status=OutboxStatus.RUNNING, claimed_at__lt=now - self.lease())
        ).values_list("id", "status")
        count = 0
        for job_id, status in due:
            updated = self.model._default_manager.filter(pk=job_id, status=status).update(
                status=OutboxStatus.QUEUED if status != OutboxStatus.RUNNING else status,
                enqueued_at=now,
            )
            if updated:
                self._send(job_id)
                count += 1
        return count
