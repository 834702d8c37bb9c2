from __future__ import annotations

import pytest
import yaml

from catalog import services
from catalog.contracts import contract_yaml, odps_validator, parse_contract, product_to_contract, product_to_odps
from catalog.contracts.odcs import EXPORT_API_VERSION, OWNING_TEAM_PROPERTY, ContractInvalid, validator_for
from catalog.models import DataContract, DataProduct
from catalog.selectors import product_detail_for_user
from meshportal.audit.events import EventType
from meshportal.audit.models import AuditEvent
from meshportal.core.errors import Conflict, ValidationFailed
from tests.factories import owned_glue_table, seed_glue_table

pytestmark = pytest.mark.django_db

CONTRACT = """
apiVersion: v3.1.0
kind: DataContract
id: sales-customers
name: Customers
version: 2.1.0
status: active
domain: sales
team:
  id: sales-analytics
  name: Sales Analytics
description:
  purpose: Every customer with their contact details.
  usage: |
    # Customers
    Join on `customer_id`.
  limitations: Internal analytics only.
tags: [customers, crm]
schema:
  - name: customers
    physicalType: table
    logicalType: object
    properties:
      - name: customer_id
        logicalType: string
        physicalType: string
        description: Customer key
        classification: internal
      - name: email
        logicalType: string
        physicalType: string
        description: Contact e-mail
        classification: confidential
      - name: signed_up
        logicalType: date
        physicalType: date
        classification: internal
slaProperties:
  - property: latency
    value: 1
    unit: d
  - property: availability
    value: 99.5
    unit: "%"
customProperties:
  - property: dataClassification
    value: confidential
  - property: criticality
    value: high
"""


def test_import_creates_a_draft_with_schema_and_stores_the_contract(personas):
    result = services.contract_import(actor=personas.producer, yaml_text=CONTRACT)
    product = result.product
    assert result.created
    assert (product.slug, product.name, product.version, product.domain.slug) == (
        "sales-customers",
        "Customers",
        "2.1.0",
        "sales",
    )
    assert product.owner_team.slug == "sales-analytics"
    assert (product.classification, product.criticality, product.freshness_slo_hours) == ("confidential", "high", 24)
    assert float(product.availability_slo) == 99.5
    assert product.terms_of_use == "Internal analytics only."
    assert [c.name for c in product.columns.all()] == ["customer_id", "email", "signed_up"]
    assert product.columns.get(name="email").is_pii
    assert DataContract.objects.get(product=product).odcs_version == "v3.1.0"
    assert AuditEvent.objects.filter(event_type=EventType.CONTRACT_IMPORTED, product_id=product.pk).exists()


def test_reimport_updates_the_product_and_reports_the_schema_diff(personas):
    services.contract_import(actor=personas.producer, yaml_text=CONTRACT)
    changed = CONTRACT.replace(
        "      - name: signed_up\n        logicalType: date\n        physicalType: date",
        "      - name: signed_up\n        logicalType: timestamp\n        physicalType: timestamp",
    )
    changed = changed.replace("version: 2.1.0", "version: 2.2.0").replace(
        "      - name: email\n", "      - name: phone\n        classification: confidential\n      - name: email\n"
    )
    result = services.contract_import(actor=personas.producer, yaml_text=changed)
    assert not result.created
    assert result.schema_diff["added"] == ["phone"]
    assert result.schema_diff["changed"][0]["name"] == "signed_up"
    assert result.product.version == "2.2.0"
    assert DataContract.objects.filter(product=result.product).count() == 2


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("apiVersion: v3.1.0\nkind: [unclosed", "yaml"),
        ("- just\n- a list", "yaml"),
        ("", "yaml"),
        ("a: &x [1]\nb: *x", "yaml"),
        ("apiVersion: v2.2.2\nkind: DataContract\nid: x\nversion: 1", "apiVersion"),
    ],
)
def test_invalid_yaml_gets_a_clear_error_and_changes_nothing(personas, text, key):
    with pytest.raises(ValidationFailed) as exc:
        services.contract_import(actor=personas.producer, yaml_text=text)
    assert key in exc.value.errors
    assert not DataProduct.objects.exists()


def test_schema_violations_are_all_listed(personas):
    bad = CONTRACT.replace("kind: DataContract", "kind: Contract").replace("logicalType: date", "logicalType: day")
    bad = bad.replace("version: 2.1.0\n", "version: 2.1.0\nunknownField: 1\n")
    with pytest.raises(ValidationFailed) as exc:
        services.contract_import(actor=personas.producer, yaml_text=bad)
    assert "kind" in exc.value.errors
    assert any("schema[0].properties[2]" in key for key in exc.value.errors)
    assert exc.value.code == "invalid_contract"
    assert not DataProduct.objects.exists()


def test_unknown_domain_in_contract_is_refused(personas):
    with pytest.raises(ValidationFailed) as exc:
        services.contract_import(actor=personas.producer, yaml_text=CONTRACT.replace("domain: sales", "domain: nope"))
    assert "domain" in exc.value.errors
    assert not DataProduct.objects.exists()


def test_unknown_column_classification_stays_in_the_contract_only(personas):
    text = CONTRACT.replace(
        "classification: confidential\n      - name: signed_up", "classification: secret\n      - name: signed_up"
    )
    result = services.contract_import(actor=personas.producer, yaml_text=text)
    assert result.product.columns.get(name="email").classification == ""
    product = product_detail_for_user(user=personas.producer, slug=result.product.slug)
    exported = product_to_contract(product)
    assert exported["schema"][0]["properties"][1]["classification"] == "secret"


def test_oversize_contract_is_refused(personas):
    with pytest.raises(ValidationFailed) as exc:
        services.contract_import(actor=personas.producer, yaml_text="x: " + "y" * (600 * 1024))
    assert "yaml" in exc.value.errors


def test_contract_for_another_teams_slug_is_a_conflict(personas, make_product):
    make_product(
        "sales-customers",
        actor=personas.admin,
        owner_team=__import__("tests.factories", fromlist=["TeamFactory"]).TeamFactory(name="Other"),
    )
    with pytest.raises(Conflict):
        services.contract_import(actor=personas.producer, yaml_text=CONTRACT)


def test_export_is_valid_odcs_and_round_trips(personas, published):
    product = product_detail_for_user(user=personas.consumer, slug=published.slug)
    text = contract_yaml(product_to_contract(product))
    doc = parse_contract(text)  # validates against the vendored official schema
    assert doc["id"] == published.slug and doc["status"] == "active"
    assert [p["name"] for p in doc["schema"][0]["properties"]] == ["order_id", "order_date", "amount_eur"]
    result = services.contract_import(actor=personas.producer, yaml_text=text)
    assert not result.created and not any(result.schema_diff.values())


def test_export_of_a_full_product_validates_against_the_schema(personas, make_product):
    from tests.factories import OutputPortFactory

    product = make_product(
        "full",
        freshness_slo_hours=6,
        availability_slo=99.9,
        tags=["a"],
        terms_of_use="Be nice.",
        documentation="# Docs",
    )
    OutputPortFactory(product=product, s3_location="s3://bucket/full/")
    product = product_detail_for_user(user=personas.producer, slug="full")
    errors = list(validator_for("v3.2.0").iter_errors(yaml.safe_load(contract_yaml(product_to_contract(product)))))
    assert errors == []


def test_odps_export_validates_against_the_odps_schema(personas, make_product, published):
    from tests.factories import OutputPortFactory

    downstream = make_product("downstream", upstream=[published])
    OutputPortFactory(product=downstream)
    product = product_detail_for_user(user=personas.producer, slug="downstream")
    doc = product_to_odps(product)
    assert list(odps_validator().iter_errors(doc)) == []
    assert doc["inputPorts"] == [{"name": "sales-orders", "version": "1.0.0", "contractId": "sales-orders"}]
    assert doc["outputPorts"][0]["contractId"] == "downstream"


def test_parse_contract_converts_yaml_dates():
    text = CONTRACT + "contractCreatedTs: 2025-01-02T03:04:05Z\n"
    assert parse_contract(text)["contractCreatedTs"] == "2025-01-02T03:04:05Z"


def test_contract_invalid_carries_errors():
    with pytest.raises(ContractInvalid) as exc:
        parse_contract("apiVersion: v3.0.2\nkind: DataContract")
    assert exc.value.errors


SLA_LATENCY = "value: 1\n    unit: d"
SLA_AVAILABILITY = "value: 99.5"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (SLA_LATENCY, "value: .inf\n    unit: d", "slaProperties[0].value"),
        (SLA_LATENCY, "value: .nan\n    unit: d", "slaProperties[0].value"),
        (SLA_LATENCY, "value: 1.0e400\n    unit: d", "slaProperties[0].value"),
        (SLA_LATENCY, "value: '1e308'\n    unit: d", "slaProperties[0].value"),
        (SLA_LATENCY, "value: 99999999999999999999999999\n    unit: d", "slaProperties[0].value"),
        (SLA_LATENCY, "value: 1.0e30\n    unit: d", "slaProperties[0].value"),
        (SLA_AVAILABILITY, "value: .nan", "slaProperties[1].value"),
        (SLA_AVAILABILITY, "value: -.inf", "slaProperties[1].value"),
        (SLA_AVAILABILITY, "value: 1.0e30", "slaProperties[1].value"),
    ],
)
def test_contract_numbers_out_of_range_are_a_400_naming_the_field(personas, api_for, old, new, field):
    text = CONTRACT.replace(old, new, 1)
    assert text != CONTRACT
    response = api_for(personas.producer).post("/api/v1/contracts/", {"yaml": text}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert not DataProduct.objects.exists()


def test_contract_form_shows_the_number_problem(personas, client_for):
    text = CONTRACT.replace(SLA_AVAILABILITY, "value: .nan", 1)
    response = client_for(personas.producer).post("/catalog/contracts/import/", {"yaml": text})
    assert response.status_code in {200, 400}
    assert b"slaProperties[1].value" in response.content
    assert not DataProduct.objects.exists()


def test_another_teams_draft_slug_answers_as_if_it_did_not_exist(personas, make_product, api_for):
    from tests.factories import TeamFactory

    make_product("sales-customers", actor=personas.admin, owner_team=TeamFactory(name="Other", slug="other"))
    without_domain = CONTRACT.replace("domain: sales\n", "")
    api = api_for(personas.producer)
    taken = api.post("/api/v1/contracts/", {"yaml": without_domain}, format="json")
    free = api.post(
        "/api/v1/contracts/", {"yaml": without_domain.replace("id: sales-customers", "id: no-such-slug")}, format="json"
    )
    assert taken.status_code == free.status_code == 400
    assert taken.json() == free.json()  # same code, message and fields: the draft does not exist here
    # Creating it at last answers as any taken slug does through any door (slugs are global, never reused).
    created = api.post("/api/v1/contracts/", {"yaml": CONTRACT}, format="json")
    assert created.status_code == 409
    assert (
        created.json()["detail"] == "The slug 'sales-customers' is taken: slugs are stable addresses and never reused."
    )
    assert DataProduct.objects.get(slug="sales-customers").owner_team.slug == "other"
    assert not DataContract.objects.exists()


# --- issue 18: versions, several tables, mapping, stable ids, lossless export -------------------------------

MULTI_TABLE = """
apiVersion: v3.0.2
kind: DataContract
id: urn:contract:shop-sales
name: Shop sales
version: 1.0.0
status: active
domain: Retail Ops
servers:
  - server: lake
    type: glue
    account: "222222222222"
    database: shop
    location: s3://shop-lake/
schema:
  - name: orders
    physicalName: tbl_orders
    physicalType: table
    properties:
      - name: order_id
        physicalName: ord_id
        logicalType: string
        physicalType: varchar(36)
        primaryKey: true
        primaryKeyPosition: 1
  - name: order_lines
    physicalName: tbl_order_lines
    physicalType: table
    properties:
      - name: order_id
        logicalType: string
        physicalType: varchar(36)
        tags: [pii]
      - name: quantity
        logicalType: integer
        physicalType: int
  - name: order_events
    physicalType: topic
    properties:
      - name: event
        logicalType: string
"""


def test_v30_contract_is_validated_against_the_v30_schema_and_errors_name_it(personas):
    v30 = CONTRACT.replace("apiVersion: v3.1.0", "apiVersion: v3.0.2").replace(
        "team:\n  id: sales-analytics\n  name: Sales Analytics\n", ""
    )
    assert services.contract_import(actor=personas.producer, yaml_text=v30).created
    # timestamp is a logical type only from v3.1.0 on: valid under v3.1.0, refused under v3.0.2, saying so.
    with pytest.raises(ValidationFailed) as exc:
        services.contract_import(
            actor=personas.producer, yaml_text=v30.replace("logicalType: date", "logicalType: timestamp")
        )
    assert "official ODCS v3.0.2 schema" in exc.value.detail
    assert "schema[0].properties[2].logicalType" in exc.value.errors


def test_unknown_odcs_version_is_refused_listing_the_supported_ones(personas):
    with pytest.raises(ValidationFailed) as exc:
        services.contract_import(actor=personas.producer, yaml_text=CONTRACT.replace("v3.1.0", "v3.9.0"))
    assert "v3.0.2" in exc.value.errors["apiVersion"][0]


def test_yaml_with_aliases_is_refused_saying_aliases_are_not_accepted(personas):
    text = CONTRACT.replace("tags: [customers, crm]", "tags: &t [customers, crm]") + "x-copy: *t\n"
    with pytest.raises(ValidationFailed) as exc:
        services.contract_import(actor=personas.producer, yaml_text=text)
    assert "aliases (*name) are not accepted" in exc.value.detail
    assert "not valid YAML" not in exc.value.detail
    # An anchor alone is fine.
    anchored = CONTRACT.replace("tags: [customers, crm]", "tags: &t [customers, crm]")
    assert services.contract_import(actor=personas.producer, yaml_text=anchored).created


def test_several_tables_make_one_product_with_a_port_per_table(aws, personas, domain, team):
    from tests.factories import AwsAccountFactory

    account = AwsAccountFactory(account_id="222222222222", role="producer", name="producer")
    owned_glue_table(account=account, team=team, database="shop", table="tbl_orders")
    seed_glue_table(account, "shop", "tbl_order_lines")
    result = services.contract_import(actor=personas.producer, yaml_text=MULTI_TABLE, domain=domain)
    product = result.product
    assert product.contract_id == "urn:contract:shop-sales" and product.slug == "shop-sales"
    assert [c.name for c in product.columns.all()] == ["order_id", "quantity", "event"]
    assert product.columns.get(name="order_id").is_pii  # the strictest of the tables that list it
    ports = {p.name: (p.database_name, p.table_name, p.s3_location) for p in product.output_ports.all()}
    # The location is the table's own, as Glue holds it (the contract's server location is only a hint).
    assert ports == {
        "orders": ("shop", "tbl_orders", "s3://lake/shop/tbl_orders/"),
        "order_lines": ("shop", "tbl_order_lines", "s3://lake/shop/tbl_order_lines/"),
    }
    outcomes = {t.table: (t.outcome, t.detail) for t in result.tables}
    assert outcomes["orders"] == ("created", "") and outcomes["order_lines"] == ("created", "")
    assert outcomes["order_events"][0] == "none" and "'topic' is not a Glue table" in outcomes["order_events"][1]


def test_tables_on_a_database_the_team_does_not_own_say_why_they_have_no_port(aws, personas, domain):
    from tests.factories import AwsAccountFactory

    AwsAccountFactory(account_id="222222222222", role="producer", name="producer")
    result = services.contract_import(actor=personas.producer, yaml_text=MULTI_TABLE, domain=domain)
    assert result.created and not result.product.output_ports.exists()
    outcomes = {t.table: (t.outcome, t.detail) for t in result.tables}
    assert outcomes["orders"][0] == "none" and "No team owns the Glue database shop" in outcomes["orders"][1]


def test_tables_without_a_registered_glue_server_say_why_they_have_no_port(personas, domain):
    result = services.contract_import(actor=personas.producer, yaml_text=MULTI_TABLE, domain=domain)
    assert not result.product.output_ports.exists()
    assert all(t.outcome == "none" and "registered producer account" in t.detail for t in result.tables[:2])


def test_domain_and_team_from_the_request_override_the_contracts_names(personas, make_product):
    from tests.factories import DomainFactory, TeamFactory

    other_domain = DomainFactory(name="Finance", slug="finance")
    text = CONTRACT.replace("domain: sales", "domain: Unknown Domain").replace(
        "  id: sales-analytics\n  name: Sales Analytics", "  name: Nobody Here"
    )
    with pytest.raises(ValidationFailed) as exc:
        services.contract_import(actor=personas.producer, yaml_text=text)
    assert "domain" in exc.value.errors and exc.value.code == "unknown_domain"
    team = TeamFactory(name="Sales Analytics", slug="sales-analytics")
    result = services.contract_import(actor=personas.producer, yaml_text=text, domain=other_domain, owner_team=team)
    assert (result.product.domain, result.product.owner_team) == (other_domain, team)
    # The export names what the portal holds, and keeps the rest of the team object.
    product = product_detail_for_user(user=personas.producer, slug=result.product.slug)
    doc = product_to_contract(product)
    assert doc["domain"] == "finance" and doc["team"] == {"name": "Sales Analytics"}


def test_different_contract_ids_with_the_same_name_never_collide(personas, domain):
    first = MULTI_TABLE.replace("domain: Retail Ops\n", "")
    second = first.replace("id: urn:contract:shop-sales", "id: urn:contract:other-shop")
    a = services.contract_import(actor=personas.producer, yaml_text=first, domain=domain)
    b = services.contract_import(actor=personas.producer, yaml_text=second, domain=domain)
    assert a.created and b.created and a.product.pk != b.product.pk
    assert a.product.slug == "shop-sales" and b.product.slug.startswith("shop-sales-")
    again = services.contract_import(actor=personas.producer, yaml_text=first.replace("1.0.0", "1.1.0"), domain=domain)
    assert not again.created and again.product.pk == a.product.pk and again.product.version == "1.1.0"


def test_a_product_holding_one_contract_refuses_another_contracts_id(personas, domain):
    a = services.contract_import(actor=personas.producer, yaml_text=MULTI_TABLE, domain=domain)
    other = MULTI_TABLE.replace("id: urn:contract:shop-sales", "id: urn:contract:other")
    with pytest.raises(Conflict) as exc:
        services.contract_import(actor=personas.producer, yaml_text=other, product=a.product, domain=domain)
    assert exc.value.code == "duplicate_contract_id"


def test_export_keeps_what_the_portal_does_not_own_and_writes_back_what_it_does(personas, domain):
    result = services.contract_import(actor=personas.producer, yaml_text=MULTI_TABLE, domain=domain)
    services.product_update(
        actor=personas.producer, product=result.product, classification="restricted", freshness_slo_hours=6
    )
    product = product_detail_for_user(user=personas.producer, slug=result.product.slug)
    doc = parse_contract(contract_yaml(product_to_contract(product)))  # still valid under v3.0.2
    assert doc["apiVersion"] == "v3.0.2" and doc["id"] == "urn:contract:shop-sales"
    first = doc["schema"][0]["properties"][0]
    assert (first["physicalName"], first["physicalType"], first["logicalType"]) == ("ord_id", "varchar(36)", "string")
    assert first["primaryKey"] is True and first["primaryKeyPosition"] == 1
    assert doc["schema"][2]["physicalType"] == "topic"
    assert doc["servers"][0]["location"] == "s3://shop-lake/"
    assert {"property": "dataClassification", "value": "restricted"} in doc["customProperties"]
    assert {"property": "latency", "value": 6, "unit": "h"} in doc["slaProperties"]
    assert {"property": OWNING_TEAM_PROPERTY, "value": "sales-analytics"} in doc["customProperties"]


def test_fresh_export_maps_glue_types_for_its_version(personas, make_product):
    product = make_product(
        "typed",
        columns=[
            {"name": "attrs", "data_type": "map<string,string>"},
            {"name": "wait", "data_type": "interval day to second"},
            {"name": "at", "data_type": "timestamp"},
        ],
    )
    product = product_detail_for_user(user=personas.producer, slug=product.slug)
    doc = parse_contract(contract_yaml(product_to_contract(product)))
    assert doc["apiVersion"] == EXPORT_API_VERSION
    types = {p["name"]: (p["physicalType"], p.get("logicalType")) for p in doc["schema"][0]["properties"]}
    assert types == {
        "attrs": ("map<string,string>", "map"),
        "wait": ("interval day to second", "string"),
        "at": ("timestamp", "timestamp"),
    }


def test_a_v31_contract_gains_glue_columns_as_v31_logical_types(personas):
    result = services.contract_import(actor=personas.producer, yaml_text=CONTRACT)
    services.columns_replace(
        product=result.product,
        columns=[
            *({"name": c.name, "data_type": c.data_type} for c in result.product.columns.all()),
            {"name": "attrs", "data_type": "map<string,int>"},
        ],
    )
    product = product_detail_for_user(user=personas.producer, slug=result.product.slug)
    doc = parse_contract(contract_yaml(product_to_contract(product)))
    added = doc["schema"][0]["properties"][-1]
    assert doc["apiVersion"] == "v3.1.0" and (added["name"], added["logicalType"]) == ("attrs", "object")


def test_api_import_maps_domain_and_team_and_reports_each_table(aws, personas, api_for, domain, team):
    from tests.factories import AwsAccountFactory

    account = AwsAccountFactory(account_id="222222222222", role="producer", name="producer")
    owned_glue_table(account=account, team=team, database="shop", table="tbl_orders")
    seed_glue_table(account, "shop", "tbl_order_lines")
    api = api_for(personas.producer)
    response = api.post(
        "/api/v1/contracts/", {"yaml": MULTI_TABLE, "domain": domain.slug, "owner_team": team.slug}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["contract_id"] == "urn:contract:shop-sales"
    assert [(t["table"], t["outcome"], t["port"]) for t in body["tables"]] == [
        ("orders", "created", "orders"),
        ("order_lines", "created", "order_lines"),
        ("order_events", "none", ""),
    ]
    again = api.post("/api/v1/contracts/", {"yaml": MULTI_TABLE, "domain": domain.slug}, format="json")
    assert again.status_code == 200
    assert [t["outcome"] for t in again.json()["tables"]] == ["existing", "existing", "none"]
    exported = api.get(f"/api/v1/products/{body['product']['slug']}/contract/")
    assert exported.status_code == 200 and b"physicalName: tbl_orders" in exported.content


def test_import_page_maps_an_unknown_domain_through_the_form(personas, client_for, domain):
    client = client_for(personas.producer)
    text = MULTI_TABLE
    refused = client.post("/catalog/contracts/import/", {"yaml": text})
    assert refused.status_code == 400 and "Retail Ops" in refused.content.decode()
    ok = client.post("/catalog/contracts/import/", {"yaml": text, "domain": domain.slug}, follow=True)
    assert ok.status_code == 200
    page = ok.content.decode()
    assert "Created Shop sales from the contract." in page and "registered producer account" in page
    assert DataProduct.objects.get(contract_id="urn:contract:shop-sales").domain == domain


def test_export_drops_a_column_the_portal_no_longer_has(personas):
    result = services.contract_import(actor=personas.producer, yaml_text=CONTRACT)
    services.columns_replace(
        product=result.product,
        columns=[{"name": c.name, "data_type": c.data_type} for c in result.product.columns.all() if c.name != "email"],
    )
    product = product_detail_for_user(user=personas.producer, slug=result.product.slug)
    doc = parse_contract(contract_yaml(product_to_contract(product)))
    assert [p["name"] for p in doc["schema"][0]["properties"]] == ["customer_id", "signed_up"]
