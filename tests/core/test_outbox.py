"""The one outbox engine, on the provisioning job model (the engine is the same for every kind of work)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from meshportal.core.outbox import Outbox, OutboxStatus, OutboxTiming
from provisioning.engine import JOBS
from provisioning.models import ProvisioningJob
from provisioning.services import provisioning_job_create
from tests.provisioning.helpers import accounts, approved_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(personas, django_capture_on_commit_callbacks):
    accounts()
    with django_capture_on_commit_callbacks(execute=False):  # keep it PENDING: no worker runs it
        return provisioning_job_create(grant=approved_grant(personas), action="grant")


def _timing(settings, **changes):
    settings.MESHPORTAL_OUTBOX = {
        **settings.MESHPORTAL_OUTBOX,
        "provisioning": {**settings.MESHPORTAL_OUTBOX["provisioning"], **changes},
    }


def test_every_kind_declares_its_timing_in_settings(settings):
    for kind in ("provisioning", "harvest", "webhook"):
        timing = OutboxTiming.for_kind(kind)
        assert timing.lease_seconds > 0 and timing.max_attempts >= 1


def test_exactly_one_claimant_wins(job):
    assert JOBS.claim(job_id=job.pk, worker="a") is True
    assert JOBS.claim(job_id=job.pk, worker="b") is False
    job.refresh_from_db()
    assert job.status == OutboxStatus.RUNNING and job.claimed_by == "a" and job.attempts == 1


def test_a_claim_older_than_the_lease_can_be_taken_over(job, settings):
    _timing(settings, lease_seconds=60)
    JOBS.claim(job_id=job.pk, worker="dead")
    ProvisioningJob.objects.filter(pk=job.pk).update(claimed_at=timezone.now() - timedelta(seconds=61))
    assert JOBS.claim(job_id=job.pk, worker="alive") is True


def test_finishing_is_fenced_on_the_claim(job):
    JOBS.claim(job_id=job.pk, worker="old")
    stale = ProvisioningJob.objects.get(pk=job.pk)
    ProvisioningJob.objects.filter(pk=job.pk).update(claimed_by="new")
    assert JOBS.finish(stale, status=OutboxStatus.SUCCEEDED) is False
    assert ProvisioningJob.objects.get(pk=job.pk).status == OutboxStatus.RUNNING


def test_finish_refuses_a_status_that_is_not_final(job):
    JOBS.claim(job_id=job.pk, worker="w")
    with pytest.raises(ValueError, match="not a final status"):
        JOBS.finish(ProvisioningJob.objects.get(pk=job.pk), status=OutboxStatus.RETRY)


def test_reschedule_backs_off_within_the_declared_cap(job, settings, django_capture_on_commit_callbacks):
    _timing(settings, retry_base_seconds=10, retry_max_seconds=15)
    JOBS.claim(job_id=job.pk, worker="w")
    ProvisioningJob.objects.filter(pk=job.pk).update(attempts=5)
    claimed = ProvisioningJob.objects.get(pk=job.pk)
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert JOBS.reschedule(claimed, code="ThrottlingException", message="slow down") is True
    job.refresh_from_db()
    assert job.status == OutboxStatus.RETRY and job.last_error_code == "ThrottlingException"
    assert before <= job.next_attempt_at <= before + timedelta(seconds=15.5)  # capped, not 10 * 2**4
    assert len(callbacks) == 1  # the delayed send goes out only on commit


def test_may_retry_follows_max_attempts(job, settings):
    _timing(settings, max_attempts=2)
    job.attempts = 1
    assert JOBS.may_retry(job)
    job.attempts = 2
    assert not JOBS.may_retry(job)


@pytest.mark.parametrize(
    ("state", "resent"),
    [
        ({"status": "pending", "created_at_ago": 10}, True),  # committed, enqueue lost
        ({"status": "pending", "created_at_ago": 0}, False),  # just written: its on-commit send is on the way
        ({"status": "queued", "enqueued_at_ago": 600}, True),  # broker lost the message
        ({"status": "queued", "enqueued_at_ago": 1}, False),
        ({"status": "retry", "next_attempt_at_ago": 1}, True),  # due retry
        ({"status": "retry", "next_attempt_at_ago": -60}, False),  # not yet due
        ({"status": "running", "claimed_at_ago": 10_000}, True),  # dead worker
        ({"status": "running", "claimed_at_ago": 1}, False),
        ({"status": "succeeded"}, False),
    ],
)
def test_the_relay_resends_exactly_what_a_lost_message_or_dead_worker_left(job, state, resent, monkeypatch):
    now = timezone.now()
    fields = {"status": state["status"]}
    for name in ("created_at", "enqueued_at", "next_attempt_at", "claimed_at"):
        if f"{name}_ago" in state:
            fields[name] = now - timedelta(seconds=state[f"{name}_ago"])
    ProvisioningJob.objects.filter(pk=job.pk).update(**fields)
    sent: list[int] = []
    monkeypatch.setattr(Outbox, "_send", lambda self, job_id, countdown=None: sent.append(job_id))
    assert JOBS.relay(now=now) == (1 if resent else 0)
    assert sent == ([job.pk] if resent else [])
