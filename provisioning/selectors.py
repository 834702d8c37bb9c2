from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from access_requests.models import Grant
from access_requests.selectors import grant_get_for_user, grant_list
from meshportal.aws.models import AwsAccount
from meshportal.core.errors import NotAllowed
from meshportal.core.outbox import OutboxJob, OutboxStatus
from meshportal.identity import roles
from provisioning.models import (
    AwsCallAttempt,
    CatalogRegistration,
    DriftFinding,
    GovernanceModelChange,
    ProvisioningJob,
    ReconcileRun,
)


def account_list(*, user: Any) -> QuerySet[AwsAccount]:
    """The account registry: platform admins and auditors see it whole; others see the active accounts
    (consumers need them to name the account of the role they request access for)."""
    qs = AwsAccount.objects.order_by("name")
    return qs if roles.sees_everything(user) else qs.filter(is_active=True)


def account_get_for_user(*, user: Any, pk: int) -> AwsAccount:
    return get_object_or_404(account_list(user=user), pk=pk)


def require_account_admin(user: Any) -> None:
    if not roles.is_platform_admin(user):
        raise NotAllowed("Only platform admins manage AWS accounts.")


# --- provisioning work: jobs, calls, drift -------------------------------------------------------------


def grant_timeline(*, user: Any, grant_id: int) -> dict[str, Any]:
    """The plan and the AWS calls behind one grant, for people who may see the grant (404 otherwise)."""

    grant = grant_get_for_user(user=user, pk=grant_id)
    jobs = list(ProvisioningJob.objects.filter(grant=grant).order_by("id"))
    calls = list(AwsCallAttempt.objects.filter(grant=grant).order_by("started_at", "id"))
    current = jobs[-1] if jobs else None
    return {
        "grant": grant,
        "jobs": jobs,
        "current_job": current,
        "calls": calls,
        "in_flight": bool(current and current.status not in ("succeeded", "failed")),
    }


def operations_overview(*, user: Any) -> dict[str, Any]:
    """The admin console: work that needs attention. Platform admins and auditors only."""

    if not roles.sees_everything(user):
        raise NotAllowed("The provisioning console is for platform admins and auditors.")
    jobs = ProvisioningJob.objects.select_related("grant__product", "grant__consumer_account")
    return {
        "failed_grants": list(
            Grant.objects.filter(status__in=[Grant.Status.FAILED, Grant.Status.PARTIAL])
            .select_related("product", "consumer_account", "request__requester")
            .order_by("-updated_at")[:100]
        ),
        "failing_revocations": list(
            Grant.objects.filter(status=Grant.Status.REVOKING)
            .select_related("product", "consumer_account")
            .order_by("updated_at")[:100]
        ),
        "waiting_jobs": list(jobs.filter(status__in=["pending", "queued", "running", "retry"]).order_by("id")[:100]),
        "open_drift": list(
            DriftFinding.objects.filter(status=DriftFinding.Status.OPEN)
            .select_related("grant__product")
            .order_by("-found_at")[:200]
        ),
        "runs": list(ReconcileRun.objects.order_by("-started_at")[:10]),
        "registrations": list(registration_list(user=user)[:50]),
    }


def job_list(*, user: Any) -> Any:
    """Provisioning jobs of the grants the user may see."""

    return (
        ProvisioningJob.objects.filter(grant__in=grant_list(user=user).values("pk"))
        .select_related("grant")
        .order_by("-id")
    )


def drift_list(*, user: Any) -> Any:

    if not roles.sees_everything(user):
        raise NotAllowed("Drift findings are for platform admins and auditors.")
    return DriftFinding.objects.select_related("run").order_by("-id")


def model_change_list(*, user: Any) -> QuerySet[GovernanceModelChange]:
    """Governance model switches, newest first, with their registration jobs. Admins and auditors only."""
    if not roles.sees_everything(user):
        raise NotAllowed("Governance model switches are for platform admins and auditors.")
    return GovernanceModelChange.objects.select_related("requested_by").prefetch_related("registrations")


def model_change_get_for_user(*, user: Any, pk: int) -> GovernanceModelChange:
    return get_object_or_404(model_change_list(user=user), pk=pk)


def model_change_progress(change: GovernanceModelChange) -> dict[str, int]:
    """How far a switch's registrations got: total, done, failed, waiting (uses prefetched registrations)."""
    statuses = [registration.status for registration in change.registrations.all()]
    return {
        "total": len(statuses),
        "done": statuses.count(OutboxStatus.SUCCEEDED),
        "failed": statuses.count(OutboxStatus.FAILED),
        "waiting": sum(1 for s in statuses if s not in OutboxJob.FINISHED),
    }


def registration_list(*, user: Any) -> QuerySet[CatalogRegistration]:
    """Central catalog registrations and schema syncs, newest first, with their diffs. Admins and auditors."""
    if not roles.sees_everything(user):
        raise NotAllowed("Central catalog registrations are for platform admins and auditors.")
    return CatalogRegistration.objects.select_related("port__product").order_by("-id")
