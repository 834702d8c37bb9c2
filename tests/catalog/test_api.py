from __future__ import annotations

import pytest

from catalog.models import DataProduct
from meshportal.audit.models import AuditEvent
from tests.catalog.test_contracts import CONTRACT

pytestmark = pytest.mark.django_db

NEW = {
    "slug": "web-orders",
    "name": "Web orders",
    "summary": "Orders from the web shop.",
    "domain": "sales",
    "owner_team": "sales-analytics",
    "classification": "internal",
    "tags": ["orders"],
    "columns": [{"name": "order_id", "classification": "internal"}],
}


def test_producer_creates_publishes_and_everyone_reads(personas, api_for):
    api = api_for(personas.producer)
    created = api.post("/api/v1/products/", NEW, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "draft" and created.json()["can_edit"] is True
    assert api_for(personas.consumer).get("/api/v1/products/web-orders/").status_code == 404
    checklist = api.get("/api/v1/products/web-orders/governance/").json()
    assert checklist["passed"] is True
    published = api.post("/api/v1/products/web-orders/publish/", {}, format="json")
    assert published.status_code == 200 and published.json()["status"] == "published"
    body = api_for(personas.consumer).get("/api/v1/products/web-orders/").json()
    assert body["columns"][0]["name"] == "order_id" and body["can_edit"] is False


def test_list_shows_tags_sorted_and_follows_tag_changes(personas, api_for):
    api = api_for(personas.producer)
    assert api.post("/api/v1/products/", {**NEW, "tags": ["zeta", "alpha", "mid"]}, format="json").status_code == 201
    assert api.post("/api/v1/products/web-orders/publish/", {}, format="json").status_code == 200
    consumer = api_for(personas.consumer)
    [row] = consumer.get("/api/v1/products/?q=web").json()["results"]
    assert row["tags"] == ["alpha", "mid", "zeta"]
    assert api.patch("/api/v1/products/web-orders/", {"tags": ["beta"]}, format="json").status_code == 200
    [row] = consumer.get("/api/v1/products/?q=web").json()["results"]
    assert row["tags"] == ["beta"]
    assert consumer.get("/api/v1/products/web-orders/").json()["tags"] == ["beta"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"domain": "nope"}, "domain"),
        ({"slug": "Bad Slug"}, "slug"),
        ({"documentation": "x" * (200 * 1024 + 1)}, "documentation"),
        ({"classification": "secret"}, "classification"),
        ({"owner_team": "no-such-team"}, "owner_team"),
    ],
)
def test_bad_input_is_a_400_with_a_message_and_changes_nothing(personas, api_for, change, field):
    response = api_for(personas.producer).post("/api/v1/products/", {**NEW, **change}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] and body["detail"] and field in body["errors"]
    assert not DataProduct.objects.exists()
    assert not AuditEvent.objects.filter(event_type="catalog.product_created").exists()


def test_duplicate_slug_is_a_409(personas, api_for):
    api = api_for(personas.producer)
    assert api.post("/api/v1/products/", NEW, format="json").status_code == 201
    response = api.post("/api/v1/products/", NEW, format="json")
    assert response.status_code == 409 and response.json()["code"] == "duplicate_slug"


def test_consumer_cannot_edit_and_gets_403(personas, api_for, published):
    response = api_for(personas.consumer).patch(f"/api/v1/products/{published.slug}/", {"summary": "x"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_publish_with_failing_checklist_lists_the_findings(personas, api_for, make_product):
    make_product("p", classification="", columns=[{"name": "email"}])
    response = api_for(personas.producer).post("/api/v1/products/p/publish/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "governance_failed"
    assert {"classification", "columns_classified", "pii"} <= set(response.json()["errors"])


def test_lifecycle_and_invalid_transition(personas, api_for, published):
    api = api_for(personas.producer)
    assert api.post(f"/api/v1/products/{published.slug}/retire/", {}, format="json").status_code == 409
    assert (
        api.post(f"/api/v1/products/{published.slug}/deprecate/", {"reason": "v2"}, format="json").json()["status"]
        == "deprecated"
    )
    assert api.post(f"/api/v1/products/{published.slug}/retire/", {}, format="json").json()["status"] == "retired"


def test_patch_updates_and_refuses_unknown_upstream(personas, api_for, published, make_product):
    make_product("other")
    api = api_for(personas.producer)
    response = api.patch("/api/v1/products/other/", {"upstream": ["sales-orders"], "tags": ["x"]}, format="json")
    assert response.status_code == 200 and response.json()["upstream"] == ["sales-orders"]
    response = api.patch("/api/v1/products/other/", {"upstream": ["missing"]}, format="json")
    assert response.status_code == 400 and "upstream" in response.json()["errors"]


def test_list_search_filters_and_sort(personas, api_for, published, make_product):
    make_product("campaigns", name="Campaigns", summary="Budgets.", publish=True)
    api = api_for(personas.consumer)
    body = api.get("/api/v1/products/?q=budgets").json()
    assert [p["slug"] for p in body["results"]] == ["campaigns"]
    body = api.get("/api/v1/products/?sort=name&tag=orders").json()
    assert [p["slug"] for p in body["results"]] == ["sales-orders"]
    response = api.get("/api/v1/products/?domain=nope")
    assert response.status_code == 400 and "domain" in response.json()["errors"]
    facets = api.get("/api/v1/products/facets/?q=orders").json()
    assert facets["domain"][0]["value"] == "sales"


def test_list_and_detail_issue_a_constant_number_of_queries(personas, api_for, make_product, django_assert_num_queries):
    from tests.factories import OutputPortFactory, QualityMeasurementFactory

    def grow(prefix: str, n: int) -> None:
        for i in range(n):
            p = make_product(f"{prefix}-{i}", tags=[f"{prefix}{i}", "shared"], publish=True)
            OutputPortFactory(product=p)
            QualityMeasurementFactory(product=p)

    grow("a", 3)  # more than spelling.LITTLE: a search that finds little also looks up close spellings

    def api():  # a new user object per request, as in production (no role cache carried over)
        from meshportal.identity.models import User

        return api_for(User.objects.get(pk=personas.consumer.pk))

    from django.db import connection

    # teams, stewarded domains, whether the search finds little (catalog/spelling.py), count, page (tags come from
    # tag_names), the reader's access badges and the page's documentation and column text (catalog/matches.py). On
    # PostgreSQL the relevance page is built in tiers (here the products whose summary or tags match, after the name
    # tier, which is empty): one more query.
    list_queries = 9 if connection.vendor == "postgresql" else 7
    client = api()
    with django_assert_num_queries(list_queries):
        client.get("/api/v1/products/?q=shared")
    client = api()
    with django_assert_num_queries(12):  # teams, stewarded domains, product, 9 prefetches
        client.get("/api/v1/products/a-0/")
    grow("b", 12)
    client = api()
    with django_assert_num_queries(list_queries):
        assert len(client.get("/api/v1/products/?q=shared").json()["results"]) == 15
    client = api()
    with django_assert_num_queries(12):
        client.get("/api/v1/products/b-3/")


def test_columns_endpoint_lists_and_classifies(personas, api_for, make_product):
    make_product("p", columns=[{"name": "a"}, {"name": "b"}])
    api = api_for(personas.producer)
    assert [c["name"] for c in api.get("/api/v1/products/p/columns/").json()] == ["a", "b"]
    response = api.patch("/api/v1/products/p/columns/", [{"name": "a", "classification": "public"}], format="json")
    assert response.status_code == 200 and response.json()[0]["classification"] == "public"
    response = api.patch("/api/v1/products/p/columns/", [{"name": "zz", "classification": "public"}], format="json")
    assert response.status_code == 400


def test_contract_import_export_and_odps(personas, api_for):
    api = api_for(personas.producer)
    response = api.post("/api/v1/contracts/", {"yaml": CONTRACT}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["product"]["slug"] == "sales-customers"
    exported = api.get("/api/v1/products/sales-customers/contract/")
    assert exported.status_code == 200 and exported["Content-Type"] == "application/yaml"
    assert b"id: sales-customers" in exported.content
    again = api.put("/api/v1/products/sales-customers/contract/", {"yaml": exported.content.decode()}, format="json")
    assert again.status_code == 200 and again.json()["created"] is False
    odps = api.get("/api/v1/products/sales-customers/odps/").json()
    assert odps["apiVersion"] == "v1.0.0" and odps["id"] == "sales-customers"


def test_invalid_contract_is_a_400_listing_problems(personas, api_for):
    api = api_for(personas.producer)
    response = api.post("/api/v1/contracts/", {"yaml": "kind: [oops"}, format="json")
    assert response.status_code == 400 and "yaml" in response.json()["errors"]
    response = api.post(
        "/api/v1/contracts/", {"yaml": CONTRACT.replace("kind: DataContract", "kind: X")}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_contract"
    assert "kind" in response.json()["errors"]
    assert not DataProduct.objects.exists()


def test_domains_api(personas, api_for, published):
    body = api_for(personas.consumer).get("/api/v1/domains/").json()
    assert body["results"][0]["slug"] == "sales" and body["results"][0]["stewards"] == ["sam-steward"]
    assert body["results"][0]["product_count"] == 1
    assert api_for(personas.producer).post("/api/v1/domains/", {"name": "Finance"}, format="json").status_code == 403
    created = api_for(personas.admin).post(
        "/api/v1/domains/", {"name": "Finance", "stewards": ["sam-steward"]}, format="json"
    )
    assert created.status_code == 201 and created.json()["stewards"] == ["sam-steward"]
    patched = api_for(personas.admin).patch("/api/v1/domains/finance/", {"description": "Money"}, format="json")
    assert patched.json()["description"] == "Money"
    assert api_for(personas.admin).post("/api/v1/domains/", {"name": "Finance"}, format="json").status_code == 409


def test_governance_override_api(personas, api_for, make_product):
    make_product("hashed", columns=[{"name": "email", "classification": "internal"}])
    url = "/api/v1/products/hashed/governance/override/"
    assert api_for(personas.producer).post(url, {"reason": "hashed values only, really"}).status_code == 403
    response = api_for(personas.steward).post(url, {"reason": "hashed values only, really"}, format="json")
    assert response.status_code == 200 and response.json()["passed"] is True


def test_anonymous_gets_401(api_for):
    assert api_for(None).get("/api/v1/products/").status_code == 401


def test_contract_export_negotiates_its_yaml_media_type_and_errors_stay_json(personas, api_for):
    api = api_for(personas.producer)
    assert api.post("/api/v1/contracts/", {"yaml": CONTRACT}, format="json").status_code == 201
    url = "/api/v1/products/sales-customers/contract/"
    assert api.get(url, HTTP_ACCEPT="application/yaml")["Content-Type"] == "application/yaml"
    text = api.get(url, HTTP_ACCEPT="text/yaml")
    assert text.status_code == 200 and text["Content-Type"] == "text/yaml"
    assert text["Content-Disposition"] == 'inline; filename="sales-customers.odcs.yaml"'
    missing = api.get("/api/v1/products/nope/contract/", HTTP_ACCEPT="application/yaml")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert missing.json()["code"] == "not_found"
    assert api.get(url, HTTP_ACCEPT="text/csv").status_code == 406


def test_write_bodies_are_json_only(personas, api_for):
    api = api_for(personas.producer)
    response = api.post("/api/v1/contracts/", {"yaml": CONTRACT}, format="multipart")
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
