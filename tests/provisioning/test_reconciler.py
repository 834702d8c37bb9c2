"""The reconciler compares active grants with list_permissions in every grantor account (paginated)."""

from __future__ import annotations

import pytest

from meshportal.audit.models import AuditEvent
from provisioning.engine import job_run
from provisioning.models import DriftFinding, ProvisioningJob
from provisioning.reconciler import reconcile_run
from provisioning.services import provisioning_job_create
from tests.provisioning.helpers import CONSUMER, PRODUCER, ROLE, accounts, approved_grant, seed_emulator

pytestmark = pytest.mark.django_db


def _granted(aws, personas, **kwargs):
    grant = approved_grant(personas, **kwargs)
    job = provisioning_job_create(grant=grant, action="grant")
    job_run(job_id=job.pk)
    grant.refresh_from_db()
    assert grant.status == "active", grant.last_error
    return grant


def test_no_drift_when_lake_formation_matches(aws, personas):
    seed_emulator(aws, org=True)
    accounts(org=True)
    _granted(aws, personas)
    run = reconcile_run(repair=False)
    assert (run.missing, run.unexpected, run.different) == (0, 0, 0)
    assert run.accounts_checked == 1 and run.permissions_seen == 2


def test_missing_grant_is_reported_and_repaired(aws, personas):
    seed_emulator(aws, org=True)
    accounts(org=True)
    grant = _granted(aws, personas)
    lf = aws.client("lakeformation", PRODUCER)
    lf.revoke_permissions(
        Principal={"DataLakePrincipalIdentifier": ROLE},
        Resource={"Table": {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}},
        Permissions=["SELECT", "DESCRIBE"],
    )
    run = reconcile_run(repair=True)
    assert run.missing == 1 and run.repaired == 1
    finding = DriftFinding.objects.get(run=run)
    assert finding.kind == "missing" and finding.grant_id == grant.pk and finding.status == "repaired"
    assert AuditEvent.objects.filter(event_type="provisioning.drift_found").count() == 1
    assert AuditEvent.objects.filter(event_type="provisioning.drift_repaired").count() == 1
    # the repair job restores the permission; the next run is clean
    repair_job = ProvisioningJob.objects.filter(grant=grant).order_by("-id").first()
    job_run(job_id=repair_job.pk)
    assert reconcile_run(repair=False).missing == 0


def test_unexpected_permission_on_a_managed_table_is_flagged_not_removed(aws, personas):
    seed_emulator(aws, org=True)
    accounts(org=True)
    _granted(aws, personas)
    intruder = f"arn:aws:iam::{CONSUMER}:role/Intruder"
    lf = aws.client("lakeformation", PRODUCER)
    lf.grant_permissions(
        Principal={"DataLakePrincipalIdentifier": intruder},
        Resource={"Table": {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}},
        Permissions=["SELECT"],
    )
    run = reconcile_run(repair=True)
    assert run.unexpected == 1 and run.repaired == 0
    finding = DriftFinding.objects.get(run=run, kind="unexpected")
    assert finding.principal == intruder and finding.status == "open"


def test_extra_permissions_are_reported_as_different(aws, personas):
    seed_emulator(aws, org=True)
    accounts(org=True)
    _granted(aws, personas)
    lf = aws.client("lakeformation", PRODUCER)
    lf.grant_permissions(
        Principal={"DataLakePrincipalIdentifier": ROLE},
        Resource={"Table": {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}},
        Permissions=["ALTER"],
    )
    run = reconcile_run(repair=False)
    assert run.different == 1
    finding = DriftFinding.objects.get(run=run)
    assert finding.actual_permissions == ["ALTER", "DESCRIBE", "SELECT"]


def test_reconciler_pages_through_many_permissions(aws, personas):
    seed_emulator(aws, org=True)
    accounts(org=True)
    first = _granted(aws, personas)
    lf = aws.client("lakeformation", PRODUCER)
    for i in range(120):  # more than one page of 100
        lf.grant_permissions(
            Principal={"DataLakePrincipalIdentifier": f"arn:aws:iam::{CONSUMER}:role/Bulk{i}"},
            Resource={"Database": {"CatalogId": PRODUCER, "Name": "sales"}},
            Permissions=["DESCRIBE"],
        )
    aws.reset_stats()
    run = reconcile_run(repair=False)
    assert run.unexpected == 120
    assert aws.stats()["services"]["lakeformation"]["ListPermissions"] >= 2
    assert first.pk
