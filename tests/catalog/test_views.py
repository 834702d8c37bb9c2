from __future__ import annotations

import pytest

from catalog.models import DataProduct
from meshportal.identity.models import User
from tests.catalog.test_contracts import CONTRACT
from tests.factories import OutputPortFactory, QualityMeasurementFactory

pytestmark = pytest.mark.django_db


def fresh(client_for, user):
    """A client whose user is loaded afresh, as each real request does."""
    return client_for(User.objects.get(pk=user.pk))


def test_home_shows_domains_with_counts(personas, client_for, published):
    response = client_for(personas.consumer).get("/catalog/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sales" in html and published.name in html


def test_search_page_and_htmx_partial(personas, client_for, published):
    client = client_for(personas.consumer)
    page = client.get("/catalog/search/?q=order_date")
    assert page.status_code == 200
    assert published.name in page.content.decode() and "<html" in page.content.decode()
    partial = client.get("/catalog/search/?q=order_date", headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body and published.name in body and 'aria-live="polite"' in body


def test_search_with_unknown_facet_value_is_a_400_page(personas, client_for):
    response = client_for(personas.consumer).get("/catalog/search/?domain=nope")
    assert response.status_code == 400
    assert "nope" in response.content.decode()


def test_product_page_shows_schema_lineage_and_request_access(personas, client_for, published, make_product):
    port = OutputPortFactory(product=published)
    make_product("child", upstream=[published], publish=True)
    response = client_for(personas.consumer).get(f"/catalog/products/{published.slug}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "order_date" in html and "Child" in html
    assert f'href="/requests/new/?port={port.pk}"' in html
    assert "Edit schema" not in html


def test_product_page_for_other_teams_draft_is_404(personas, client_for, draft):
    assert client_for(personas.consumer).get(f"/catalog/products/{draft.slug}/").status_code == 404
    assert client_for(personas.producer).get(f"/catalog/products/{draft.slug}/").status_code == 200


def test_documentation_is_rendered_without_scripts_or_javascript_links(personas, client_for, make_product):
    make_product(
        "xss",
        publish=True,
        documentation=(
            "# Hello\n<script>alert('x')</script>\n[click](javascript:alert(1))\n"
            '<a href="javascript:alert(2)" onclick="alert(3)">y</a><img src=x onerror="alert(4)">'
        ),
    )
    html = client_for(personas.consumer).get("/catalog/products/xss/").content.decode()
    assert "<h1>Hello</h1>" in html
    assert "alert(" not in html and "javascript:" not in html and "onerror" not in html


def test_pages_issue_a_constant_number_of_queries(personas, client_for, make_product, django_assert_max_num_queries):
    def grow(prefix: str, n: int) -> None:
        for i in range(n):
            p = make_product(f"{prefix}-{i}", tags=[f"{prefix}{i}", "shared"], publish=True)
            OutputPortFactory(product=p)
            QualityMeasurementFactory(product=p)

    grow("a", 3)  # more than spelling.LITTLE: a search that finds little also looks up close spellings
    urls = [
        "/catalog/",
        "/catalog/search/?q=shared&tag=shared",
        "/catalog/products/a-0/",
        "/catalog/search/?domain=sales&sort=name",
        "/catalog/domains/sales/?sort=requested",
    ]
    counts = {}
    for url in urls:
        client = fresh(client_for, personas.consumer)
        with django_assert_max_num_queries(60) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx.captured_queries)
    # On SQLite: session, user, 2 role lookups, then home 5 (domains, stewards, recently updated, popular and
    # recently published per domain), search 22-23 (found-little count, count, page, tags, access badges, the page's
    # documentation and column text, 8 facets, choice validation), product 10.
    # PostgreSQL adds one connection-setup query per request, and one tier query when a relevance search's first
    # tier does not fill the page.
    assert max(counts.values()) <= 30, counts
    grow("b", 12)
    for url in urls:
        client = fresh(client_for, personas.consumer)
        with django_assert_max_num_queries(60) as ctx:
            client.get(url.replace("a-0", "b-5"))
        assert len(ctx.captured_queries) == counts[url], url


def test_producer_creates_and_edits_in_the_browser(personas, client_for):
    client = client_for(personas.producer)
    assert client.get("/catalog/products/new/").status_code == 200
    response = client.post(
        "/catalog/products/new/",
        {
            "name": "Web orders",
            "slug": "web-orders",
            "summary": "Orders.",
            "domain": "sales",
            "owner_team": "sales-analytics",
            "classification": "internal",
            "criticality": "medium",
            "tags": "orders, web",
            "version": "1.0.0",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/catalog/products/web-orders/"
    response = client.post(
        "/catalog/products/web-orders/edit/",
        {
            "name": "Web orders",
            "summary": "All web orders.",
            "domain": "sales",
            "owner_team": "sales-analytics",
            "classification": "internal",
            "criticality": "high",
            "tags": "orders",
            "version": "1.0.1",
        },
    )
    assert response.status_code == 302
    assert DataProduct.objects.get(slug="web-orders").criticality == "high"


def test_create_form_shows_service_errors(personas, client_for, published):
    response = client_for(personas.producer).post(
        "/catalog/products/new/",
        {
            "name": "Dup",
            "slug": published.slug,
            "domain": "sales",
            "owner_team": "sales-analytics",
            "criticality": "medium",
            "version": "1",
        },
    )
    assert response.status_code == 400
    assert "never reused" in response.content.decode()


def test_consumer_cannot_open_the_create_form(personas, client_for):
    assert client_for(personas.consumer).get("/catalog/products/new/").status_code == 403


def test_schema_form_classifies_columns_and_publish(personas, client_for, make_product):
    make_product("p", classification="internal", columns=[{"name": "a"}, {"name": "b"}])
    client = client_for(personas.producer)
    assert client.get("/catalog/products/p/schema/").status_code == 200
    response = client.post(
        "/catalog/products/p/schema/",
        {
            "form-TOTAL_FORMS": "2",
            "form-INITIAL_FORMS": "2",
            "form-0-name": "a",
            "form-0-classification": "internal",
            "form-0-description": "A",
            "form-1-name": "b",
            "form-1-classification": "public",
            "form-1-description": "",
        },
    )
    assert response.status_code == 302
    response = client.post("/catalog/products/p/publish/")
    assert response.status_code == 302
    assert DataProduct.objects.get(slug="p").status == "published"


def test_publish_refused_shows_a_message_and_changes_nothing(personas, client_for, make_product):
    make_product("p", classification="")
    response = client_for(personas.producer).post("/catalog/products/p/publish/", follow=True)
    assert "cannot be published" in response.content.decode()
    assert DataProduct.objects.get(slug="p").status == "draft"


def test_htmx_post_answers_with_client_redirect(personas, client_for, published):
    response = client_for(personas.producer).post(
        f"/catalog/products/{published.slug}/deprecate/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and response["HX-Redirect"] == f"/catalog/products/{published.slug}/"


def test_steward_override_in_the_browser(personas, client_for, make_product):
    make_product("hashed", columns=[{"name": "email", "classification": "internal"}])
    page = client_for(personas.steward).get("/catalog/products/hashed/")
    assert "Steward override" in page.content.decode()
    client_for(personas.steward).post(
        "/catalog/products/hashed/governance/override/", {"reason": "Salted hashes, not addresses."}
    )
    assert DataProduct.objects.get(slug="hashed").pii_override_reason
    assert (
        client_for(personas.producer)
        .post("/catalog/products/hashed/governance/override/", {"reason": "Salted hashes, not addresses."})
        .status_code
        == 403
    )


def test_contract_import_page_creates_or_lists_problems(personas, client_for):
    client = client_for(personas.producer)
    bad = client.post("/catalog/contracts/import/", {"yaml": CONTRACT.replace("kind: DataContract", "kind: X")})
    assert bad.status_code == 400 and "kind" in bad.content.decode()
    assert not DataProduct.objects.exists()
    ok = client.post("/catalog/contracts/import/", {"yaml": CONTRACT})
    assert ok.status_code == 302 and ok["Location"] == "/catalog/products/sales-customers/"
    download = client.get("/catalog/products/sales-customers/contract.yaml")
    assert download.status_code == 200 and b"kind: DataContract" in download.content
    assert client.get("/catalog/products/sales-customers/odps.json").json()["kind"] == "DataProduct"


def test_producer_adds_an_output_port_in_the_browser(aws, personas, team, client_for, make_product):
    from catalog.models import OutputPort
    from tests.factories import AwsAccountFactory, owned_glue_table

    product = make_product("web-orders")
    account = AwsAccountFactory(account_id="222222222222", role="producer", name="producer")
    owned_glue_table(account=account, team=team, database="sales", table="web_orders")
    client = client_for(personas.producer)
    page = client.get(f"/catalog/products/{product.slug}/ports/new/")
    assert page.status_code == 200 and b"Glue database" in page.content
    bad = client.post(
        f"/catalog/products/{product.slug}/ports/new/",
        {"name": "glue", "aws_account": "999999999999", "database_name": "sales", "approval_policy": "producer"},
    )
    assert bad.status_code == 400 and not OutputPort.objects.exists()
    response = client.post(
        f"/catalog/products/{product.slug}/ports/new/",
        {
            "name": "glue",
            "aws_account": "222222222222",
            "database_name": "sales",
            "table_name": "web_orders",
            "approval_policy": "auto",
        },
    )
    assert response.status_code == 302
    port = OutputPort.objects.get(product=product)
    assert (port.catalog_id, port.table_name, port.approval_policy) == ("222222222222", "web_orders", "auto")
    duplicate = client.post(
        f"/catalog/products/{product.slug}/ports/new/",
        {"name": "glue", "aws_account": "222222222222", "database_name": "sales", "approval_policy": "auto"},
    )
    assert duplicate.status_code == 400 and b"already has an output port" in duplicate.content
    # a draft is invisible to consumers (404); the steward sees it but does not edit it (403)
    assert client_for(personas.consumer).get(f"/catalog/products/{product.slug}/ports/new/").status_code == 404
    assert client_for(personas.steward).get(f"/catalog/products/{product.slug}/ports/new/").status_code == 403


def test_sample_queries_are_edited_in_the_browser(personas, client_for, make_product):
    from catalog.forms import format_sample_queries, parse_sample_queries

    product = make_product("web-visits")
    client = client_for(personas.producer)
    form = client.get(f"/catalog/products/{product.slug}/edit/")
    assert form.status_code == 200
    data = {
        "name": product.name,
        "summary": "Visits.",
        "domain": product.domain.slug,
        "owner_team": product.owner_team.slug,
        "classification": "internal",
        "criticality": "medium",
        "tags": "",
        "version": "1.0.0",
        "sample_queries": "Daily visits\nSELECT day, count(*)\nFROM visits GROUP BY day\n---\nSELECT 1",
    }
    assert client.post(f"/catalog/products/{product.slug}/edit/", data).status_code == 302
    product.refresh_from_db()
    assert product.sample_queries == [
        {"title": "Daily visits", "sql": "SELECT day, count(*)\nFROM visits GROUP BY day"},
        {"title": "", "sql": "SELECT 1"},
    ]
    assert parse_sample_queries(format_sample_queries(product.sample_queries)) == product.sample_queries


def test_domain_page_shows_what_the_domain_publishes(personas, client_for, make_product):
    from tests.factories import DomainFactory

    make_product(
        "ledger",
        name="Ledger",
        tags=["finance"],
        publish=True,
        classification="confidential",
        columns=[{"name": "amount", "classification": "confidential"}],
    )
    make_product("invoices", name="Invoices", publish=True)
    make_product("hidden-draft", name="Hidden draft")  # the owning team's draft: not for a consumer
    make_product("elsewhere", name="Elsewhere", domain=DomainFactory(name="Ops", slug="ops"), publish=True)
    DataProduct.objects.filter(slug="invoices").update(request_count=9)
    response = fresh(client_for, personas.consumer).get("/catalog/domains/sales/?sort=requested")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Sales</h1>" in html and personas.steward.display_name in html
    assert html.index("Invoices") < html.index("Ledger")  # most requested first
    assert "Hidden draft" not in html and "Elsewhere" not in html
    assert "Confidential 1" in html and "Internal 1" in html
    assert 'href="/catalog/search/?domain=sales&amp;sort=requested"' in html
    producer_html = fresh(client_for, personas.producer).get("/catalog/domains/sales/").content.decode()
    assert "Hidden draft" in producer_html
    assert fresh(client_for, personas.consumer).get("/catalog/domains/nope/").status_code == 404
    # An unknown sort falls back to recently updated rather than failing.
    assert fresh(client_for, personas.consumer).get("/catalog/domains/sales/?sort=bogus").status_code == 200
