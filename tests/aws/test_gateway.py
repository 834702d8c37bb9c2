"""The AWS gateway's per-service modules against the emulator: paging, "already done" as success, and one
error type that says whether retrying can heal."""

from __future__ import annotations

import pytest

from meshportal.aws.gateway import AwsCall, AwsError, account_client, call, glue, ram
from meshportal.aws.gateway import lakeformation as lf
from tests.provisioning.helpers import CONSUMER, PRODUCER, seed_emulator

pytestmark = pytest.mark.django_db
ROLE = f"arn:aws:iam::{CONSUMER}:role/Analyst"


def test_every_call_is_reported_to_the_observer_with_its_outcome(aws):
    seed_emulator(aws)
    seen: list[AwsCall] = []
    client = account_client("glue", PRODUCER)
    call(client, "get_databases", account_id=PRODUCER, observer=seen.append)
    with pytest.raises(AwsError) as failure:
        call(client, "get_table", account_id=PRODUCER, observer=seen.append, DatabaseName="sales", Name="nope")
    assert [(c.operation, c.error is None) for c in seen] == [("GetDatabases", True), ("GetTable", False)]
    assert failure.value.code == "EntityNotFoundException" and not failure.value.retryable


def test_throttling_is_translated_as_retryable(aws, settings):
    settings.MESHPORTAL_AWS_MAX_ATTEMPTS = 1
    from meshportal.aws.gateway import clear_session_cache

    clear_session_cache()
    seed_emulator(aws)
    aws.inject_fault(service="glue", operation="GetDatabases", error="ThrottlingException", count=1)
    with pytest.raises(AwsError) as failure:
        list(glue.iter_databases(account_client("glue", PRODUCER), account_id=PRODUCER))
    assert failure.value.code == "ThrottlingException" and failure.value.retryable


def test_permission_reads_follow_next_token(aws):
    seed_emulator(aws)
    client = account_client("lakeformation", PRODUCER)
    resource = lf.table_resource(PRODUCER, "sales", "orders")
    principals = [f"arn:aws:iam::{CONSUMER}:role/Reader{i:03d}" for i in range(105)]
    for start in range(0, len(principals), lf.BATCH_ENTRY_LIMIT):
        entries = [
            {
                "Id": str(i),
                "Principal": {"DataLakePrincipalIdentifier": p},
                "Resource": resource,
                "Permissions": ["SELECT"],
            }
            for i, p in enumerate(principals[start : start + lf.BATCH_ENTRY_LIMIT])
        ]
        assert lf.batch_grant(client, account_id=PRODUCER, entries=entries) == []
    pages: list[AwsCall] = []
    held = list(lf.iter_permissions(client, account_id=PRODUCER, observer=pages.append, Resource=resource))
    assert {entry["Principal"]["DataLakePrincipalIdentifier"] for entry in held} == set(principals)
    assert len(pages) == 2  # 100 a page: the second page was asked for and read


def test_resource_links_and_their_database_are_created_once(aws):
    seed_emulator(aws)
    client = account_client("glue", CONSUMER)
    target = {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}
    assert glue.ensure_database(client, account_id=CONSUMER, name="mesh_sales", description="links") is True
    assert glue.ensure_database(client, account_id=CONSUMER, name="mesh_sales", description="links") is False
    args = {"account_id": CONSUMER, "database": "mesh_sales", "name": "sales_orders", "target": target}
    assert glue.ensure_resource_link(client, **args) is True
    assert glue.ensure_resource_link(client, **args) is False
    assert glue.delete_table(client, account_id=CONSUMER, database="mesh_sales", name="sales_orders") is True
    assert glue.delete_table(client, account_id=CONSUMER, database="mesh_sales", name="sales_orders") is False


def test_lake_formation_grant_read_back_and_revoke_is_idempotent(aws):
    seed_emulator(aws)
    client = account_client("lakeformation", PRODUCER)
    resource = lf.table_resource(PRODUCER, "sales", "orders")
    lf.grant(client, account_id=PRODUCER, principal=ROLE, resource=resource, permissions=["SELECT"])
    held = lf.held_permissions(client, account_id=PRODUCER, principal=ROLE, resource=resource)
    assert held == {"SELECT"}
    assert lf.revoke(client, account_id=PRODUCER, principal=ROLE, resource=resource, permissions=["SELECT"]) is True
    assert lf.revoke(client, account_id=PRODUCER, principal=ROLE, resource=resource, permissions=["SELECT"]) is False
    assert lf.held_permissions(client, account_id=PRODUCER, principal=ROLE, resource=resource) == set()


def test_batch_grant_takes_at_most_twenty_entries(aws):
    entries = [{"Id": str(i)} for i in range(lf.BATCH_ENTRY_LIMIT + 1)]
    with pytest.raises(ValueError, match="at most 20 entries"):
        lf.batch_grant(object(), account_id=PRODUCER, entries=entries)


def test_a_cross_account_invitation_is_accepted_once(aws):
    seed_emulator(aws)
    lf.grant(
        account_client("lakeformation", PRODUCER),
        account_id=PRODUCER,
        principal=ROLE,
        resource=lf.table_resource(PRODUCER, "sales", "orders"),
        permissions=["SELECT"],
    )
    client = account_client("ram", CONSUMER)
    assert ram.accept_pending_from(client, account_id=CONSUMER, senders={PRODUCER}) == {PRODUCER}
    statuses = {i["status"] for i in ram.iter_invitations(client, account_id=CONSUMER)}
    assert statuses == {"ACCEPTED"}
    assert ram.accept_pending_from(client, account_id=CONSUMER, senders={PRODUCER}) == {PRODUCER}
    assert ram.accept_pending_from(client, account_id=CONSUMER, senders={"999999999999"}) == set()


def test_the_registered_external_id_is_presented_when_assuming_the_role(aws):
    """The role's trust policy may demand an sts:ExternalId (deploy/aws/meshportal-role.yaml); the registry holds
    it and every AssumeRole into that account carries it."""
    from meshportal.aws.gateway import clear_session_cache, client_for_account
    from meshportal.aws.gateway import session as gateway_session
    from tests.factories import AwsAccountFactory

    seed_emulator(aws)
    clear_session_cache()
    account = AwsAccountFactory(account_id=PRODUCER, role="producer", external_id="mesh-7f3a")
    sent: list[dict] = []
    original = gateway_session.base_session

    def observed_base_session():
        session = original()
        session.events.register("provide-client-params.sts.AssumeRole", lambda params, **_: sent.append(dict(params)))
        return session

    gateway_session.base_session = observed_base_session
    try:
        client_for_account("glue", account).get_databases()
    finally:
        gateway_session.base_session = original
        clear_session_cache()
    assert [p.get("ExternalId") for p in sent] == ["mesh-7f3a"]
