"""The backend seam: a second grant backend plugs into the engine and the reconciler without editing either."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from access_requests.models import Grant
from meshportal.aws.gateway import AwsError
from provisioning import backends as registry
from provisioning.backends import HeldPermission, PlanStep
from provisioning.backends.base import _BACKENDS, plan_step
from provisioning.engine import job_run
from provisioning.models import ProvisioningJob
from provisioning.reconciler import reconcile_run
from provisioning.services import provisioning_job_create
from tests.provisioning.helpers import PRODUCER, accounts, approved_grant

pytestmark = pytest.mark.django_db


@plan_step
@dataclass(frozen=True, kw_only=True)
class ShareStep(PlanStep):
    KIND: ClassVar[str] = "test_share"
    principal: str


class RecordingBackend:
    """A backend that keeps its "AWS" in memory: enough to prove what the engine asks of a backend."""

    name: ClassVar[str] = "recording"

    def __init__(self, *, fail_with: AwsError | None = None) -> None:
        self.fail_with = fail_with
        self.shared: set[str] = set()
        self.applied_batches: list[list[int]] = []
        self.undone: list[int] = []

    def plan(self, grant: Any, *, grantor_account_id: str, action: str, applied: Sequence[PlanStep] | None = None):
        return [ShareStep(account_id=grantor_account_id, principal=grant.principal_arn, summary=f"{action} share")]

    def apply(self, jobs: Sequence[ProvisioningJob]) -> dict[int, AwsError]:
        self.applied_batches.append([job.pk for job in jobs])
        if self.fail_with:
            return {job.pk: self.fail_with for job in jobs}
        self.shared.update(job.grant.principal_arn for job in jobs)
        return {}

    def verify(self, jobs: Sequence[ProvisioningJob]) -> tuple[dict[int, dict[str, Any]], dict[int, AwsError]]:
        return {job.pk: {"shared": job.grant.principal_arn in self.shared} for job in jobs}, {}

    def revoke(self, job: ProvisioningJob) -> dict[str, Any]:
        self.shared.discard(job.grant.principal_arn)
        return {}

    def undo(self, job: ProvisioningJob) -> dict[str, Any]:
        self.undone.append(job.pk)
        self.shared.discard(job.grant.principal_arn)
        return {}

    def expected(self, grant: Any, *, grantor_account_id: str) -> list[HeldPermission]:
        return [HeldPermission(grantor_account_id, grant.principal_arn, "share", {"Share": {}}, frozenset({"READ"}))]

    def observe(self, *, account_id: str, managed: set[tuple[str, str]]) -> Iterator[HeldPermission]:
        for principal in self.shared:
            yield HeldPermission(account_id, principal, "share", {"Share": {}}, frozenset({"READ"}))


@pytest.fixture
def recording():
    backend = RecordingBackend()
    registry.register_backend(backend)
    yield backend
    del _BACKENDS[backend.name]


def test_a_second_backend_grants_and_revokes_through_the_same_engine(personas, recording):
    accounts()
    grant = approved_grant(personas)
    job = provisioning_job_create(grant=grant, action="grant", backend="recording")
    job_run(job_id=job.pk)
    job.refresh_from_db()
    grant.refresh_from_db()
    assert job.status == "succeeded" and job.plan[0]["step"] == "test_share"
    assert grant.status == Grant.Status.ACTIVE
    assert recording.shared == {grant.principal_arn}

    revoke = provisioning_job_create(grant=grant, action="revoke")  # where it was applied: the same backend
    job_run(job_id=revoke.pk)
    revoke.refresh_from_db()
    assert revoke.backend == "recording" and revoke.status == "succeeded"
    assert recording.shared == set()


def test_the_reconciler_reads_every_backend(personas, recording, aws):
    accounts()
    grant = approved_grant(personas)
    job_run(job_id=provisioning_job_create(grant=grant, action="grant", backend="recording").pk)
    recording.shared.clear()  # removed behind the portal's back
    run = reconcile_run(repair=False)
    assert run.missing == 1
    assert run.findings.get().principal == grant.principal_arn


def test_backend_failures_that_cannot_heal_are_undone_and_fail_the_grant_with_the_reason(personas):
    backend = RecordingBackend(fail_with=AwsError(code="AccessDenied", message="no", operation="x:y", retryable=False))
    registry.register_backend(backend)
    try:
        accounts()
        grant = approved_grant(personas)
        job = provisioning_job_create(grant=grant, action="grant", backend="recording")
        job_run(job_id=job.pk)
        job.refresh_from_db()
        grant.refresh_from_db()
        assert job.status == "failed" and job.last_error_code == "AccessDenied"
        assert grant.status == Grant.Status.FAILED
        assert backend.undone == [job.pk]  # the engine asks the backend to undo what it may have applied
    finally:
        del _BACKENDS[backend.name]


def test_an_unregistered_backend_is_a_clear_error():
    with pytest.raises(LookupError, match="no grant backend named 's3-access-grants'"):
        registry.backend_for("s3-access-grants")


def test_the_grantor_of_a_plan_is_where_the_steps_act(personas, recording):
    accounts()
    steps = recording.plan(approved_grant(personas), grantor_account_id=PRODUCER, action="grant")
    assert steps[0].account_id == PRODUCER
