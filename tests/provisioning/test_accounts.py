from __future__ import annotations

import pytest

from meshportal.audit.models import AuditEvent
from meshportal.aws import services as aws_services
from meshportal.aws.models import AwsAccount, GovernanceSettings
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed

pytestmark = pytest.mark.django_db

GOOD = {
    "account_id": "222222222222",
    "name": "sales-prod",
    "role": "producer",
    "line_of_business": "retail",
    "region": "eu-west-1",
    "role_arn": "arn:aws:iam::222222222222:role/MeshPortal",
}


def test_admin_registers_an_account_and_it_is_audited(personas):
    account = aws_services.account_register(actor=personas.admin, **GOOD)
    assert account.account_id == "222222222222"
    event = AuditEvent.objects.get(event_type="provisioning.account_registered")
    assert event.account_id == "222222222222" and event.after["role_arn"] == GOOD["role_arn"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"account_id": "1234"}, "account_id"),
        ({"role_arn": "arn:aws:iam::222222222222:user/bob"}, "role_arn"),
        ({"role_arn": "arn:aws:iam::999999999999:role/MeshPortal"}, "role_arn"),
        ({"role": "wizard"}, "role"),
        ({"external_id": "x"}, "external_id"),  # AWS: 2 to 1,224 characters
        ({"external_id": "mesh id"}, "external_id"),  # no spaces
    ],
)
def test_bad_account_input_is_refused_and_nothing_is_saved(personas, change, field):
    with pytest.raises(ValidationFailed) as exc:
        aws_services.account_register(actor=personas.admin, **{**GOOD, **change})
    assert field in exc.value.errors or exc.value.field == field
    assert not AwsAccount.objects.exists()
    assert not AuditEvent.objects.filter(event_type="provisioning.account_registered").exists()


def test_duplicate_account_is_a_conflict(personas):
    aws_services.account_register(actor=personas.admin, **GOOD)
    with pytest.raises(Conflict):
        aws_services.account_register(actor=personas.admin, **GOOD)


@pytest.mark.parametrize("persona", ["consumer", "producer", "steward", "auditor", "outsider"])
def test_only_platform_admins_manage_accounts(personas, persona):
    with pytest.raises(NotAllowed):
        aws_services.account_register(actor=getattr(personas, persona), **GOOD)


def test_update_records_only_what_changed(personas):
    account = aws_services.account_register(actor=personas.admin, **GOOD)
    aws_services.account_update(actor=personas.admin, account=account, line_of_business="wholesale")
    event = AuditEvent.objects.get(event_type="provisioning.account_updated")
    assert event.before == {"line_of_business": "retail"} and event.after == {"line_of_business": "wholesale"}
    with pytest.raises(ValidationFailed):
        aws_services.account_update(actor=personas.admin, account=account, account_id="333333333333")


def test_test_connection_assumes_the_role_and_reads_lake_formation(aws, personas):
    account = aws_services.account_register(actor=personas.admin, **GOOD)
    account = aws_services.account_test_connection(actor=personas.admin, account=account)
    assert account.last_test_ok is True, account.last_test_message
    assert "Lake Formation" in account.last_test_message
    assert AuditEvent.objects.filter(event_type="provisioning.account_tested").count() == 1


def test_test_connection_reports_the_aws_reason_when_it_fails(aws, personas):
    account = aws_services.account_register(actor=personas.admin, **GOOD)
    aws.inject_fault(service="sts", operation="AssumeRole", error="AccessDenied", count=10)
    account = aws_services.account_test_connection(actor=personas.admin, account=account)
    assert account.last_test_ok is False
    assert "AccessDenied" in account.last_test_message


def test_governance_model_change_is_audited_and_validated(personas):
    aws_services.governance_settings_update(actor=personas.admin, model="central", repair_missing_grants=False)
    assert GovernanceSettings.objects.get().model == "central"
    event = AuditEvent.objects.get(event_type="provisioning.governance_model_changed")
    assert event.after == {"model": "central", "repair_missing_grants": False}
    with pytest.raises(ValidationFailed):
        aws_services.governance_settings_update(actor=personas.admin, model="anarchy")
    with pytest.raises(NotAllowed):
        aws_services.governance_settings_update(actor=personas.producer, model="federated")


def test_accounts_page_registers_through_the_form_and_shows_errors(personas, client_for):
    admin = client_for(personas.admin)
    response = admin.post(
        "/provisioning/accounts/", {**GOOD, "role_arn": "arn:aws:iam::999999999999:role/X", "is_active": "on"}
    )
    assert response.status_code == 200
    assert b"The role ARN must be in the account" in response.content
    assert not AwsAccount.objects.exists()
    response = admin.post("/provisioning/accounts/", {**GOOD, "is_active": "on"})
    assert response.status_code == 302
    assert AwsAccount.objects.filter(account_id="222222222222").exists()


def test_accounts_page_query_count_does_not_grow(personas, client_for, django_assert_max_num_queries):
    from tests.factories import AwsAccountFactory

    client = client_for(personas.auditor)
    AwsAccountFactory.create_batch(2)
    with django_assert_max_num_queries(12) as small:
        client.get("/provisioning/accounts/")
    AwsAccountFactory.create_batch(20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/provisioning/accounts/").status_code == 200


def test_api_registers_and_tests_accounts(aws, personas, api_for):
    api = api_for(personas.admin)
    response = api.post("/api/v1/accounts/", GOOD, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    tested = api.post(f"/api/v1/accounts/{pk}/test-connection/")
    assert tested.status_code == 200 and tested.json()["last_test_ok"] is True
    bad = api.post("/api/v1/accounts/", {**GOOD, "account_id": "12"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    assert api_for(personas.consumer).post("/api/v1/accounts/", GOOD, format="json").status_code == 403


def test_provisioning_console_and_drift_api(aws, personas, client_for, api_for):
    assert client_for(personas.admin).get("/provisioning/operations/").status_code == 200
    assert client_for(personas.consumer).get("/provisioning/operations/").status_code == 403
    assert api_for(personas.auditor).get("/api/v1/drift-findings/").status_code == 200
    assert api_for(personas.producer).get("/api/v1/drift-findings/").status_code == 403
