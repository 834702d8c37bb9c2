"""Grant and revoke jobs against the AWS emulator (moto server with the mesh layer), no mocks."""

from __future__ import annotations

import pytest

from access_requests.models import AccessRequest, Grant
from meshportal.audit.models import AuditEvent
from provisioning.engine import job_claim, job_run, jobs_relay
from provisioning.models import AwsCallAttempt, ProvisioningJob
from provisioning.services import provisioning_job_create
from tests.provisioning.helpers import (
    CONSUMER,
    PRODUCER,
    ROLE,
    accounts,
    approved_grant,
    lf_permissions,
    seed_emulator,
)

pytestmark = pytest.mark.django_db


def _grant_and_run(grant: Grant) -> ProvisioningJob:
    job = provisioning_job_create(grant=grant, action="grant")
    job_run(job_id=job.pk)
    job.refresh_from_db()
    grant.refresh_from_db()
    return job


def _revoke_and_run(grant: Grant) -> ProvisioningJob:
    Grant.objects.filter(pk=grant.pk).update(status=Grant.Status.REVOKING, end_reason="revoked")
    grant.refresh_from_db()
    job = provisioning_job_create(grant=grant, action="revoke")
    job_run(job_id=job.pk)
    job.refresh_from_db()
    grant.refresh_from_db()
    return job


def test_cross_account_grant_reaches_granted_with_invitation_link_and_role_permissions(aws, personas):
    seed_emulator(aws)
    accounts()
    grant = approved_grant(personas)
    job = _grant_and_run(grant)
    assert job.status == "succeeded", job.last_error
    assert grant.status == Grant.Status.ACTIVE and grant.granted_at is not None
    assert grant.request.status == AccessRequest.Status.GRANTED
    # Lake Formation in the producer account: the consumer's role, not just its account.
    held = lf_permissions(aws, PRODUCER)
    assert [(k, p) for k, _, p in held] == [("Database", ("DESCRIBE",)), ("Table", ("DESCRIBE", "SELECT"))]
    # The consumer accepted the RAM invitation and can read the table through its resource link.
    ram = aws.client("ram", CONSUMER)
    statuses = {i["status"] for i in ram.get_resource_share_invitations()["resourceShareInvitations"]}
    assert statuses == {"ACCEPTED"}
    glue = aws.client("glue", CONSUMER)
    link = glue.get_table(DatabaseName="mesh_sales", Name="sales_orders")["Table"]
    assert link["TargetTable"] == {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}
    assert glue.get_table(CatalogId=PRODUCER, DatabaseName="sales", Name="orders")["Table"]["Name"] == "orders"
    consumer_side = lf_permissions(aws, CONSUMER)
    assert (
        "Table",
        (("CatalogId", CONSUMER), ("DatabaseName", "mesh_sales"), ("Name", "sales_orders")),
        ("DESCRIBE",),
    ) in consumer_side
    # exactly one "grant applied" event, and a timeline of attempt rows
    assert AuditEvent.objects.filter(event_type="grant.applied", object_id=str(grant.pk)).count() == 1
    operations = list(AwsCallAttempt.objects.filter(grant=grant).values_list("operation", flat=True))
    assert "BatchGrantPermissions" in operations and "AcceptResourceShareInvitation" in operations
    assert "CreateTable" in operations


def test_same_account_grant_needs_no_link(aws, personas):
    seed_emulator(aws)
    producer, _ = accounts()
    grant = approved_grant(personas, principal=f"arn:aws:iam::{PRODUCER}:role/Reporting", consumer_account=producer)
    job = _grant_and_run(grant)
    assert job.status == "succeeded", job.last_error
    ops = set(AwsCallAttempt.objects.filter(grant=grant).values_list("operation", flat=True))
    assert "CreateTable" not in ops and "GetResourceShareInvitations" not in ops


def test_same_organization_grant_needs_no_invitation(aws, personas):
    seed_emulator(aws, org=True)
    accounts(org=True)
    grant = approved_grant(personas)
    job = _grant_and_run(grant)
    assert job.status == "succeeded", job.last_error
    assert aws.client("ram", CONSUMER).get_resource_share_invitations()["resourceShareInvitations"] == []


def test_column_subset_is_a_column_level_grant(aws, personas):
    seed_emulator(aws)
    accounts()
    grant = approved_grant(personas, columns=["order_id", "amount"])
    job = _grant_and_run(grant)
    assert job.status == "succeeded", job.last_error
    kinds = {(kind, perms) for kind, _, perms in lf_permissions(aws, PRODUCER)}
    assert ("TableWithColumns", ("SELECT",)) in kinds
    assert ("Table", ("DESCRIBE",)) in kinds
    assert ("Table", ("DESCRIBE", "SELECT")) not in kinds


def test_lf_tag_grant(aws, personas):
    seed_emulator(aws, org=True)
    accounts(org=True)
    lf = aws.client("lakeformation", PRODUCER)
    lf.create_lf_tag(TagKey="domain", TagValues=["sales", "finance"])
    lf.add_lf_tags_to_resource(
        Resource={"Table": {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}},
        LFTags=[{"TagKey": "domain", "TagValues": ["sales"]}],
    )
    grant = approved_grant(
        personas, grant_method="lf_tags", lf_tag_expression=[{"TagKey": "domain", "TagValues": ["sales"]}]
    )
    job = _grant_and_run(grant)
    assert job.status == "succeeded", job.last_error
    assert ("LFTagPolicy", ("DESCRIBE", "SELECT")) in {(k, p) for k, _, p in lf_permissions(aws, PRODUCER)}


def test_rerunning_a_finished_grant_changes_nothing(aws, personas):
    seed_emulator(aws)
    accounts()
    grant = approved_grant(personas)
    _grant_and_run(grant)
    before = lf_permissions(aws, PRODUCER)
    second = provisioning_job_create(grant=grant, action="grant")
    job_run(job_id=second.pk)
    second.refresh_from_db()
    assert second.status == "succeeded"
    assert lf_permissions(aws, PRODUCER) == before
    # the second run read the state and found nothing missing: no grant call was made
    second_ops = set(AwsCallAttempt.objects.filter(job=second).values_list("operation", flat=True))
    assert "BatchGrantPermissions" not in second_ops
    assert AuditEvent.objects.filter(event_type="grant.applied", object_id=str(grant.pk)).count() == 1


def test_revoke_removes_permissions_link_and_ends_the_grant(aws, personas):
    seed_emulator(aws)
    accounts()
    grant = approved_grant(personas)
    _grant_and_run(grant)
    job = _revoke_and_run(grant)
    assert job.status == "succeeded", job.last_error
    assert grant.status == Grant.Status.ENDED and grant.ended_at is not None
    assert lf_permissions(aws, PRODUCER) == []
    assert lf_permissions(aws, CONSUMER) == []
    glue = aws.client("glue", CONSUMER)
    assert [t["Name"] for t in glue.get_tables(DatabaseName="mesh_sales")["TableList"]] == []
    # revoking again is harmless ("No permissions revoked" counts as success)
    again = provisioning_job_create(grant=grant, action="revoke")
    job_run(job_id=again.pk)
    again.refresh_from_db()
    assert again.status == "succeeded"


def test_revoke_keeps_what_another_grant_of_the_same_role_still_needs(aws, personas):
    seed_emulator(aws, tables=("orders", "returns"))
    accounts()
    orders = approved_grant(personas, table="orders")
    returns = approved_grant(personas, table="returns")
    _grant_and_run(orders)
    _grant_and_run(returns)
    _revoke_and_run(orders)
    held = lf_permissions(aws, PRODUCER)
    # the database DESCRIBE stays for the returns grant; the orders table permission is gone
    assert ("Database", (("CatalogId", PRODUCER), ("Name", "sales")), ("DESCRIBE",)) in held
    assert all(dict(key).get("Name") != "orders" for kind, key, _ in held if kind == "Table")


def test_access_denied_fails_at_once_with_the_aws_reason(aws, personas):
    seed_emulator(aws)
    accounts()
    aws.inject_fault(service="lakeformation", operation="BatchGrantPermissions", error="AccessDeniedException", count=1)
    grant = approved_grant(personas)
    job = _grant_and_run(grant)
    assert job.status == "failed" and job.attempts == 1
    assert job.last_error_code == "AccessDeniedException"
    assert grant.status == Grant.Status.FAILED and grant.last_error_code == "AccessDeniedException"
    assert grant.last_error.startswith("MeshPortal's role in account 222222222222 is not allowed to call")
    assert not grant.failure_retryable
    assert grant.request.status == AccessRequest.Status.FAILED


def test_a_port_on_a_missing_table_fails_in_plain_words_without_a_retry(aws, personas):
    seed_emulator(aws)
    accounts()
    grant = approved_grant(personas, table="customers_eu")
    job = _grant_and_run(grant)
    assert job.status == "failed" and job.attempts == 1
    assert grant.last_error == (
        "The table sales.customers_eu does not exist in account 222222222222; the product's owners have been told."
    )
    assert grant.last_error_code == "EntityNotFoundException" and not grant.failure_retryable
    assert "EntityNotFoundException" in job.last_error  # the job keeps AWS's own words for experts


def test_a_failure_that_heals_but_outlasts_the_retries_offers_a_retry(aws, personas, settings):
    settings.MESHPORTAL_AWS_MAX_ATTEMPTS = 1
    settings.MESHPORTAL_OUTBOX = {
        **settings.MESHPORTAL_OUTBOX,
        "provisioning": {**settings.MESHPORTAL_OUTBOX["provisioning"], "retry_base_seconds": 0, "max_attempts": 1},
    }
    from meshportal.aws.gateway import clear_session_cache

    clear_session_cache()
    seed_emulator(aws)
    accounts()
    aws.inject_fault(service="lakeformation", operation="BatchGrantPermissions", error="ThrottlingException", count=1)
    grant = approved_grant(personas)
    job = _grant_and_run(grant)
    assert job.status == "failed" and grant.status == Grant.Status.FAILED
    assert grant.failure_retryable and grant.last_error_code == "ThrottlingException"
    assert "retry later" in grant.last_error


def test_throttling_is_retried_until_it_heals(aws, personas, settings):
    settings.MESHPORTAL_AWS_MAX_ATTEMPTS = 1  # let the job-level retry do the work, not boto3
    # due at once, so the test need not wait
    settings.MESHPORTAL_OUTBOX = {
        **settings.MESHPORTAL_OUTBOX,
        "provisioning": {**settings.MESHPORTAL_OUTBOX["provisioning"], "retry_base_seconds": 0},
    }
    from meshportal.aws.gateway import clear_session_cache

    clear_session_cache()
    seed_emulator(aws)
    accounts()
    aws.inject_fault(service="lakeformation", operation="BatchGrantPermissions", error="ThrottlingException", count=2)
    grant = approved_grant(personas)
    job = provisioning_job_create(grant=grant, action="grant")
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "retry" and job.last_error_code == "ThrottlingException"
    job_run(job_id=job.pk)  # the rescheduled task runs again
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.last_error
    assert job.attempts == 3


def test_only_one_worker_can_claim_a_job(aws, personas):
    accounts()
    job = provisioning_job_create(grant=approved_grant(personas), action="grant")
    assert job_claim(job_id=job.pk, worker="a") is True
    assert job_claim(job_id=job.pk, worker="b") is False


def test_a_claim_abandoned_by_a_dead_worker_can_be_taken_over(aws, personas, settings):
    from datetime import timedelta

    from django.utils import timezone

    accounts()
    job = provisioning_job_create(grant=approved_grant(personas), action="grant")
    assert job_claim(job_id=job.pk, worker="dead")
    ProvisioningJob.objects.filter(pk=job.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
    assert job_claim(job_id=job.pk, worker="alive")


def test_relay_re_enqueues_work_whose_message_was_lost(aws, personas, settings):
    from datetime import timedelta

    from django.utils import timezone

    seed_emulator(aws)
    accounts()
    grant = approved_grant(personas)
    job = provisioning_job_create(grant=grant, action="grant")
    # committed but never enqueued (the process died before on_commit ran)
    ProvisioningJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert jobs_relay() == 1  # eager Celery in tests: the relay's enqueue runs the job
    job.refresh_from_db()
    assert job.status == "succeeded"


def test_many_grants_for_one_grantor_go_out_in_batches_of_twenty(aws, personas):
    seed_emulator(aws, org=True)
    accounts(org=True)
    first = approved_grant(personas, principal=f"arn:aws:iam::{CONSUMER}:role/Analyst0")
    # the same table for every grant, to different roles
    grants = [first] + [
        approved_grant(personas, principal=f"arn:aws:iam::{CONSUMER}:role/Analyst{i}", product=first.product)
        for i in range(1, 12)
    ]
    jobs = [provisioning_job_create(grant=g, action="grant") for g in grants]
    ProvisioningJob.objects.update(status="queued")
    aws.reset_stats()
    job_run(job_id=jobs[0].pk)
    statuses = set(ProvisioningJob.objects.filter(pk__in=[j.pk for j in jobs[:10]]).values_list("status", flat=True))
    assert statuses == {"succeeded"}
    grantor_batches = set(
        AwsCallAttempt.objects.filter(account_id=PRODUCER, operation="BatchGrantPermissions").values_list(
            "call_id", flat=True
        )
    )
    # 10 jobs × 2 entries = 20 entries: one batch call in the grantor account
    assert len(grantor_batches) == 1
    # and the consumer side is shared too: one link, one DESCRIBE batch for the ten roles
    consumer_ops = AwsCallAttempt.objects.filter(account_id=CONSUMER).values_list("operation", "call_id")
    assert len({c for op, c in consumer_ops if op == "CreateTable"}) == 1
    assert len({c for op, c in consumer_ops if op == "BatchGrantPermissions"}) == 1


def test_per_entry_failures_fail_only_their_grant(aws, personas):
    seed_emulator(aws, org=True)
    accounts(org=True)
    good = approved_grant(personas)
    bad = approved_grant(personas, principal=f"arn:aws:iam::{CONSUMER}:role/Other", product=good.product)
    from catalog.models import OutputPort

    bad_port = OutputPort.objects.create(
        product=bad.product,
        name="ghost",
        aws_account=bad.port.aws_account,
        catalog_id=PRODUCER,
        database_name="sales",
        table_name="ghost",
    )
    Grant.objects.filter(pk=bad.pk).update(port=bad_port)
    bad.refresh_from_db()
    jobs = [provisioning_job_create(grant=g, action="grant") for g in (good, bad)]
    ProvisioningJob.objects.update(status="queued")
    job_run(job_id=jobs[0].pk)
    statuses = dict(ProvisioningJob.objects.values_list("grant_id", "status"))
    assert statuses[good.pk] == "succeeded"
    assert statuses[bad.pk] == "failed"
    bad.refresh_from_db()
    assert bad.last_error_code == "EntityNotFoundException"
    assert bad.last_error.startswith("The table sales.ghost does not exist in account 222222222222")
    assert ROLE


def test_revocation_goes_where_the_grant_was_made_even_after_the_governance_model_changed(aws, personas):
    from meshportal.aws.models import GovernanceSettings
    from tests.factories import AwsAccountFactory

    seed_emulator(aws)
    accounts()
    grant = approved_grant(personas)
    _grant_and_run(grant)
    AwsAccountFactory(account_id="111111111111", role="central")
    GovernanceSettings.objects.update_or_create(id=1, defaults={"model": "central"})
    job = _revoke_and_run(grant)
    assert job.grantor_account_id == PRODUCER
    assert job.status == "succeeded", job.last_error
    assert lf_permissions(aws, PRODUCER) == []


def test_a_grant_job_that_has_not_started_is_cancelled_by_the_ending(aws, personas):
    seed_emulator(aws)
    accounts()
    grant = approved_grant(personas)
    grant_job = provisioning_job_create(grant=grant, action="grant")
    Grant.objects.filter(pk=grant.pk).update(status=Grant.Status.REVOKING, end_reason="withdrawn")
    grant.refresh_from_db()
    revoke_job = provisioning_job_create(grant=grant, action="revoke")
    grant_job.refresh_from_db()
    assert grant_job.status == "cancelled"
    job_run(job_id=grant_job.pk)  # a stale message for it changes nothing
    job_run(job_id=revoke_job.pk)
    revoke_job.refresh_from_db()
    assert revoke_job.status == "succeeded", revoke_job.last_error
    assert lf_permissions(aws, PRODUCER) == []
    assert not AuditEvent.objects.filter(event_type="grant.applied").exists()


def test_a_grant_whose_ending_was_asked_for_while_queued_is_not_applied(aws, personas):
    seed_emulator(aws)
    accounts()
    grant = approved_grant(personas)
    job = provisioning_job_create(grant=grant, action="grant")
    Grant.objects.filter(pk=grant.pk).update(status=Grant.Status.REVOKING)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert lf_permissions(aws, PRODUCER) == []


def test_revoking_a_column_grant_keeps_the_columns_another_grant_of_the_role_needs(aws, personas):
    seed_emulator(aws)
    accounts()
    first = approved_grant(personas, columns=["order_id", "amount"])
    from types import SimpleNamespace

    # another person asking for the same role (one open request per requester, port and role)
    second = approved_grant(
        SimpleNamespace(consumer=personas.outsider), columns=["amount", "email"], product=first.product
    )
    _grant_and_run(first)
    _grant_and_run(second)
    _revoke_and_run(first)
    held = lf_permissions(aws, PRODUCER)
    columns = {c for kind, key, perms in held if kind == "TableWithColumns" for c in dict(key)["ColumnNames"]}
    assert columns == {"amount", "email"}
    # the role still reaches the table through its resource link
    consumer = lf_permissions(aws, CONSUMER)
    assert any(dict(key).get("Name") == "sales_orders" for kind, key, _ in consumer if kind == "Table")


def test_a_claim_taken_over_after_its_lease_cannot_be_finished_by_the_old_worker(aws, personas):
    from provisioning import engine as execution

    accounts()
    job = provisioning_job_create(grant=approved_grant(personas), action="grant")
    assert job_claim(job_id=job.pk, worker="old")
    stale = ProvisioningJob.objects.get(pk=job.pk)
    from datetime import timedelta

    from django.utils import timezone

    ProvisioningJob.objects.filter(pk=job.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
    assert job_claim(job_id=job.pk, worker="new")
    execution._succeed(stale, {})  # the old worker wakes up and reports
    job.refresh_from_db()
    assert job.status == "running" and job.claimed_by == "new"


def test_unexpected_errors_put_the_job_back_with_the_reason(aws, personas, monkeypatch):
    from provisioning import engine as execution

    accounts()
    job = provisioning_job_create(grant=approved_grant(personas), action="grant")

    def boom(backend, jobs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(execution, "_run_grants", boom)
    with pytest.raises(RuntimeError):
        job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "retry" and job.last_error_code == "RuntimeError"
    assert "database went away" in job.last_error


def test_batch_attempt_rows_show_only_the_grants_own_entries(aws, personas):
    seed_emulator(aws, org=True)
    accounts(org=True)
    first = approved_grant(personas, principal=f"arn:aws:iam::{CONSUMER}:role/A")
    second = approved_grant(personas, principal=f"arn:aws:iam::{CONSUMER}:role/B", product=first.product)
    jobs = [provisioning_job_create(grant=g, action="grant") for g in (first, second)]
    ProvisioningJob.objects.update(status="queued")
    job_run(job_id=jobs[0].pk)
    row = AwsCallAttempt.objects.get(grant=first, account_id=PRODUCER, operation="BatchGrantPermissions")
    principals = {e["Principal"]["DataLakePrincipalIdentifier"] for e in row.request_summary["Entries"]}
    assert principals == {f"arn:aws:iam::{CONSUMER}:role/A"}
    assert row.request_summary["BatchSize"] == 4


# --- compensation: a grant that cannot complete leaves nothing behind -----------------------------------

PLAN_STEP_FAULTS = {
    # step of the plan → the call to fail (after ``skip`` matching calls succeed)
    "grantor grant": ("lakeformation", "BatchGrantPermissions", 0),
    "invitation read": ("ram", "GetResourceShareInvitations", 0),
    "invitation accept": ("ram", "AcceptResourceShareInvitation", 0),
    "link creation": ("glue", "CreateTable", 0),
    "link DESCRIBE": ("lakeformation", "BatchGrantPermissions", 1),  # the first call is the grantor's
}


def _fail_call(aws, *, service: str, operation: str, skip: int, error: str = "AccessDeniedException") -> None:
    if skip:
        aws.inject_fault(service=service, operation=operation, latency_ms=1, count=skip)
    aws.inject_fault(service=service, operation=operation, error=error, count=1)


def _consumer_link_exists(aws) -> bool:
    glue = aws.client("glue", CONSUMER)
    try:
        tables = glue.get_tables(DatabaseName="mesh_sales")["TableList"]
    except glue.exceptions.EntityNotFoundException:
        return False  # not even the link database
    return any(t["Name"] == "sales_orders" for t in tables)


@pytest.mark.parametrize("step", list(PLAN_STEP_FAULTS))
def test_a_grant_failing_at_any_step_of_its_plan_leaves_no_permission_in_any_account(aws, personas, step):
    service, operation, skip = PLAN_STEP_FAULTS[step]
    seed_emulator(aws)
    accounts()
    _fail_call(aws, service=service, operation=operation, skip=skip)
    grant = approved_grant(personas)
    job = _grant_and_run(grant)
    assert job.status == "failed" and job.last_error_code == "AccessDeniedException"
    assert grant.status == Grant.Status.FAILED and grant.left_in_aws == []
    assert lf_permissions(aws, PRODUCER) == []
    assert lf_permissions(aws, CONSUMER) == []
    assert aws.faults()["injected_total"] == 1  # the fault did hit the step
    if step == "link DESCRIBE":  # the link had been created: it is deleted again
        assert not _consumer_link_exists(aws)


def test_an_undo_that_fails_leaves_a_partial_grant_whose_revocation_removes_everything(aws, personas):
    seed_emulator(aws)
    accounts()
    _fail_call(aws, service="glue", operation="CreateTable", skip=0)
    aws.inject_fault(service="lakeformation", operation="RevokePermissions", error="AccessDeniedException", count=1)
    grant = approved_grant(personas)
    job = _grant_and_run(grant)
    assert job.status == "failed"
    assert grant.status == Grant.Status.PARTIAL and grant.request.status == AccessRequest.Status.FAILED
    assert "Undoing what was set up failed too" in grant.last_error and "undoing it failed too" in job.last_error
    assert any("Lake Formation of 222222222222" in part for part in grant.left_in_aws)
    assert AuditEvent.objects.filter(event_type="grant.partially_applied", object_id=str(grant.pk)).exists()
    assert lf_permissions(aws, PRODUCER) != []  # what could not be undone is still there, and said so
    revoke = _revoke_and_run(grant)
    assert revoke.status == "succeeded", revoke.last_error
    assert grant.status == Grant.Status.ENDED and grant.left_in_aws == []
    assert lf_permissions(aws, PRODUCER) == [] and lf_permissions(aws, CONSUMER) == []


def test_a_partial_grant_can_be_retried_to_completion(aws, personas):
    seed_emulator(aws)
    accounts()
    _fail_call(aws, service="ram", operation="AcceptResourceShareInvitation", skip=0)
    aws.inject_fault(service="lakeformation", operation="RevokePermissions", error="AccessDeniedException", count=1)
    grant = approved_grant(personas)
    _grant_and_run(grant)
    assert grant.status == Grant.Status.PARTIAL
    Grant.objects.filter(pk=grant.pk).update(status=Grant.Status.PENDING)
    grant.refresh_from_db()
    job = _grant_and_run(grant)
    assert job.status == "succeeded", job.last_error
    assert grant.status == Grant.Status.ACTIVE and grant.left_in_aws == []


def test_a_failed_grant_does_not_keep_another_grants_revocation_from_removing_access(aws, personas):
    seed_emulator(aws, tables=("orders", "returns"))
    accounts()
    orders = approved_grant(personas, table="orders")
    _grant_and_run(orders)
    returns = approved_grant(personas, table="returns")
    _fail_call(aws, service="ram", operation="GetResourceShareInvitations", skip=0)
    _grant_and_run(returns)
    assert returns.status == Grant.Status.FAILED
    # the failed grant's undo kept the database DESCRIBE the orders grant still needs ...
    assert ("Database", (("CatalogId", PRODUCER), ("Name", "sales")), ("DESCRIBE",)) in lf_permissions(aws, PRODUCER)
    # ... and the failed grant does not keep it once the orders grant ends
    _revoke_and_run(orders)
    assert lf_permissions(aws, PRODUCER) == [] and lf_permissions(aws, CONSUMER) == []


# --- settlement: active and ended only on what AWS reads back ----------------------------------------------


def test_a_grant_is_active_only_with_read_back_evidence_of_every_part(aws, personas):
    seed_emulator(aws)
    accounts()
    grant = approved_grant(personas)
    job = _grant_and_run(grant)
    assert job.status == "succeeded", job.last_error
    checks = grant.evidence["checks"]
    assert {c["name"] for c in checks} == {
        "grantor_permissions",
        "ram_share",
        "ram_invitation",
        "resource_link",
        "link_describe",
    }
    assert all(c["ok"] for c in checks), checks
    assert {c["account_id"] for c in checks} == {PRODUCER, CONSUMER}
    verified = AuditEvent.objects.get(event_type="grant.verified", object_id=str(grant.pk))
    assert verified.after["evidence"]["checks"] == checks
    # what the consumer queries, as verified: the resource link in its own account
    assert grant.evidence["query"] == {"account_id": CONSUMER, "database": "mesh_sales", "table": "sales_orders"}


def test_an_active_grant_shows_how_to_query_it_on_the_page_and_in_the_api(aws, personas, client_for, api_for):
    seed_emulator(aws)
    accounts()
    grant = approved_grant(personas)
    grant.product.sample_queries = [{"title": "Latest orders", "sql": "SELECT * FROM sales.orders LIMIT 10"}]
    grant.product.save(update_fields=["sample_queries"])
    _grant_and_run(grant)
    html = client_for(personas.consumer).get(f"/requests/{grant.request_id}/").content.decode()
    assert "Ready to query" in html and "Latest orders" in html
    assert "SELECT * FROM &quot;mesh_sales&quot;.&quot;sales_orders&quot; LIMIT 10" in html
    assert "https://eu-west-1.console.aws.amazon.com/athena/home?region=eu-west-1#/query-editor" in html
    body = api_for(personas.consumer).get(f"/api/v1/grants/{grant.pk}/").json()
    ready = body["ready_to_query"]
    assert (ready["account_id"], ready["database"], ready["table"]) == (CONSUMER, "mesh_sales", "sales_orders")
    assert ready["sample_queries"] == [
        {"title": "Latest orders", "sql": 'SELECT * FROM "mesh_sales"."sales_orders" LIMIT 10'}
    ]


def test_a_grant_aws_does_not_show_yet_is_retried_until_the_read_back_agrees(aws, personas, settings):
    settings.MESHPORTAL_OUTBOX = {
        **settings.MESHPORTAL_OUTBOX,
        "provisioning": {**settings.MESHPORTAL_OUTBOX["provisioning"], "retry_base_seconds": 0},
    }
    seed_emulator(aws)
    accounts()
    # the read-back of the link answers as if the link were not there yet (eventual consistency)
    aws.inject_fault(service="glue", operation="GetTable", error="EntityNotFoundException", count=1)
    grant = approved_grant(personas)
    job = _grant_and_run(grant)
    assert job.status == "retry" and job.last_error_code == "not_yet_effective"
    assert grant.status == Grant.Status.PENDING and "mesh_sales.sales_orders" in job.last_error
    job_run(job_id=job.pk)
    job.refresh_from_db()
    grant.refresh_from_db()
    assert job.status == "succeeded" and grant.status == Grant.Status.ACTIVE


def test_a_revocation_ends_only_with_read_back_evidence_that_access_is_gone(aws, personas):
    seed_emulator(aws, tables=("orders", "returns"))
    accounts()
    orders = approved_grant(personas, table="orders")
    returns = approved_grant(personas, table="returns")
    _grant_and_run(orders)
    _grant_and_run(returns)
    job = _revoke_and_run(orders)
    assert job.status == "succeeded", job.last_error
    assert orders.status == Grant.Status.ENDED
    checks = orders.evidence["checks"]
    assert all(c["ok"] for c in checks)
    gone = [c["detail"] for c in checks if c["name"] == "gone"]
    assert any("resource link mesh_sales.sales_orders: gone" in d for d in gone)
    kept = [c["detail"] for c in checks if c["name"] == "kept"]
    assert any("Database sales" in d for d in kept)  # the returns grant still needs DESCRIBE on the database
    assert AuditEvent.objects.filter(event_type="grant.revocation_verified", object_id=str(orders.pk)).exists()
