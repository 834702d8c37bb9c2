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

from meshportal.audit.events import EventType
from meshportal.audit.services import SystemActor, audit_record
from meshportal.aws.gateway import AwsError
from meshportal.aws.gateway import lakeformation as lf
from provisioning import plan as planning
from provisioning.models import DriftFinding, ProvisioningJob, ReconcileRun

RECONCILER = SystemActor("reconciler")
IGNORED_PRINCIPALS = {"IAM_ALLOWED_PRINCIPALS"}


def _expected() -> tuple[dict[tuple[str, str, str], dict[str, Any]], set[tuple[str, str]]]:
    """(grantor, principal, resource key) → {"perms", "grant", "resource"}; and the managed databases."""
    from access_requests.models import Grant

    expected: dict[tuple[str, str, str], dict[str, Any]] = {}
    # dict() keeps the last pair per grant: order by id ascending so the newest job wins.
    grantors = dict(
        ProvisioningJob.objects.filter(action="grant", status="succeeded")
        .order_by("grant_id", "id")
        .values_list("grant_id", "grantor_account_id")
    )
    grants = Grant.objects.filter(status=Grant.Status.ACTIVE).select_related("port")
    for grant in grants:
        grantor = grantors.get(grant.pk)
        if grantor is None:
            continue
        for entry in planning.grant_entries(grant):
            resource_key, perms, resource = _comparable(entry["Resource"], entry["Permissions"])
            key = (grantor, entry["Principal"], resource_key)
            slot = expected.setdefault(key, {"perms": set(), "grant": grant, "resource": resource})
            slot["perms"].update(perms)
    from catalog.models import OutputPort

    managed = set(OutputPort.objects.values_list("catalog_id", "database_name"))
    return expected, managed


def _comparable(resource: dict[str, Any], permissions: list[str]) -> tuple[str, set[str], dict[str, Any]]:
    """A resource key and permission set that compare the way Lake Formation stores grants: column grants
    of one principal on one table merge into one set, so columns become part of the permission
    ("SELECT(email)") and the key is the table."""
    if "TableWithColumns" in resource:
        body = resource["TableWithColumns"]
        table = {k: body.get(k) for k in ("CatalogId", "DatabaseName", "Name")}
        perms = {f"{p}({c})" for p in permissions for c in body.get("ColumnNames") or []}
        return repr(("TableWithColumns", tuple(table.values()))), perms, {"TableWithColumns": table}
    return repr(lf._normalise(resource)), set(permissions), resource


def _in_scope(resource: dict[str, Any], managed: set[tuple[str, str]]) -> bool:
    kind, body = next(iter(resource.items()))
    if kind == "Database":
        return (body.get("CatalogId"), body.get("Name")) in managed
    if kind in ("Table", "TableWithColumns"):
        return (body.get("CatalogId"), body.get("DatabaseName")) in managed
    return False


def reconcile_run(*, repair: bool | None = None) -> ReconcileRun:
    from meshportal.aws.services import governance_settings_get
    from provisioning.execution import _client
    from provisioning.services import provisioning_job_create

    repair = governance_settings_get().repair_missing_grants if repair is None else repair
    run = ReconcileRun.objects.create(started_at=timezone.now())
    expected, managed = _expected()
    grantor_accounts = sorted(
        {k[0] for k in expected} | set(ProvisioningJob.objects.values_list("grantor_account_id", flat=True).distinct())
    )
    actual: dict[tuple[str, str, str], dict[str, Any]] = {}
    errors = []
    for account_id in grantor_accounts:
        try:
            client = _client("lakeformation", account_id)
            for entry in lf.iter_permissions(client, account_id=account_id):
                principal = entry["Principal"]["DataLakePrincipalIdentifier"]
                if principal in IGNORED_PRINCIPALS or not principal.startswith("arn:aws:iam::"):
                    continue
                if not _in_scope(entry["Resource"], managed):
                    continue
                resource_key, perms, resource = _comparable(entry["Resource"], entry.get("Permissions", []))
                key = (account_id, principal, resource_key)
                slot = actual.setdefault(key, {"perms": set(), "resource": resource})
                slot["perms"].update(perms)
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
                job = provisioning_job_create(grant=finding.grant, action="grant")
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
