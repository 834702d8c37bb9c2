"""Drift between the grants the portal believes in and Lake Formation in every grantor account.

missing    — the portal has an active grant whose permissions are not (all) in Lake Formation;
unexpected — Lake Formation holds permissions for a principal on a portal-managed resource that no
             portal grant explains (someone granted by hand, or a revocation was undone);
different  — both exist but Lake Formation holds more or other permissions than the grant.
Missing grants are re-applied when the governance settings say so; unexpected ones are flagged for admins.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils import timezone

from access_requests.models import Grant
from catalog.models import OutputPort
from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record
from meshportal.aws.gateway import AwsError
from meshportal.aws.services import governance_settings_get
from meshportal.identity.actors import SystemActor
from provisioning import services
from provisioning.backends import backend_for, backends
from provisioning.models import DriftFinding, ProvisioningJob, ReconcileRun

RECONCILER = SystemActor("reconciler")


def _expected() -> dict[tuple[str, str, str], dict[str, Any]]:
    """(grantor, principal, resource key) → {"perms", "grant", "resource"}, from every active grant and the
    backend and grantor of the grant job that applied it."""
    expected: dict[tuple[str, str, str], dict[str, Any]] = {}
    # dict() keeps the last pair per grant: order by id ascending so the newest job wins.
    applied_by = {
        grant_id: (grantor, backend)
        for grant_id, grantor, backend in ProvisioningJob.objects.filter(action="grant", status="succeeded")
        .order_by("grant_id", "id")
        .values_list("grant_id", "grantor_account_id", "backend")
    }
    for grant in Grant.objects.filter(status=Grant.Status.ACTIVE).select_related("port"):
        if grant.pk not in applied_by:
            continue
        grantor, backend = applied_by[grant.pk]
        for held in backend_for(backend).expected(grant, grantor_account_id=grantor):
            key = (held.account_id, held.principal, held.resource_key)
            slot = expected.setdefault(key, {"perms": set(), "grant": grant, "resource": held.resource})
            slot["perms"].update(held.permissions)
    return expected


def reconcile_run(*, repair: bool | None = None) -> ReconcileRun:
    repair = governance_settings_get().repair_missing_grants if repair is None else repair
    run = ReconcileRun.objects.create(started_at=timezone.now())
    expected = _expected()
    managed = set(OutputPort.objects.values_list("catalog_id", "database_name"))
    grantor_accounts = sorted(
        {k[0] for k in expected} | set(ProvisioningJob.objects.values_list("grantor_account_id", flat=True).distinct())
    )
    actual: dict[tuple[str, str, str], dict[str, Any]] = {}
    errors = []
    for account_id in grantor_accounts:
        try:
            for backend in backends():
                for held in backend.observe(account_id=account_id, managed=managed):
                    key = (account_id, held.principal, held.resource_key)
                    slot = actual.setdefault(key, {"perms": set(), "resource": held.resource})
                    slot["perms"].update(held.permissions)
                    run.permissions_seen += 1
        except AwsError as error:
            errors.append(f"{account_id}: {error.code}: {error.message}")
        run.accounts_checked += 1
    if errors:
        # Without a full read of an account, its grants would all look missing: report, don't guess.
        expected = {k: v for k, v in expected.items() if k[0] not in {e.split(":")[0] for e in errors}}
    findings: list[DriftFinding] = []
    now = timezone.now()
    for key, want in expected.items():
        have = actual.get(key, {}).get("perms", set())
        if not want["perms"] <= have:
            kind = DriftFinding.Kind.MISSING if have <= want["perms"] else DriftFinding.Kind.DIFFERENT
        elif have != want["perms"]:
            kind = DriftFinding.Kind.DIFFERENT
        else:
            continue
        findings.append(
            DriftFinding(
                run=run,
                kind=kind,
                account_id=key[0],
                principal=key[1],
                resource=want["resource"],
                expected_permissions=sorted(want["perms"]),
                actual_permissions=sorted(have),
                grant=want["grant"],
                found_at=now,
            )
        )
    for key, have in actual.items():
        if key not in expected:
            findings.append(
                DriftFinding(
                    run=run,
                    kind=DriftFinding.Kind.UNEXPECTED,
                    account_id=key[0],
                    principal=key[1],
                    resource=have["resource"],
                    expected_permissions=[],
                    actual_permissions=sorted(have["perms"]),
                    found_at=now,
                )
            )
    counts: dict[str, int] = defaultdict(int)
    with transaction.atomic():
        DriftFinding.objects.filter(status=DriftFinding.Status.OPEN).update(
            status=DriftFinding.Status.RESOLVED, resolved_at=now
        )
        DriftFinding.objects.bulk_create(findings)
        for finding in DriftFinding.objects.filter(run=run).select_related("grant"):
            counts[finding.kind] += 1
            audit_record(
                actor=RECONCILER,
                event_type=EventType.DRIFT_FOUND,
                obj=finding,
                product_id=finding.grant.product_id if finding.grant else None,
                principal=finding.principal,
                account_id=finding.account_id,
                after={
                    "kind": finding.kind,
                    "resource": finding.resource,
                    "expected": finding.expected_permissions,
                    "actual": finding.actual_permissions,
                },
            )
            unfinished = (
                finding.grant is not None
                and ProvisioningJob.objects.filter(grant=finding.grant)
                .exclude(status__in=ProvisioningJob.FINISHED)
                .exists()
            )
            if repair and finding.kind == DriftFinding.Kind.MISSING and finding.grant is not None and not unfinished:
                job = services.provisioning_job_create(grant=finding.grant, action="grant")
                finding.status = DriftFinding.Status.REPAIRED
                finding.resolved_at = now
                finding.save(update_fields=["status", "resolved_at"])
                counts["repaired"] += 1
                audit_record(
                    actor=RECONCILER,
                    event_type=EventType.DRIFT_REPAIRED,
                    obj=finding,
                    product_id=finding.grant.product_id,
                    principal=finding.principal,
                    account_id=finding.account_id,
                    after={"job": job.pk},
                )
        run.missing = counts[DriftFinding.Kind.MISSING]
        run.unexpected = counts[DriftFinding.Kind.UNEXPECTED]
        run.different = counts[DriftFinding.Kind.DIFFERENT]
        run.repaired = counts["repaired"]
        run.error = "\n".join(errors)
        run.finished_at = timezone.now()
        run.save()
    return run
