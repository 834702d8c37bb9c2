"""The AWS footprint registry: platform admins record which team owns which Glue databases (audited), through
the service, the API and the page; the most specific claim decides whose a database is."""

from __future__ import annotations

import pytest

from meshportal.audit.models import AuditEvent
from meshportal.aws import footprints
from meshportal.aws.models import GlueFootprint
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from tests.factories import AwsAccountFactory, GlueFootprintFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def producer_account():
    return AwsAccountFactory(account_id="222222222222", name="producer", role="producer")


@pytest.fixture
def finance():
    return TeamFactory(name="Finance", slug="finance")


def test_admin_claims_a_database_for_a_team_audited(personas, team, producer_account):
    footprint = footprints.footprint_claim(
        actor=personas.admin, team=team, aws_account=producer_account, database_pattern=" Sales "
    )
    assert (footprint.team, footprint.database_pattern, footprint.created_by) == (team, "sales", personas.admin)
    event = AuditEvent.objects.get(event_type="provisioning.footprint_claimed")
    assert event.after == {"team": "sales-analytics", "account": "222222222222", "database_pattern": "sales"}
    assert event.account_id == "222222222222"


def test_only_platform_admins_claim_or_release(personas, team, producer_account):
    for persona in (personas.producer, personas.steward, personas.auditor, personas.outsider):
        with pytest.raises(NotAllowed):
            footprints.footprint_claim(actor=persona, team=team, aws_account=producer_account, database_pattern="s")
    footprint = GlueFootprintFactory(team=team, aws_account=producer_account)
    with pytest.raises(NotAllowed):
        footprints.footprint_release(actor=personas.producer, footprint=footprint)
    assert GlueFootprint.objects.count() == 1


@pytest.mark.parametrize("role", ["consumer", "central"])
def test_teams_own_databases_in_producer_accounts_only(personas, team, role):
    account = AwsAccountFactory(account_id="333333333333", role=role)
    with pytest.raises(ValidationFailed) as refused:
        footprints.footprint_claim(actor=personas.admin, team=team, aws_account=account, database_pattern="sales")
    assert refused.value.code == "not_a_producer_account"
    assert not GlueFootprint.objects.exists()


def test_a_database_is_claimed_once_and_the_refusal_names_the_owner(personas, team, finance, producer_account):
    GlueFootprintFactory(team=finance, aws_account=producer_account, database_pattern="payments")
    with pytest.raises(Conflict) as refused:
        footprints.footprint_claim(
            actor=personas.admin, team=team, aws_account=producer_account, database_pattern="payments"
        )
    assert refused.value.code == "duplicate_footprint" and "Finance" in refused.value.detail


@pytest.mark.parametrize("pattern", ["", "sales orders", "x" * 256, "sales;drop"])
def test_a_bad_pattern_is_refused_with_a_message(personas, team, producer_account, pattern):
    with pytest.raises(ValidationFailed) as refused:
        footprints.footprint_claim(
            actor=personas.admin, team=team, aws_account=producer_account, database_pattern=pattern
        )
    assert refused.value.code == "invalid_footprint" and "database name" in refused.value.detail


def test_the_most_specific_claim_decides_whose_a_database_is(team, finance, producer_account):
    GlueFootprintFactory(team=finance, aws_account=producer_account, database_pattern="fin*")
    GlueFootprintFactory(team=team, aws_account=producer_account, database_pattern="finance_sales")
    GlueFootprintFactory(team=team, aws_account=producer_account, database_pattern="finance_s*")
    assert footprints.footprint_for(aws_account=producer_account, database="finance_sales").team == team
    assert footprints.footprint_for(aws_account=producer_account, database="finance_sx").team == team
    assert footprints.footprint_for(aws_account=producer_account, database="finance_core").team == finance
    assert footprints.footprint_for(aws_account=producer_account, database="FINANCE_CORE").team == finance
    assert footprints.footprint_for(aws_account=producer_account, database="sales") is None
    other_account = AwsAccountFactory(account_id="444444444444")
    assert footprints.footprint_for(aws_account=other_account, database="finance_core") is None
    assert footprints.footprint_databases_for_team(
        team_id=team.pk, aws_account=producer_account, databases=["finance_sales", "finance_core", "sales"]
    ) == ["finance_sales"]


def test_api_admin_claims_and_releases_others_are_refused(personas, team, producer_account, api_for):
    body = {"team": "sales-analytics", "aws_account": "222222222222", "database_pattern": "sales_*"}
    assert api_for(personas.producer).post("/api/v1/footprints/", body, format="json").status_code == 403
    created = api_for(personas.admin).post("/api/v1/footprints/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["team"] == "sales-analytics" and created.json()["database_pattern"] == "sales_*"
    again = api_for(personas.admin).post("/api/v1/footprints/", body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "duplicate_footprint"
    consumer = AwsAccountFactory(account_id="333333333333", role="consumer")
    refused = api_for(personas.admin).post(
        "/api/v1/footprints/", {**body, "aws_account": consumer.account_id}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["code"] == "not_a_producer_account"
    unknown = api_for(personas.admin).post("/api/v1/footprints/", {**body, "team": "nobody"}, format="json")
    assert unknown.status_code == 400 and "team" in unknown.json()["errors"]
    pk = created.json()["id"]
    assert api_for(personas.producer).delete(f"/api/v1/footprints/{pk}/").status_code == 403
    assert api_for(personas.admin).delete(f"/api/v1/footprints/{pk}/").status_code == 204
    assert not GlueFootprint.objects.exists()
    assert AuditEvent.objects.filter(event_type="provisioning.footprint_released").count() == 1


def test_api_lists_your_teams_claims_admins_and_auditors_see_all(personas, team, finance, producer_account, api_for):
    GlueFootprintFactory(team=team, aws_account=producer_account, database_pattern="sales")
    GlueFootprintFactory(team=finance, aws_account=producer_account, database_pattern="payments")
    seen = {
        name: [
            f["database_pattern"] for f in api_for(getattr(personas, name)).get("/api/v1/footprints/").json()["results"]
        ]
        for name in ("producer", "outsider", "admin", "auditor")
    }
    assert seen == {
        "producer": ["sales"],
        "outsider": [],
        "admin": ["payments", "sales"],
        "auditor": ["payments", "sales"],
    }


def test_page_lists_and_admin_records_an_owner_in_the_browser(
    personas, team, finance, producer_account, client_for, django_assert_max_num_queries
):
    for i in range(5):
        GlueFootprintFactory(team=finance, aws_account=producer_account, database_pattern=f"db_{i}")
    admin = client_for(personas.admin)
    with django_assert_max_num_queries(12):
        page = admin.get("/aws/footprints/")
    assert page.status_code == 200 and b"db_4" in page.content and b"Record an owner" in page.content
    bad = admin.post(
        "/aws/footprints/", {"team": "sales-analytics", "aws_account": "222222222222", "database_pattern": "a b"}
    )
    assert bad.status_code == 400 and b"database name" in bad.content
    ok = admin.post(
        "/aws/footprints/", {"team": "sales-analytics", "aws_account": "222222222222", "database_pattern": "sales"}
    )
    assert ok.status_code == 302
    footprint = GlueFootprint.objects.get(database_pattern="sales")
    assert footprint.team == team
    producer = client_for(personas.producer)
    own = producer.get("/aws/footprints/")
    assert own.status_code == 200 and b"<code>sales</code>" in own.content and b"db_4" not in own.content
    assert b"Record an owner" not in own.content
    assert producer.post("/aws/footprints/", {"team": "sales-analytics"}).status_code == 403
    assert producer.post(f"/aws/footprints/{footprint.pk}/release/").status_code == 403
    assert admin.post(f"/aws/footprints/{footprint.pk}/release/").status_code == 302
    assert not GlueFootprint.objects.filter(database_pattern="sales").exists()
