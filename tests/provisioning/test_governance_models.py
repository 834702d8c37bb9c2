"""Central and line-of-business models against the AWS emulator: registering a table in the central catalog,
syncing its schema, granting on the central entry, and switching the model (preview, refusal, job, audit)."""

from __future__ import annotations

import pytest

from access_requests.models import Grant
from catalog.models import DataProduct
from meshportal.audit.models import AuditEvent
from meshportal.aws.models import GovernanceSettings
from meshportal.core.errors import NotAllowed, ValidationFailed
from provisioning import services
from provisioning.engine import job_run
from provisioning.models import CatalogRegistration, GovernanceModelChange, ProvisioningJob
from provisioning.registration import registration_run, registrations_sync_due
from tests.factories import AwsAccountFactory, GlueFootprintFactory
from tests.provisioning.helpers import (
    CENTRAL,
    CONSUMER,
    PRODUCER,
    ROLE,
    accounts,
    approved_grant,
    lf_permissions,
    seed_emulator,
)

pytestmark = pytest.mark.django_db


def _central(line_of_business: str = "group", organization_id: str = "") -> None:
    AwsAccountFactory(
        account_id=CENTRAL,
        name="central",
        role="central",
        region="eu-west-1",
        line_of_business=line_of_business,
        organization_id=organization_id,
    )


def _set_model(model: str) -> None:
    GovernanceSettings.objects.update_or_create(id=1, defaults={"model": model})


def _run_registrations() -> None:
    for job in CatalogRegistration.objects.exclude(status__in=["succeeded", "failed"]).order_by("id"):
        registration_run(job_id=job.pk)


def test_a_central_grant_on_the_producers_table_is_what_aws_refuses(aws, personas):
    """The issue's failure, reproduced: a central account may not grant on a table of the producer's catalog."""
    seed_emulator(aws)
    lf = aws.client("lakeformation", CENTRAL)
    with pytest.raises(
        lf.exceptions.InvalidInputException, match=f"can only be granted to principals in account {CENTRAL}"
    ):
        lf.grant_permissions(
            Principal={"DataLakePrincipalIdentifier": ROLE},
            Resource={"Table": {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}},
            Permissions=["SELECT"],
        )


def test_under_the_central_model_a_grant_registers_the_table_then_grants_on_the_central_entry(aws, personas):
    seed_emulator(aws)
    accounts()
    _central()
    _set_model("central")
    grant = approved_grant(personas, columns=["order_id", "amount"])
    job = services.provisioning_job_create(grant=grant, action="grant")
    registration = CatalogRegistration.objects.get(port=grant.port)
    assert (registration.central_account_id, registration.central_database, registration.central_table) == (
        CENTRAL,
        "mesh_sales",
        "sales_orders",
    )
    job_run(job_id=job.pk)  # the table is not registered yet: the grant waits
    job.refresh_from_db()
    assert (job.status, job.last_error_code) == ("retry", "registration_pending")

    registration_run(job_id=registration.pk)
    registration.refresh_from_db()
    assert registration.status == "succeeded", registration.last_error
    assert [c["name"] for c in registration.columns] == ["order_id", "amount", "email"]
    assert AuditEvent.objects.filter(event_type="provisioning.table_registered").count() == 1

    ProvisioningJob.objects.filter(pk=job.pk).update(next_attempt_at=None)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.last_error
    held = lf_permissions(aws, CENTRAL)
    assert (
        "TableWithColumns",
        (
            ("CatalogId", CENTRAL),
            ("ColumnNames", ("amount", "order_id")),
            ("DatabaseName", "mesh_sales"),
            ("Name", "sales_orders"),
        ),
        ("SELECT",),
    ) in held
    assert lf_permissions(aws, PRODUCER) == []
    link = aws.client("glue", CONSUMER).get_table(DatabaseName="mesh_sales", Name="sales_orders")["Table"]
    assert link["TargetTable"] == {"CatalogId": CENTRAL, "DatabaseName": "mesh_sales", "Name": "sales_orders"}

    # Switching back to federated: the revocation still goes where the grant was applied.
    _set_model("federated")
    Grant.objects.filter(pk=grant.pk).update(status=Grant.Status.REVOKING, end_reason="revoked")
    grant.refresh_from_db()
    assert grant.grantor_account_id == CENTRAL  # stored on the grant when it was provisioned
    revoke = services.provisioning_job_create(grant=grant, action="revoke")
    assert revoke.grantor_account_id == CENTRAL
    job_run(job_id=revoke.pk)
    revoke.refresh_from_db()
    assert revoke.status == "succeeded", revoke.last_error
    assert lf_permissions(aws, CENTRAL) == []


def test_a_schema_change_in_the_producers_table_reaches_the_central_entry_with_its_diff_audited(aws, personas):
    seed_emulator(aws)
    accounts()
    _central()
    _set_model("central")
    grant = approved_grant(personas)
    DataProduct.objects.filter(pk=grant.product_id).update(status="published")
    services.provisioning_job_create(grant=grant, action="grant")
    _run_registrations()
    glue = aws.client("glue", PRODUCER)
    table = glue.get_table(DatabaseName="sales", Name="orders")["Table"]
    columns = [*table["StorageDescriptor"]["Columns"], {"Name": "channel", "Type": "string"}]
    glue.update_table(
        DatabaseName="sales",
        TableInput={"Name": "orders", "StorageDescriptor": {**table["StorageDescriptor"], "Columns": columns}},
    )
    assert registrations_sync_due() == 1
    assert registrations_sync_due() == 0  # one sync waiting is enough
    _run_registrations()
    sync = CatalogRegistration.objects.get(action="sync")
    assert sync.status == "succeeded", sync.last_error
    assert sync.diff == {"added": ["channel"], "removed": [], "changed": []}
    entry = aws.client("glue", CENTRAL).get_table(DatabaseName="mesh_sales", Name="sales_orders")["Table"]
    assert "channel" in [c["Name"] for c in entry["StorageDescriptor"]["Columns"]]
    event = AuditEvent.objects.get(event_type="provisioning.central_schema_synced")
    assert event.after["diff"]["added"] == ["channel"]


def test_registrations_and_their_diffs_are_shown_to_admins_and_auditors(personas, api_for, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    accounts()
    grant = approved_grant(personas)

    def add(i: int) -> None:
        CatalogRegistration.objects.create(
            port=grant.port,
            action="sync",
            central_account_id=CENTRAL,
            central_database="mesh_sales",
            central_table="sales_orders",
            status="succeeded",
            diff={"added": [f"col{i}"], "removed": [], "changed": [{"name": "amount", "from": "int", "to": "bigint"}]},
        )

    for i in range(3):
        add(i)
    listed = api_for(personas.auditor).get("/api/v1/catalog-registrations/?action=sync")
    assert listed.status_code == 200 and listed.json()["results"][0]["diff"]["added"] == ["col2"]
    assert api_for(personas.producer).get("/api/v1/catalog-registrations/").status_code == 403
    admin = client_for(personas.admin)
    with CaptureQueriesContext(connection) as three:
        page = admin.get("/provisioning/operations/")
    for i in range(3, 6):
        add(i)
    with CaptureQueriesContext(connection) as six:
        admin.get("/provisioning/operations/")
    assert len(six) == len(three)  # no query per registration
    assert b"added col1" in page.content and b"amount: int \xe2\x86\x92 bigint" in page.content


def test_the_switch_preview_lists_registrations_grants_staying_and_the_new_grantor(personas):
    accounts()
    _central()
    grant = approved_grant(personas)
    DataProduct.objects.filter(pk=grant.product_id).update(status="published")
    ProvisioningJob.objects.create(grant=grant, action="grant", grantor_account_id=PRODUCER, status="succeeded")
    Grant.objects.filter(pk=grant.pk).update(status="active")
    preview = services.governance_model_preview(actor=personas.admin, model="central")
    assert preview.allowed and preview.problems == []
    assert [(r.producer_table, r.central_entry) for r in preview.registrations] == [
        (f"{PRODUCER}:sales.orders", f"{CENTRAL}:mesh_sales.sales_orders")
    ]
    assert [(g.applied_by, g.new_grantor) for g in preview.grants] == [(PRODUCER, CENTRAL)]
    with pytest.raises(NotAllowed):
        services.governance_model_preview(actor=personas.producer, model="central")


def test_a_switch_to_line_of_business_without_a_central_account_is_refused_before_anything_runs(personas):
    producer, _ = accounts()
    producer.line_of_business = "retail"
    producer.save()
    _central(line_of_business="finance")
    grant = approved_grant(personas)
    DataProduct.objects.filter(pk=grant.product_id).update(status="published")
    preview = services.governance_model_preview(actor=personas.admin, model="lob")
    assert not preview.allowed and "'retail'" in preview.problems[0]
    with pytest.raises(ValidationFailed) as exc:
        services.governance_model_change(actor=personas.admin, model="lob", confirmation="lob")
    assert exc.value.code == "no_central_account"
    assert GovernanceSettings.objects.get_or_create(id=1)[0].model == "federated"
    assert not CatalogRegistration.objects.exists() and not GovernanceModelChange.objects.exists()


def test_the_switch_needs_the_typed_model_and_records_its_registrations_as_a_job(personas):
    accounts()
    _central()
    grant = approved_grant(personas)
    DataProduct.objects.filter(pk=grant.product_id).update(status="published")
    with pytest.raises(ValidationFailed) as exc:
        services.governance_model_change(actor=personas.admin, model="central", confirmation="yes")
    assert exc.value.code == "confirmation_mismatch"
    change = services.governance_model_change(actor=personas.admin, model="central", confirmation="central")
    assert GovernanceSettings.objects.get().model == "central"
    assert list(change.registrations.values_list("central_account_id", "status")) == [(CENTRAL, "pending")]
    event = AuditEvent.objects.get(event_type="provisioning.governance_model_changed")
    assert event.before == {"model": "federated"} and event.after["registrations"] == 1
    with pytest.raises(ValidationFailed) as exc:
        services.governance_model_change(actor=personas.admin, model="central", confirmation="central")
    assert exc.value.code == "model_unchanged"


def test_the_switch_api_previews_refuses_and_runs(personas, api_for):
    accounts()
    grant = approved_grant(personas)
    DataProduct.objects.filter(pk=grant.product_id).update(status="published")
    api = api_for(personas.admin)
    response = api.get("/api/v1/governance/model-preview/?model=central")
    assert response.status_code == 200 and response.json()["allowed"] is False
    refused = api.post(
        "/api/v1/governance/model-changes/", {"model": "central", "confirmation": "central"}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["code"] == "no_central_account"
    _central()
    created = api.post(
        "/api/v1/governance/model-changes/", {"model": "central", "confirmation": "central"}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["progress"] == {"total": 1, "done": 0, "failed": 0, "waiting": 1}
    detail = api.get(f"/api/v1/governance/model-changes/{created.json()['id']}/")
    assert detail.json()["registrations"][0]["central_table"] == "sales_orders"
    # The settings endpoint no longer changes the model on its own.
    api.patch("/api/v1/governance/", {"model": "federated"}, format="json")
    assert GovernanceSettings.objects.get().model == "central"
    assert (
        api_for(personas.auditor)
        .post("/api/v1/governance/model-changes/", {"model": "lob", "confirmation": "lob"}, format="json")
        .status_code
        == 403
    )


def test_the_switch_pages_show_the_preview_and_the_progress(personas, client_for, django_assert_max_num_queries):
    accounts()
    _central()
    grant = approved_grant(personas)
    DataProduct.objects.filter(pk=grant.product_id).update(status="published")
    client = client_for(personas.admin)
    page = client.get("/provisioning/governance/model/?model=central")
    assert page.status_code == 200 and b"mesh_sales.sales_orders" in page.content
    wrong = client.post("/provisioning/governance/model/", {"model": "central", "confirmation": "centrl"})
    assert wrong.status_code == 200 and b"to confirm the switch" in wrong.content
    done = client.post("/provisioning/governance/model/", {"model": "central", "confirmation": "central"})
    change = GovernanceModelChange.objects.get()
    assert done.status_code == 302 and done.url == f"/provisioning/governance/model/changes/{change.pk}/"
    with django_assert_max_num_queries(12):
        detail = client.get(done.url)
    assert b"0 of 1 done" in detail.content


def test_a_reharvest_of_a_registered_table_syncs_its_central_entry(
    aws, personas, team, domain, django_capture_on_commit_callbacks
):
    from catalog.models import OutputPort
    from catalog.services.harvest import harvest_start

    seed_emulator(aws)
    producer, _ = accounts()
    GlueFootprintFactory(aws_account=producer, team=team, database_pattern="sales")  # the team owns its database

    def harvest() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            harvest_start(
                actor=personas.producer,
                aws_account=producer,
                database_name="sales",
                table_names=["orders"],
                domain=domain,
                owner_team=team,
            )

    harvest()
    port = OutputPort.objects.get(table_name="orders")
    CatalogRegistration.objects.create(
        port=port,
        central_account_id=CENTRAL,
        central_database="mesh_x",
        central_table="sales_orders",
        status="succeeded",
    )
    harvest()
    assert CatalogRegistration.objects.filter(port=port, action="sync", central_account_id=CENTRAL).count() == 1


def test_a_central_grantor_grants_an_lf_tag_port_by_the_tags_of_its_own_catalog(personas):
    from provisioning.backends.lakeformation import plan

    accounts()
    grant = approved_grant(personas, grant_method="lf_tags", lf_tag_expression=[{"TagKey": "d", "TagValues": ["s"]}])
    federated = plan.grant_entries(grant)
    central = plan.grant_entries(grant, grantor_account_id=CENTRAL)
    assert federated[1].resource == {
        "LFTagPolicy": {
            "CatalogId": PRODUCER,
            "ResourceType": "TABLE",
            "Expression": [{"TagKey": "d", "TagValues": ["s"]}],
        }
    }
    assert central[1].resource["LFTagPolicy"]["CatalogId"] == CENTRAL
    assert central[0].resource == {"Database": {"CatalogId": CENTRAL, "Name": "mesh_sales"}}


def test_an_lf_tag_port_under_the_central_model_tags_the_central_entry_and_grants_on_the_central_tags(aws, personas):
    seed_emulator(aws, org=True)
    accounts(org=True)
    _central(organization_id="o-test")
    _set_model("central")
    producer_lf = aws.client("lakeformation", PRODUCER)
    producer_lf.create_lf_tag(TagKey="domain", TagValues=["sales", "finance"])
    producer_lf.add_lf_tags_to_resource(
        Resource={"Table": {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}},
        LFTags=[{"TagKey": "domain", "TagValues": ["sales"]}],
    )
    central_lf = aws.client("lakeformation", CENTRAL)
    central_lf.create_lf_tag(TagKey="domain", TagValues=["hr"])  # the key exists there, without the value
    expression = [{"TagKey": "domain", "TagValues": ["finance", "sales"]}, {"TagKey": "tier", "TagValues": ["gold"]}]
    grant = approved_grant(personas, grant_method="lf_tags", lf_tag_expression=expression)
    job = services.provisioning_job_create(grant=grant, action="grant")
    registration = CatalogRegistration.objects.get(port=grant.port)
    registration_run(job_id=registration.pk)
    registration.refresh_from_db()
    assert registration.status == "succeeded", registration.last_error

    assert sorted(central_lf.get_lf_tag(TagKey="domain")["TagValues"]) == ["finance", "hr", "sales"]
    assert central_lf.get_lf_tag(TagKey="tier")["TagValues"] == ["gold"]  # created in the central account
    entry = {"Table": {"CatalogId": CENTRAL, "DatabaseName": "mesh_sales", "Name": "sales_orders"}}
    tags = central_lf.get_resource_lf_tags(Resource=entry)["LFTagsOnTable"]
    # The producer's value where the expression allows it, else the expression's first value.
    assert sorted((t["TagKey"], tuple(t["TagValues"])) for t in tags) == [("domain", ("sales",)), ("tier", ("gold",))]

    ProvisioningJob.objects.filter(pk=job.pk).update(next_attempt_at=None)
    job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded", job.last_error
    kinds = {(kind, perms) for kind, _, perms in lf_permissions(aws, CENTRAL)}
    assert ("LFTagPolicy", ("DESCRIBE", "SELECT")) in kinds
    assert ("Table", ("DESCRIBE", "SELECT")) not in kinds  # not the named entry
    assert ("LFTagPolicy", ("DESCRIBE", "SELECT")) not in {(k, p) for k, _, p in lf_permissions(aws, PRODUCER)}
    link = aws.client("glue", CONSUMER).get_table(DatabaseName="mesh_sales", Name="sales_orders")["Table"]
    assert link["TargetTable"] == {"CatalogId": CENTRAL, "DatabaseName": "mesh_sales", "Name": "sales_orders"}


def test_retiring_a_product_removes_its_central_entry_and_the_producers_link_by_an_audited_job(
    aws, personas, api_for, client_for
):
    from catalog import services as catalog_services
    from provisioning.registration import registration_ready

    seed_emulator(aws)
    accounts()
    _central()
    _set_model("central")
    grant = approved_grant(personas)
    services.provisioning_job_create(grant=grant, action="grant")
    registration = CatalogRegistration.objects.get(port=grant.port)
    registration_run(job_id=registration.pk)
    registration.refresh_from_db()
    assert registration.status == "succeeded", registration.last_error
    central_glue, producer_glue = aws.client("glue", CENTRAL), aws.client("glue", PRODUCER)
    central_glue.get_table(DatabaseName="mesh_sales", Name="sales_orders")
    producer_glue.get_table(DatabaseName="mesh_sales", Name="sales_orders")

    product = catalog_services.product_deprecate(actor=personas.admin, product=grant.product, reason="old")
    assert not CatalogRegistration.objects.filter(action="remove").exists()  # deprecated products stay
    catalog_services.product_retire(actor=personas.admin, product=product, reason="gone")
    (removal,) = CatalogRegistration.objects.filter(action="remove")
    assert (removal.port_id, removal.central_account_id, removal.status) == (grant.port_id, CENTRAL, "pending")
    registration_run(job_id=removal.pk)
    removal.refresh_from_db()
    assert removal.status == "succeeded", removal.last_error
    assert removal.steps_done == [
        f"Resource link mesh_sales.sales_orders in {PRODUCER} deleted",
        f"Entry mesh_sales.sales_orders in {CENTRAL} deleted",
    ]
    for glue_client in (central_glue, producer_glue):
        with pytest.raises(glue_client.exceptions.EntityNotFoundException):
            glue_client.get_table(DatabaseName="mesh_sales", Name="sales_orders")
    (event,) = AuditEvent.objects.filter(event_type="provisioning.central_entry_removed")
    assert event.after["entry"] == f"{CENTRAL}:mesh_sales.sales_orders"
    assert not registration_ready(port=grant.port, central=CENTRAL)
    # Nothing left to remove, nothing left to sync.
    from provisioning.registration import registration_remove_request

    assert registration_remove_request(port=grant.port, central_account_id=CENTRAL) is None
    assert registrations_sync_due() == 0
    # Registering it again (e.g. a grant under a central model) is a new job, not the removed entry's.
    from provisioning.registration import registration_ensure

    again = registration_ensure(port=grant.port, central_account_id=CENTRAL)
    assert (again.action, again.status) == ("register", "pending") and again.pk > removal.pk
    assert registration_ensure(port=grant.port, central_account_id=CENTRAL) == again
    listed = api_for(personas.auditor).get("/api/v1/catalog-registrations/?action=remove")
    assert listed.status_code == 200 and [r["id"] for r in listed.json()["results"]] == [removal.pk]
    assert b"Remove entry" in client_for(personas.admin).get("/provisioning/operations/").content
