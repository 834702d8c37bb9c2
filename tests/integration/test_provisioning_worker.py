"""Access requests carried out by a real Celery worker over Redis against the AWS emulator: same- and
cross-account grants, a column subset, an LF-tag port; then a revocation and an expiry remove them."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from access_requests import services
from access_requests.models import AccessRequest, Grant
from catalog.models import Column, OutputPort
from tests.access_requests.helpers import CONSUMER_ACCOUNT, PRODUCER_ACCOUNT, mesh
from tests.factories import hold_role
from tests.fleet import RedisServer, Workers, restore_broker, use_broker
from tests.provisioning.helpers import lf_permissions

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker, pytest.mark.slow]


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _until(predicate, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError("timed out")


def _ask(personas, port, principal, **kw):
    hold_role(personas.consumer, principal)
    return services.access_request_create(
        actor=personas.consumer,
        port=port,
        principal_arn=principal,
        permissions=["SELECT", "DESCRIBE"],
        columns=kw.get("columns", []),
        purpose="Quarterly planning",
        requested_until=date.today() + timedelta(days=30),
        accept_terms=True,
    )


def test_worker_grants_revokes_and_expires_in_aws(transactional_db, personas, tmp_path, settings):
    from aws_emulator.testing import running_emulator
    from meshportal.aws.gateway import clear_session_cache

    redis = RedisServer()
    redis.start()
    saved = use_broker(redis.url)
    try:
        with running_emulator(mode="subprocess", region="eu-west-1") as aws:
            settings.AWS_ENDPOINT_URL = aws.endpoint_url
            clear_session_cache()
            aws.seed(
                {
                    "region": "eu-west-1",
                    "accounts": [
                        {
                            "id": PRODUCER_ACCOUNT,
                            "data_lake_admins": [f"arn:aws:iam::{PRODUCER_ACCOUNT}:role/MeshPortal"],
                            "databases": [
                                {
                                    "name": "sales",
                                    "tables": [
                                        {
                                            "name": t,
                                            "columns": [
                                                {"name": "order_id", "type": "string"},
                                                {"name": "amount", "type": "int"},
                                                {"name": "email", "type": "string"},
                                            ],
                                        }
                                        for t in ("sales_orders", "sales_returns")
                                    ],
                                }
                            ],
                        },
                        {
                            "id": CONSUMER_ACCOUNT,
                            "data_lake_admins": [f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/MeshPortal"],
                        },
                    ],
                }
            )
            lf = aws.client("lakeformation", PRODUCER_ACCOUNT)
            lf.create_lf_tag(TagKey="domain", TagValues=["sales"])
            lf.add_lf_tags_to_resource(
                Resource={"Table": {"CatalogId": PRODUCER_ACCOUNT, "DatabaseName": "sales", "Name": "sales_returns"}},
                LFTags=[{"TagKey": "domain", "TagValues": ["sales"]}],
            )
            m = mesh(personas, policy="auto")
            returns = mesh(personas, policy="auto", slug="sales-returns")
            OutputPort.objects.filter(pk=returns.port.pk).update(
                grant_method="lf_tags", lf_tag_expression=[{"TagKey": "domain", "TagValues": ["sales"]}]
            )
            returns.port.refresh_from_db()
            Column.objects.filter(name="email").update(is_pii=False)  # policy "auto" then applies to whole tables
            workers = Workers(
                {
                    "DATABASE_URL": _database_url(),
                    "CELERY_BROKER_URL": redis.url,
                    "AWS_ENDPOINT_URL": aws.endpoint_url,
                    "MESHPORTAL_AWS_MODE": "emulator",
                    "AWS_DEFAULT_REGION": "eu-west-1",
                    "MESHPORTAL_VAR_DIR": str(tmp_path),
                },
                tmp_path,
            )
            workers.start(concurrency=2)
            try:
                same = _ask(personas, m.port, f"arn:aws:iam::{PRODUCER_ACCOUNT}:role/Reporting")
                cross = _ask(personas, m.port, f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/Analyst")
                subset = _ask(
                    personas, m.port, f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/Narrow", columns=["order_id", "amount"]
                )
                tagged = _ask(personas, returns.port, f"arn:aws:iam::{PRODUCER_ACCOUNT}:role/Tagged")
                requests = [same, cross, subset, tagged]
                assert {r.status for r in requests} == {"approved"}  # policy "auto", internal data

                def statuses() -> set[str]:
                    return set(
                        AccessRequest.objects.filter(pk__in=[r.pk for r in requests]).values_list("status", flat=True)
                    )

                _until(lambda: statuses() == {"granted"})
                assert (
                    "Table",
                    (("CatalogId", PRODUCER_ACCOUNT), ("DatabaseName", "sales"), ("Name", "sales_orders")),
                    ("DESCRIBE", "SELECT"),
                ) in lf_permissions(aws, PRODUCER_ACCOUNT, principal=f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/Analyst")
                narrow = lf_permissions(aws, PRODUCER_ACCOUNT, principal=f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/Narrow")
                assert any(kind == "TableWithColumns" for kind, _, _ in narrow)
                glue = aws.client("glue", CONSUMER_ACCOUNT)
                assert glue.get_table(DatabaseName="mesh_sales", Name="sales_sales_orders")["Table"]["TargetTable"]
                tag_perms = lf_permissions(
                    aws, PRODUCER_ACCOUNT, principal=f"arn:aws:iam::{PRODUCER_ACCOUNT}:role/Tagged"
                )
                assert any(kind == "LFTagPolicy" for kind, _, _ in tag_perms)

                # revoke by the producer, expiry by the beat task
                services.grant_revoke(
                    grant=Grant.objects.get(request=cross), actor=personas.producer, reason="Project finished"
                )
                Grant.objects.filter(request=subset).update(expires_at=timezone.now() - timedelta(minutes=1))
                assert services.grants_expire_due(now=timezone.now()) == 1
                _until(
                    lambda: (
                        set(Grant.objects.filter(request__in=[cross, subset]).values_list("status", flat=True))
                        == {"ended"}
                    )
                )
                for role in ("Analyst", "Narrow"):
                    principal = f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/{role}"
                    assert lf_permissions(aws, PRODUCER_ACCOUNT, principal=principal) == []
                assert AccessRequest.objects.get(pk=cross.pk).status == "revoked"
                assert AccessRequest.objects.get(pk=subset.pk).status == "expired"
            finally:
                workers.stop_all()
    finally:
        restore_broker(saved)
        redis.stop()
