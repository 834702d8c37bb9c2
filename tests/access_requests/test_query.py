"""Ready to query: the card of an active grant, built from what the settlement verified in AWS."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from access_requests.models import Grant
from access_requests.query import ready_to_query

PORT = SimpleNamespace(database_name="sales", table_name="customers_eu")
ACCOUNT = SimpleNamespace(region="eu-central-1")
WHERE = {"account_id": "333333333333", "database": "mesh_sales", "table": "sales_customers_eu"}


def _grant(status: str = Grant.Status.ACTIVE, columns: list[str] | None = None, query: dict | None = WHERE) -> Grant:
    return Grant(status=status, columns=columns or [], evidence={"checks": [], **({"query": query} if query else {})})


def _product(*sqls: str) -> SimpleNamespace:
    return SimpleNamespace(sample_queries=[{"title": f"Q{i}", "sql": sql} for i, sql in enumerate(sqls)])


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM sales.customers_eu LIMIT 100",
        'SELECT * FROM "sales"."customers_eu" LIMIT 100',
        "select * from Sales . Customers_EU limit 100",
    ],
)
def test_sample_queries_name_the_resource_link_instead_of_the_shared_table(sql):
    ready = ready_to_query(grant=_grant(), port=PORT, product=_product(sql), consumer_account=ACCOUNT)
    assert ready is not None
    assert ready.queries[0].sql.lower() == 'select * from "mesh_sales"."sales_customers_eu" limit 100'


def test_a_table_whose_name_only_starts_like_the_shared_one_is_left_alone():
    sql = "SELECT * FROM sales.customers_eu_old JOIN sales.customers_eu USING (id)"
    ready = ready_to_query(grant=_grant(), port=PORT, product=_product(sql), consumer_account=ACCOUNT)
    assert ready is not None
    assert (
        ready.queries[0].sql == 'SELECT * FROM sales.customers_eu_old JOIN "mesh_sales"."sales_customers_eu" USING (id)'
    )


def test_without_sample_queries_the_card_selects_the_granted_columns_and_opens_athena_in_the_region():
    ready = ready_to_query(
        grant=_grant(columns=["id", "country"]), port=PORT, product=_product(), consumer_account=ACCOUNT
    )
    assert ready is not None
    assert ready.queries[0].sql == 'SELECT "id", "country" FROM "mesh_sales"."sales_customers_eu" LIMIT 100'
    assert ready.columns == ["id", "country"] and ready.account_id == "333333333333"
    assert (
        ready.athena_url == "https://eu-central-1.console.aws.amazon.com/athena/home?region=eu-central-1#/query-editor"
    )


@pytest.mark.parametrize(
    "grant", [_grant(status=Grant.Status.PENDING), _grant(status=Grant.Status.ENDED), _grant(query=None)]
)
def test_no_card_before_the_grant_is_active_and_verified(grant):
    assert ready_to_query(grant=grant, port=PORT, product=_product(), consumer_account=ACCOUNT) is None
