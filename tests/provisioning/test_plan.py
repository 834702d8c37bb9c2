from __future__ import annotations

import pytest

from meshportal.aws.models import GovernanceSettings
from provisioning.backends import step_from_json
from provisioning.backends.lakeformation import plan
from provisioning.backends.lakeformation.steps import LfPermissions
from provisioning.services import grantor_account_for
from tests.factories import AwsAccountFactory
from tests.provisioning.helpers import CENTRAL, CONSUMER, PRODUCER, ROLE, accounts, approved_grant

pytestmark = pytest.mark.django_db


def test_whole_table_grant_is_database_describe_plus_table_select(personas):
    accounts()
    grant = approved_grant(personas)
    entries = [entry.to_json() for entry in plan.grant_entries(grant)]
    assert entries == [
        {
            "Principal": ROLE,
            "Resource": {"Database": {"CatalogId": PRODUCER, "Name": "sales"}},
            "Permissions": ["DESCRIBE"],
        },
        {
            "Principal": ROLE,
            "Resource": {"Table": {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}},
            "Permissions": ["DESCRIBE", "SELECT"],
        },
    ]


def test_column_subset_selects_on_table_with_columns_and_describes_the_table(personas):
    accounts()
    grant = approved_grant(personas, columns=["order_id", "amount"])
    kinds = [(next(iter(e.resource)), e.permissions) for e in plan.grant_entries(grant)]
    assert kinds == [("Database", ["DESCRIBE"]), ("TableWithColumns", ["SELECT"]), ("Table", ["DESCRIBE"])]
    columns = plan.grant_entries(grant)[1].resource["TableWithColumns"]["ColumnNames"]
    assert columns == ["amount", "order_id"]


def test_lf_tag_port_grants_on_the_tag_expression(personas):
    accounts()
    expression = [{"TagKey": "domain", "TagValues": ["sales"]}]
    grant = approved_grant(personas, grant_method="lf_tags", lf_tag_expression=expression)
    resource = plan.grant_entries(grant)[1].resource
    assert resource == {"LFTagPolicy": {"CatalogId": PRODUCER, "ResourceType": "TABLE", "Expression": expression}}


def test_cross_account_plan_accepts_invitation_and_links_in_the_consumer(personas):
    accounts()
    grant = approved_grant(personas)
    steps = [s.KIND for s in plan.build(grant, grantor_account_id=PRODUCER, action="grant")]
    assert steps == ["lf_permissions", "lf_permissions", "ram_accept", "glue_link", "lf_link_describe"]


def test_same_organization_needs_no_invitation(personas):
    accounts(org=True)
    grant = approved_grant(personas)
    steps = [s.KIND for s in plan.build(grant, grantor_account_id=PRODUCER, action="grant")]
    assert "ram_accept" not in steps
    assert "glue_link" in steps


def test_same_account_needs_neither_invitation_nor_link(personas):
    producer, _ = accounts()
    grant = approved_grant(personas, principal=f"arn:aws:iam::{PRODUCER}:role/Reporting", consumer_account=producer)
    steps = [s.KIND for s in plan.build(grant, grantor_account_id=PRODUCER, action="grant")]
    assert steps == ["lf_permissions", "lf_permissions"]


def test_revoke_plan_undoes_consumer_side_first(personas):
    accounts()
    grant = approved_grant(personas)
    steps = [s.KIND for s in plan.build(grant, grantor_account_id=PRODUCER, action="revoke")]
    assert steps == ["lf_link_describe", "glue_unlink", "lf_permissions", "lf_permissions"]
    # table before database
    entries = [
        s.entry.resource
        for s in plan.build(grant, grantor_account_id=PRODUCER, action="revoke")
        if isinstance(s, LfPermissions)
    ]
    assert list(entries[0]) == ["Table"] and list(entries[1]) == ["Database"]


def test_link_names_are_per_domain_and_glue_safe():
    assert plan.link_database_name("Sales-EU") == "mesh_sales_eu"
    assert plan.link_table_name("sales", "Daily-Revenue") == "sales_daily_revenue"


def test_governance_model_decides_the_grantor(personas):
    accounts()
    grant = approved_grant(personas)
    assert grantor_account_for(port=grant.port) == PRODUCER
    GovernanceSettings.objects.update_or_create(id=1, defaults={"model": "central"})
    from meshportal.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="No active central governance account"):
        grantor_account_for(port=grant.port)
    AwsAccountFactory(account_id=CENTRAL, role="central", line_of_business="group")
    assert grantor_account_for(port=grant.port) == CENTRAL
    GovernanceSettings.objects.filter(id=1).update(model="lob")
    with pytest.raises(ValidationFailed, match="line of business"):
        grantor_account_for(port=grant.port)
    AwsAccountFactory(
        account_id="444444444444", role="central", line_of_business=grant.port.aws_account.line_of_business
    )
    assert grantor_account_for(port=grant.port) == "444444444444"
    assert CONSUMER != PRODUCER


def test_plan_steps_round_trip_through_the_jobs_json(personas):
    accounts()
    grant = approved_grant(personas, columns=["order_id"])
    for action in ("grant", "revoke"):
        steps = plan.build(grant, grantor_account_id=PRODUCER, action=action)
        assert [step_from_json(step.to_json()) for step in steps] == steps


def test_an_unknown_plan_step_is_refused_not_skipped():
    with pytest.raises(ValueError, match="unknown plan step"):
        step_from_json({"step": "s3_access_grant", "account_id": PRODUCER, "summary": "?"})
