"""Harvest from Glue against the AWS emulator (moto), through the portal's one gateway."""

from __future__ import annotations

import contextlib
import json

import pytest

from catalog import services
from catalog.glue import glue_database_names, glue_tables
from catalog.models import DataProduct, OutputPort, SchemaProposal
from meshportal.audit.events import EventType
from meshportal.audit.models import AuditEvent
from meshportal.aws.gateway import account_client
from meshportal.core.errors import NotAllowed, NotFound, ValidationFailed
from tests.factories import AwsAccountFactory

pytestmark = pytest.mark.django_db

ACCOUNT_ID = "222222222222"


def glue_seed(account, database: str, tables: dict[str, list[dict]]) -> None:
    glue = account_client("glue", account.account_id, region=account.region)
    with contextlib.suppress(glue.exceptions.AlreadyExistsException):
        glue.create_database(DatabaseInput={"Name": database})
    for name, columns in tables.items():
        table = {
            "Name": name,
            "Description": f"The {name} table.",
            "StorageDescriptor": {"Columns": columns, "Location": f"s3://lake/{database}/{name}/"},
            "TableType": "EXTERNAL_TABLE",
        }
        try:
            glue.create_table(DatabaseName=database, TableInput=table)
        except glue.exceptions.AlreadyExistsException:
            glue.update_table(DatabaseName=database, TableInput=table)


ORDERS = [
    {"Name": "order_id", "Type": "string", "Comment": "Order number"},
    {"Name": "customer_email", "Type": "string"},
    {
        "Name": "contact",
        "Type": "string",
        "Parameters": {"meshportal:samples": json.dumps(["ann@example.com", "bob@example.org"])},
    },
    {"Name": "amount", "Type": "decimal(12,2)"},
]


@pytest.fixture
def producer_account(aws):
    account = AwsAccountFactory(account_id=ACCOUNT_ID, name="producer", region="eu-west-1")
    glue_seed(account, "sales", {"orders": ORDERS, "refunds": [{"Name": "refund_id", "Type": "string"}]})
    return account


def test_gateway_lists_databases_tables_columns_and_samples(producer_account):
    assert "sales" in glue_database_names(producer_account)
    tables = {t.name: t for t in glue_tables(producer_account, "sales")}
    assert set(tables) == {"orders", "refunds"}
    contact = next(c for c in tables["orders"].columns if c.name == "contact")
    assert contact.sample_values == ["ann@example.com", "bob@example.org"]


def test_harvest_creates_drafts_with_schema_port_and_pii_flags(
    personas, team, domain, producer_account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.harvest_start(
            actor=personas.producer,
            aws_account=producer_account,
            database_name="sales",
            table_names=["orders", "refunds"],
            domain=domain,
            owner_team=team,
        )
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("succeeded", 2, 2)
    assert [r["outcome"] for r in job.results] == ["created", "created"]
    product = DataProduct.objects.get(slug="sales-orders")
    assert product.status == "draft" and product.owner_team == team
    assert product.summary == "The orders table."
    flags = {c.name: c.is_pii for c in product.columns.all()}
    assert flags == {"order_id": False, "customer_email": True, "contact": True, "amount": False}
    port = OutputPort.objects.get(product=product)
    assert (port.catalog_id, port.database_name, port.table_name) == (ACCOUNT_ID, "sales", "orders")
    assert port.s3_location == "s3://lake/sales/orders/"
    assert AuditEvent.objects.filter(event_type=EventType.HARVEST_FINISHED).count() == 1
    assert AuditEvent.objects.filter(event_type=EventType.PRODUCT_CREATED, product_id=product.pk).exists()


def test_harvest_flags_person_names_from_sample_values(
    personas, team, domain, producer_account, django_capture_on_commit_callbacks
):
    glue_seed(
        producer_account,
        "sales",
        {
            "tickets": [
                {
                    "Name": "handled_by",
                    "Type": "string",  # the name says nothing; the values are people
                    "Parameters": {"meshportal:samples": json.dumps(["Ana García", "de Vries, Pieter", "Wei Zhang"])},
                },
                {
                    "Name": "store",
                    "Type": "string",
                    "Parameters": {
                        "meshportal:samples": json.dumps(["Oxford Street Store", "Paris Nord", "Main Hall"])
                    },
                },
            ]
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.harvest_start(
            actor=personas.producer,
            aws_account=producer_account,
            database_name="sales",
            table_names=["tickets"],
            domain=domain,
            owner_team=team,
        )
    columns = {c.name: c for c in DataProduct.objects.get(slug="sales-tickets").columns.all()}
    assert columns["handled_by"].is_pii and "person name" in columns["handled_by"].pii_reason
    assert not columns["store"].is_pii


def test_reharvest_shows_schema_changes_before_applying(
    personas, team, domain, producer_account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.harvest_start(
            actor=personas.producer,
            aws_account=producer_account,
            database_name="sales",
            table_names=["orders"],
            domain=domain,
            owner_team=team,
        )
    changed = [
        {"Name": "order_id", "Type": "bigint", "Comment": "Order number"},
        {"Name": "customer_email", "Type": "string"},
        {"Name": "amount", "Type": "decimal(12,2)"},
        {"Name": "channel", "Type": "string"},
    ]
    glue_seed(producer_account, "sales", {"orders": changed})
    with django_capture_on_commit_callbacks(execute=True):
        job = services.harvest_start(
            actor=personas.producer,
            aws_account=producer_account,
            database_name="sales",
            table_names=["orders"],
            domain=domain,
            owner_team=team,
        )
    job.refresh_from_db()
    assert job.results[0]["outcome"] == "changes"
    proposal = SchemaProposal.objects.get(status="pending")
    assert proposal.diff["added"] == ["channel"] and proposal.diff["removed"] == ["contact"]
    assert proposal.diff["changed"] == [
        {"name": "order_id", "field": "data_type", "before": "string", "after": "bigint"}
    ]
    product = DataProduct.objects.get(slug="sales-orders")
    assert "channel" not in {c.name for c in product.columns.all()}  # nothing applied yet
    with pytest.raises(NotFound):
        services.schema_apply_harvest(actor=personas.consumer, proposal=proposal)
    services.schema_apply_harvest(actor=personas.producer, proposal=proposal)
    assert [c.name for c in product.columns.all()] == ["order_id", "customer_email", "amount", "channel"]
    assert product.columns.get(name="order_id").data_type == "bigint"


def test_harvest_of_a_missing_table_is_reported_per_table(
    personas, team, domain, producer_account, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.harvest_start(
            actor=personas.producer,
            aws_account=producer_account,
            database_name="sales",
            table_names=["orders", "nope"],
            domain=domain,
            owner_team=team,
        )
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert [r["outcome"] for r in job.results] == ["created", "failed"]
    assert "EntityNotFound" in job.results[1]["detail"]


def test_harvest_is_claimed_once(personas, team, domain, producer_account, django_capture_on_commit_callbacks):
    job = services.harvest_start(
        actor=personas.producer,
        aws_account=producer_account,
        database_name="sales",
        table_names=["refunds"],
        domain=domain,
        owner_team=team,
    )
    assert services.harvest_run(job_id=job.pk) is not None
    assert services.harvest_run(job_id=job.pk) is None  # redelivered task: nothing to do
    assert DataProduct.objects.count() == 1


def test_only_team_members_harvest_for_a_team(personas, team, domain, producer_account):
    with pytest.raises(NotAllowed):
        services.harvest_start(
            actor=personas.consumer,
            aws_account=producer_account,
            database_name="sales",
            table_names=["orders"],
            domain=domain,
            owner_team=team,
        )
    with pytest.raises(ValidationFailed):
        services.harvest_start(
            actor=personas.producer,
            aws_account=producer_account,
            database_name="sales",
            table_names=[],
            domain=domain,
            owner_team=team,
        )


def test_harvest_pages_pick_tables_and_show_progress(
    personas, team, domain, producer_account, client_for, django_capture_on_commit_callbacks
):
    client = client_for(personas.producer)
    assert client.get("/catalog/harvest/").status_code == 200
    dbs = client.get(f"/catalog/harvest/databases/?aws_account={ACCOUNT_ID}", headers={"HX-Request": "true"})
    assert 'value="sales"' in dbs.content.decode()
    tables = client.get(
        f"/catalog/harvest/tables/?aws_account={ACCOUNT_ID}&database_name=sales", headers={"HX-Request": "true"}
    )
    assert "customer_email" in tables.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/catalog/harvest/",
            {
                "aws_account": ACCOUNT_ID,
                "database_name": "sales",
                "table_names": ["orders"],
                "domain": "sales",
                "owner_team": "sales-analytics",
            },
        )
    assert response.status_code == 302
    progress = client.get(response["Location"], headers={"HX-Request": "true"})
    assert "Finished" in progress.content.decode() and "sales-orders" in progress.content.decode()
    assert client_for(personas.outsider).get(response["Location"]).status_code == 404


def test_harvest_api_start_and_status(personas, producer_account, api_for, django_capture_on_commit_callbacks):
    api = api_for(personas.producer)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/harvests/",
            {
                "aws_account": ACCOUNT_ID,
                "database_name": "sales",
                "table_names": ["refunds"],
                "domain": "sales",
                "owner_team": "sales-analytics",
            },
            format="json",
        )
    assert response.status_code == 202
    status = api.get(f"/api/v1/harvests/{response.json()['id']}/").json()
    assert status["status"] == "succeeded" and status["results"][0]["product"] == "sales-refunds"
    bad = api.post(
        "/api/v1/harvests/",
        {
            "aws_account": "999999999999",
            "database_name": "sales",
            "table_names": ["x"],
            "domain": "sales",
            "owner_team": "sales-analytics",
        },
        format="json",
    )
    assert bad.status_code == 400 and "aws_account" in bad.json()["errors"]


def test_relay_re_drives_a_harvest_whose_message_was_lost(aws, personas, team, domain):
    from datetime import timedelta

    from django.utils import timezone

    from catalog.models import HarvestJob
    from catalog.services.harvest import harvests_relay
    from tests.factories import AwsAccountFactory

    account = AwsAccountFactory(account_id="222222222222", role="producer")
    job = HarvestJob.objects.create(
        requested_by=personas.producer,
        aws_account=account,
        database_name="sales",
        table_names=["missing"],
        domain=domain,
        owner_team=team,
        total=1,
    )
    assert harvests_relay() == 0  # too fresh: its own message may still be on the way
    HarvestJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert harvests_relay() == 1  # eager Celery in tests: the re-sent task runs the harvest
    job.refresh_from_db()
    assert job.status in ("succeeded", "failed") and job.attempts == 1


# --- two teams: another team's products do not exist for a harvest or a schema change ----------------------


@pytest.fixture
def rival(domain):
    """Another team with its own producer, which harvested sales.orders first and has a change pending."""
    from tests.factories import TeamFactory, TeamMembershipFactory, UserFactory

    team = TeamFactory(name="Rivals", slug="rivals")
    producer = UserFactory(username="rita-rival")
    TeamMembershipFactory(team=team, user=producer)
    return team, producer


def _harvest(actor, account, team, domain, capture):
    with capture(execute=True):
        job = services.harvest_start(
            actor=actor,
            aws_account=account,
            database_name="sales",
            table_names=["orders"],
            domain=domain,
            owner_team=team,
        )
    job.refresh_from_db()
    return job


@pytest.fixture
def rival_pending(rival, domain, producer_account, django_capture_on_commit_callbacks):
    team, producer = rival
    _harvest(producer, producer_account, team, domain, django_capture_on_commit_callbacks)
    glue_seed(producer_account, "sales", {"orders": [*ORDERS, {"Name": "channel", "Type": "string"}]})
    _harvest(producer, producer_account, team, domain, django_capture_on_commit_callbacks)
    product = DataProduct.objects.get(owner_team=team)
    proposal = SchemaProposal.objects.get(product=product, status="pending")
    return product, proposal


def test_harvest_never_touches_another_teams_product_nor_reports_its_slug(
    personas, team, domain, producer_account, rival_pending, django_capture_on_commit_callbacks
):
    rival_product, rival_proposal = rival_pending
    job = _harvest(personas.producer, producer_account, team, domain, django_capture_on_commit_callbacks)
    rival_proposal.refresh_from_db()
    assert rival_proposal.status == "pending"  # not superseded by someone else's reading
    assert not SchemaProposal.objects.filter(product=rival_product).exclude(pk=rival_proposal.pk).exists()
    assert job.results[0]["outcome"] == "created"  # as if the rival's product did not exist
    own = DataProduct.objects.get(owner_team=team)
    assert job.results[0]["product"] == own.slug != rival_product.slug
    assert all(result.get("product") != rival_product.slug for result in job.results)


@pytest.mark.parametrize("publish", [False, True])
def test_another_teams_schema_change_is_a_404_through_every_door(
    personas, rival, rival_pending, api_for, client_for, publish
):
    rival_product, proposal = rival_pending
    if publish:  # a published product is visible, its pending schema change still is not
        DataProduct.objects.filter(pk=rival_product.pk).update(status="published")
    for path in (f"/api/v1/schema-proposals/{proposal.pk}/apply/", f"/api/v1/schema-proposals/{proposal.pk}/discard/"):
        response = api_for(personas.producer).post(path)
        assert response.status_code == 404
        assert rival_product.slug not in response.content.decode()
    for path in (f"/catalog/schema-changes/{proposal.pk}/apply/", f"/catalog/schema-changes/{proposal.pk}/discard/"):
        assert client_for(personas.producer).post(path).status_code == 404
    for decide in (services.schema_apply_harvest, services.schema_discard_harvest):
        with pytest.raises(NotFound):
            decide(actor=personas.producer, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    # The owning team still decides it.
    services.schema_discard_harvest(actor=rival[1], proposal=proposal)
