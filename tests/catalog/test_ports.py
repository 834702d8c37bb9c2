"""Output ports only on tables the product's team owns and that exist, read from Glue (issue #12), through the
service, the API and the page, against the AWS emulator."""

from __future__ import annotations

import pytest

from catalog import services
from catalog.models import DataProduct, OutputPort
from meshportal.core.errors import Conflict, DomainError, NotAllowed, ValidationFailed
from tests.catalog.conftest import COLUMNS
from tests.factories import AwsAccountFactory, TeamFactory, owned_glue_table, seed_glue_table

pytestmark = pytest.mark.django_db

PRODUCER = "222222222222"
CONSUMER = "333333333333"
# The Glue columns of sales.orders: the same as the catalog fixture's schema.
ORDERS = [{"Name": c["name"], "Type": c["data_type"]} for c in COLUMNS]


@pytest.fixture
def accounts(aws, team):
    producer = AwsAccountFactory(account_id=PRODUCER, name="producer", role="producer")
    consumer = AwsAccountFactory(account_id=CONSUMER, name="consumer", role="consumer")
    owned_glue_table(account=producer, team=team, database="sales", table="orders", columns=ORDERS)
    seed_glue_table(producer, "sales", "refunds")
    finance = TeamFactory(name="Finance", slug="finance")
    owned_glue_table(account=producer, team=finance, database="finance", table="payments")
    seed_glue_table(producer, "unclaimed", "things")
    seed_glue_table(consumer, "sales", "orders", ORDERS)
    return producer, consumer


def _port(actor, product, account, database="sales", table="orders", name="glue"):
    return services.port_create(
        actor=actor, product=product, aws_account=account, name=name, database_name=database, table_name=table
    )


def test_port_on_an_owned_table_stores_the_columns_read_from_glue(personas, accounts, draft):
    producer, _ = accounts
    port = _port(personas.producer, draft, producer)
    assert [c["name"] for c in port.table_columns] == ["order_id", "order_date", "amount_eur"]
    assert len(port.table_fingerprint) == 64 and port.table_read_at is not None
    assert port.s3_location == "s3://lake/sales/orders/"  # from Glue, not from the form
    assert not services.port_table_changed(port, [(c["name"], c["data_type"]) for c in COLUMNS])


@pytest.mark.parametrize(
    ("database", "table", "error", "code", "names"),
    [
        ("finance", "payments", NotAllowed, "database_of_another_team", "Finance"),
        ("unclaimed", "things", ValidationFailed, "database_not_claimed", "unclaimed"),
        ("sales", "missing", ValidationFailed, "glue_table_not_found", "sales.missing"),
    ],
)
def test_port_refusals_name_the_owner_or_what_is_missing(
    personas, accounts, draft, database, table, error, code, names
):
    producer, _ = accounts
    with pytest.raises(error) as refused:
        _port(personas.producer, draft, producer, database, table)
    assert refused.value.code == code and names in refused.value.detail
    assert not OutputPort.objects.exists()


def test_a_claimed_database_that_does_not_exist_is_refused(personas, team, accounts, draft):
    producer, _ = accounts
    owned_glue_table(account=producer, team=team, database="sales_*")  # a pattern claim; no such database yet
    with pytest.raises(ValidationFailed) as refused:
        _port(personas.producer, draft, producer, "sales_eu", "")
    assert refused.value.code == "glue_database_not_found" and "sales_eu" in refused.value.detail


def test_a_port_in_a_consumer_account_is_refused(personas, accounts, draft):
    _, consumer = accounts
    with pytest.raises(ValidationFailed) as refused:
        _port(personas.producer, draft, consumer)
    assert refused.value.code == "not_a_producer_account"
    assert not OutputPort.objects.exists()


def test_a_port_in_the_central_governance_account_is_refused(personas, accounts, draft):
    central = AwsAccountFactory(account_id="111111111111", name="central", role="central")
    seed_glue_table(central, "sales", "orders", ORDERS)
    with pytest.raises(ValidationFailed) as refused:
        _port(personas.producer, draft, central)
    assert refused.value.code == "not_a_producer_account" and "111111111111" in refused.value.detail
    assert not OutputPort.objects.exists()


def test_even_an_admin_cannot_put_a_product_on_another_teams_table(personas, accounts, draft):
    producer, _ = accounts
    with pytest.raises(NotAllowed) as refused:
        _port(personas.admin, draft, producer, "finance", "payments")
    assert refused.value.code == "database_of_another_team"


def test_one_table_backs_at_most_one_published_port(personas, accounts, make_product):
    producer, _ = accounts
    first = make_product("orders-one")
    _port(personas.producer, first, producer)
    services.product_publish(actor=personas.producer, product=first)
    # On a published product the port is refused at once...
    published = make_product("orders-two", publish=True)
    with pytest.raises(Conflict) as refused:
        _port(personas.producer, published, producer)
    assert refused.value.code == "table_already_published" and "Orders one" in refused.value.detail
    # ...on a draft it may be prepared, but the draft cannot be published while the other one is.
    draft = make_product("orders-three")
    _port(personas.producer, draft, producer)
    with pytest.raises(Conflict) as at_publish:
        services.product_publish(actor=personas.producer, product=draft)
    assert at_publish.value.code == "table_already_published"
    draft.refresh_from_db()
    assert draft.status == DataProduct.Status.DRAFT


def test_publish_needs_the_schema_of_the_real_table(personas, accounts, make_product):
    producer, _ = accounts
    product = make_product("refunds", columns=COLUMNS)
    _port(personas.producer, product, producer, "sales", "refunds")  # the refunds table has one column: id
    with pytest.raises(ValidationFailed) as refused:
        services.product_publish(actor=personas.producer, product=product)
    assert refused.value.code == "governance_failed" and "schema_matches_table" in refused.value.errors


def test_a_reharvest_that_finds_another_table_shows_the_port_changed(personas, accounts, draft, client_for):
    from catalog.glue import glue_table

    producer, _ = accounts
    port = _port(personas.producer, draft, producer)
    seed_glue_table(producer, "sales", "orders", [*ORDERS, {"Name": "channel", "Type": "string"}])
    port = services.port_record_reading(port=port, table=glue_table(producer, "sales", "orders"))
    assert port.table_changed_at is not None and port.table_columns[-1]["name"] == "channel"
    page = client_for(personas.producer).get(f"/catalog/products/{draft.slug}/")
    assert b"table changed" in page.content


def test_api_refuses_bad_ports_with_a_code_and_creates_nothing(personas, accounts, draft, api_for):
    url = f"/api/v1/products/{draft.slug}/ports/"
    client = api_for(personas.producer)
    body = {"name": "glue", "aws_account": PRODUCER, "database_name": "sales", "table_name": "orders"}
    cases = [
        ({"database_name": "finance", "table_name": "payments"}, 403, "database_of_another_team", "Finance"),
        ({"table_name": "missing"}, 400, "glue_table_not_found", "sales.missing"),
        ({"aws_account": CONSUMER}, 400, "not_a_producer_account", CONSUMER),
        ({"database_name": "unclaimed", "table_name": "things"}, 400, "database_not_claimed", "unclaimed"),
    ]
    for change, status, code, named in cases:
        response = client.post(url, {**body, **change}, format="json")
        assert (response.status_code, response.json()["code"]) == (status, code), response.content
        assert named in response.json()["detail"]
    assert not OutputPort.objects.exists()
    created = client.post(url, body, format="json")
    assert created.status_code == 201 and created.json()["s3_location"] == "s3://lake/sales/orders/"
    assert [c["name"] for c in created.json()["table_columns"]] == ["order_id", "order_date", "amount_eur"]
    assert len(created.json()["table_fingerprint"]) == 64 and created.json()["table_read_at"]


def test_page_refuses_another_teams_table_and_offers_only_owned_choices(personas, accounts, draft, client_for):
    client = client_for(personas.producer)
    base = f"/catalog/products/{draft.slug}/ports/"
    databases = client.get(f"{base}databases/", {"aws_account": PRODUCER}, headers={"HX-Request": "true"})
    assert databases.status_code == 200
    assert b'value="sales"' in databases.content and b"finance" not in databases.content
    assert b"unclaimed" not in databases.content
    tables = client.get(f"{base}tables/", {"aws_account": PRODUCER, "database_name": "sales"})
    assert b'value="orders"' in tables.content and b'value="refunds"' in tables.content
    # another team's database: no tables offered, whatever the query says
    assert (
        b"payments" not in client.get(f"{base}tables/", {"aws_account": PRODUCER, "database_name": "finance"}).content
    )
    form = {"name": "glue", "aws_account": PRODUCER, "approval_policy": "producer"}
    refused = client.post(f"{base}new/", {**form, "database_name": "finance", "table_name": "payments"})
    assert refused.status_code == 400 and b"belongs to the team Finance" in refused.content
    missing = client.post(f"{base}new/", {**form, "database_name": "sales", "table_name": "missing"})
    assert missing.status_code == 400 and b"no Glue table sales.missing" in missing.content
    consumer = client.post(f"{base}new/", {**form, "aws_account": CONSUMER, "database_name": "sales"})
    assert consumer.status_code == 400
    assert not OutputPort.objects.exists()
    ok = client.post(f"{base}new/", {**form, "database_name": "sales", "table_name": "orders"})
    assert ok.status_code == 302 and OutputPort.objects.get().table_name == "orders"


def test_a_harvest_of_another_teams_database_is_refused_before_it_starts(personas, team, domain, accounts):
    producer, _ = accounts
    with pytest.raises(DomainError) as refused:
        services.harvest_start(
            actor=personas.producer,
            aws_account=producer,
            database_name="finance",
            table_names=["payments"],
            domain=domain,
            owner_team=team,
        )
    assert refused.value.code == "database_of_another_team"
