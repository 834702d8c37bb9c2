"""Harvest from Glue against the AWS emulator (moto), through the portal's one gateway."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog import services
from catalog.glue import glue_database_names, glue_tables
from catalog.models import DataProduct, HarvestJob, OutputPort, SchemaProposal
from catalog.services.harvest import HARVESTS, harvests_relay
from meshportal.audit.events import EventType
from meshportal.audit.models import AuditEvent
from meshportal.aws.gateway import account_client
from meshportal.aws.models import GlueFootprint
from meshportal.core.errors import NotAllowed, NotFound, ValidationFailed
from tests.factories import AwsAccountFactory, GlueFootprintFactory

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
def producer_account(aws, team):
    account = AwsAccountFactory(account_id=ACCOUNT_ID, name="producer", region="eu-west-1")
    glue_seed(account, "sales", {"orders": ORDERS, "refunds": [{"Name": "refund_id", "Type": "string"}]})
    GlueFootprintFactory(aws_account=account, team=team, database_pattern="sales")
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
    # The re-harvest re-read the port's table: the port knows the new shape and shows it changed.
    port = product.output_ports.get()
    assert port.table_changed_at is not None and port.table_columns[-1]["name"] == "channel"
    schema = [(c.name, c.data_type) for c in product.columns.all()]
    assert services.port_table_changed(port, schema)
    with pytest.raises(NotFound):
        services.schema_apply_harvest(actor=personas.consumer, proposal=proposal)
    services.schema_apply_harvest(actor=personas.producer, proposal=proposal)
    assert [c.name for c in product.columns.all()] == ["order_id", "customer_email", "amount", "channel"]
    assert product.columns.get(name="order_id").data_type == "bigint"
    schema = [(c.name, c.data_type) for c in product.columns.all()]
    assert not services.port_table_changed(port, schema)  # the schema is the table's again


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
    glue_seed(producer_account, "finance", {"payments": [{"Name": "payment_id", "Type": "string"}]})
    dbs = client.get(f"/catalog/harvest/databases/?aws_account={ACCOUNT_ID}", headers={"HX-Request": "true"})
    assert 'value="sales"' in dbs.content.decode()
    assert "finance" not in dbs.content.decode()  # no team of the producer owns it
    admin_dbs = client_for(personas.admin).get(f"/catalog/harvest/databases/?aws_account={ACCOUNT_ID}")
    assert 'value="finance"' in admin_dbs.content.decode()  # admins see the whole catalog
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
    assert job.status == "failed" and job.attempts == 1
    assert job.last_error_code == "EntityNotFoundException" and job.last_error.startswith("missing: ")


# --- on the outbox engine -------------------------------------------------------------------------------


@pytest.fixture
def waiting_harvest(personas, team, domain, producer_account, django_capture_on_commit_callbacks):
    """A harvest of two tables, committed but not yet run by any worker."""

    def make(tables=("orders", "refunds")) -> HarvestJob:
        with django_capture_on_commit_callbacks(execute=False):
            return services.harvest_start(
                actor=personas.producer,
                aws_account=producer_account,
                database_name="sales",
                table_names=list(tables),
                domain=domain,
                owner_team=team,
            )

    return make


def test_a_harvest_claimed_twice_runs_once(waiting_harvest):
    job = waiting_harvest()
    assert HARVESTS.claim(job_id=job.pk, worker="first") is True
    assert services.harvest_run(job_id=job.pk) is None  # a second message while the first worker holds it
    job.refresh_from_db()
    assert (job.status, job.done, job.claimed_by) == ("running", 0, "first")
    assert DataProduct.objects.count() == 0


def test_a_harvest_whose_worker_died_is_taken_over_after_the_lease(waiting_harvest, settings):
    job = waiting_harvest()
    assert HARVESTS.claim(job_id=job.pk, worker="dead") is True
    assert services.harvest_run(job_id=job.pk) is None  # inside the lease: still the dead worker's
    lease = settings.MESHPORTAL_OUTBOX["harvest"]["lease_seconds"]
    HarvestJob.objects.filter(pk=job.pk).update(claimed_at=timezone.now() - timedelta(seconds=lease + 1))
    assert harvests_relay() == 1  # the relay re-sends it; the eager task takes it over
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done) == ("succeeded", 2, 2)
    assert job.claimed_by != "dead"
    assert DataProduct.objects.count() == 2


def test_a_worker_whose_lease_ran_out_changes_nothing(waiting_harvest):
    job = waiting_harvest()
    HARVESTS.claim(job_id=job.pk, worker="old")
    stale = HarvestJob.objects.get(pk=job.pk)
    HarvestJob.objects.filter(pk=job.pk).update(claimed_by="new")  # taken over meanwhile
    assert HARVESTS.finish(stale, status="failed", message="too late") is False
    job.refresh_from_db()
    assert (job.status, job.claimed_by, job.last_error) == ("running", "new", "")


def test_a_throttled_harvest_is_retried_with_backoff(aws, waiting_harvest, settings, personas, client_for):
    settings.MESHPORTAL_AWS_MAX_ATTEMPTS = 1  # let the harvest-level retry do the work, not botocore
    aws.inject_fault(service="glue", operation="GetTable", error="ThrottlingException", count=1)
    job = waiting_harvest(["orders", "refunds"])
    services.harvest_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done) == ("retry", 1, 0)
    assert job.last_error_code == "ThrottlingException" and job.last_error.startswith("orders: glue:")
    assert job.next_attempt_at is not None and job.finished_at is None
    page = client_for(personas.producer).get(f"/catalog/harvest/{job.pk}/", headers={"HX-Request": "true"})
    assert "Waiting to retry" in page.content.decode() and "ThrottlingException" in page.content.decode()
    assert services.harvest_run(job_id=job.pk) is None  # not due yet: the backoff holds
    HarvestJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert harvests_relay() == 1  # the due retry is re-sent; the eager task runs it
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done) == ("succeeded", 2, 2)
    assert [r["outcome"] for r in job.results] == ["created", "created"]


def test_a_retried_harvest_goes_on_with_the_tables_not_read_yet(waiting_harvest):
    job = waiting_harvest(["orders", "refunds"])
    earlier = {"table": "orders", "outcome": "unchanged", "product": "sales-orders", "detail": "No schema change."}
    HarvestJob.objects.filter(pk=job.pk).update(status="retry", attempts=1, results=[earlier], done=1)
    services.harvest_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done) == ("succeeded", 2, 2)
    assert job.results == [earlier, {**job.results[1], "table": "refunds", "outcome": "created"}]
    assert list(DataProduct.objects.values_list("slug", flat=True)) == ["sales-refunds"]  # orders not read again


def test_a_harvest_that_keeps_being_throttled_gives_up_after_max_attempts(aws, waiting_harvest, settings):
    settings.MESHPORTAL_AWS_MAX_ATTEMPTS = 1
    settings.MESHPORTAL_OUTBOX = {
        **settings.MESHPORTAL_OUTBOX,
        "harvest": {**settings.MESHPORTAL_OUTBOX["harvest"], "max_attempts": 2},
    }
    aws.inject_fault(service="glue", operation="GetTable", error="ThrottlingException")
    job = waiting_harvest(["orders"])
    services.harvest_run(job_id=job.pk)
    HarvestJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    services.harvest_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 2)
    assert job.results[0]["outcome"] == "failed" and job.results[0]["code"] == "ThrottlingException"
    assert job.last_error_code == "ThrottlingException"


def test_an_invalid_harvest_fails_at_once_with_the_reason(waiting_harvest, producer_account):
    job = waiting_harvest(["orders"])
    producer_account.is_active = False  # deactivated after the harvest was asked for
    producer_account.save(update_fields=["is_active"])
    services.harvest_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done) == ("failed", 1, 0)
    assert job.last_error_code == "not_a_producer_account" and "not an active producer account" in job.last_error
    assert job.next_attempt_at is None
    event = AuditEvent.objects.get(event_type=EventType.HARVEST_FINISHED)
    assert event.after["status"] == "failed" and "not an active producer account" in event.after["error"]


def test_a_harvest_of_a_missing_database_fails_without_retrying(waiting_harvest, personas, team, domain):
    job = waiting_harvest(["orders"])
    HarvestJob.objects.filter(pk=job.pk).update(database_name="nowhere")
    services.harvest_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 1)
    assert job.last_error_code == "EntityNotFoundException" and job.last_error.startswith("orders: ")


def test_harvest_api_shows_attempts_and_the_reason(waiting_harvest, producer_account, personas, api_for):
    job = waiting_harvest(["orders"])
    producer_account.is_active = False
    producer_account.save(update_fields=["is_active"])
    services.harvest_run(job_id=job.pk)
    body = api_for(personas.producer).get(f"/api/v1/harvests/{job.pk}/").json()
    assert (body["status"], body["attempts"], body["last_error_code"]) == ("failed", 1, "not_a_producer_account")
    assert body["started_at"] is not None and body["finished_at"] is not None


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
    # The rival team owned the sales database first; a platform admin then moved it to the personas' team.
    footprint = GlueFootprint.objects.get(aws_account=producer_account, database_pattern="sales")
    own_team = footprint.team
    GlueFootprint.objects.filter(pk=footprint.pk).update(team=team)
    _harvest(producer, producer_account, team, domain, django_capture_on_commit_callbacks)
    glue_seed(producer_account, "sales", {"orders": [*ORDERS, {"Name": "channel", "Type": "string"}]})
    _harvest(producer, producer_account, team, domain, django_capture_on_commit_callbacks)
    GlueFootprint.objects.filter(pk=footprint.pk).update(team=own_team)
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
