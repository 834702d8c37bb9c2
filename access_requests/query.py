"""Ready to query: how a consumer uses an active grant, from what the settlement read back in AWS.

The name to query is the one verified in the consumer's account (the resource link, or the table itself when
consumer and producer are one account), recorded in the grant's evidence by the grant backend. The product's
sample queries are shown with that name put in place of the shared table's; the Athena console opens in the
consumer account's region (https://docs.aws.amazon.com/athena/latest/ug/querying-glue-catalog.html).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from access_requests.models import Grant

DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class SampleQuery:
    title: str
    sql: str


@dataclass(frozen=True)
class ReadyToQuery:
    account_id: str
    region: str
    database: str
    table: str
    columns: list[str]  # empty: every column
    queries: list[SampleQuery]
    athena_url: str

    @property
    def qualified_name(self) -> str:
        return f'"{self.database}"."{self.table}"'

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "region": self.region,
            "database": self.database,
            "table": self.table,
            "columns": self.columns,
            "sample_queries": [{"title": q.title, "sql": q.sql} for q in self.queries],
            "athena_url": self.athena_url,
        }


def athena_console_url(region: str) -> str:
    return f"https://{region}.console.aws.amazon.com/athena/home?region={region}#/query-editor"


def _substitute(sql: str, *, database: str, table: str, target: str) -> str:
    """Put ``target`` where the query names the shared table (``db.table``, quoted or not)."""
    pattern = rf'(?<![\w."`])["`]?{re.escape(database)}["`]?\s*\.\s*["`]?{re.escape(table)}["`]?(?![\w"`])'
    return re.sub(pattern, target, sql, flags=re.IGNORECASE)


def ready_to_query(*, grant: Grant, port: Any, product: Any, consumer_account: Any) -> ReadyToQuery | None:
    """The card of an active grant whose settlement named the table to query; None otherwise."""
    where = (grant.evidence or {}).get("query") if grant.status == Grant.Status.ACTIVE else None
    if not where:
        return None
    target = f'"{where["database"]}"."{where["table"]}"'
    queries = [
        SampleQuery(
            title=str(q.get("title") or "Sample query"),
            sql=_substitute(str(q["sql"]), database=port.database_name, table=port.table_name, target=target),
        )
        for q in (product.sample_queries or [])
        if isinstance(q, dict) and q.get("sql")
    ]
    columns = list(grant.columns or [])
    if not queries:
        selected = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        queries = [SampleQuery("First rows", f"SELECT {selected} FROM {target} LIMIT {DEFAULT_LIMIT}")]  # noqa: S608
    region = consumer_account.region
    return ReadyToQuery(
        account_id=str(where["account_id"]),
        region=region,
        database=where["database"],
        table=where["table"],
        columns=columns,
        queries=queries,
        athena_url=athena_console_url(region),
    )
