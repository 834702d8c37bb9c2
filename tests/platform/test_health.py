from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_is_200_when_every_part_answers(aws):
    response = Client().get("/healthz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "aws"}
    assert all(check["ok"] for check in body["checks"].values())


def test_healthz_is_503_and_names_the_part_that_is_down(settings):
    settings.AWS_ENDPOINT_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["aws"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_healthz_reports_a_broker_that_is_down(aws, monkeypatch):
    from meshportal.celery import app

    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:9/0")
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


@pytest.mark.redis
def test_healthz_checks_a_real_redis_broker(aws, monkeypatch):
    from meshportal.celery import app
    from tests.conftest import REDIS_URL

    monkeypatch.setattr(app.conf, "broker_url", REDIS_URL)
    response = Client().get("/healthz")
    assert response.status_code == 200, response.content
    assert "redis" in response.json()["checks"]["broker"]["detail"].lower()


@pytest.fixture
def sqs_broker(aws, monkeypatch):
    """The portal's Celery app on ``sqs://`` against the emulator: no keys in the URL, boto3's default
    chain (here the environment) and its standard per-service endpoint variable."""
    from meshportal.celery import app

    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", aws.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEMULATOR00000000")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "emulator")
    monkeypatch.setattr(app.conf, "broker_url", "sqs://")
    monkeypatch.setitem(
        app.conf, "broker_transport_options", {"region": "eu-west-1", "queue_name_prefix": "meshportal-"}
    )
    return aws.client("sqs", "123456789012")


def test_healthz_checks_an_sqs_broker_and_reports_the_queue_depth(sqs_broker):
    response = Client().get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["broker"]["detail"] == "sqs: queue meshportal-celery not created yet"

    url = sqs_broker.create_queue(QueueName="meshportal-celery")["QueueUrl"]
    sqs_broker.send_message(QueueUrl=url, MessageBody="{}")
    response = Client().get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["broker"]["detail"] == "sqs: queue meshportal-celery, 1 message(s) waiting"


def test_healthz_reads_a_predefined_sqs_queue(sqs_broker, monkeypatch):
    from meshportal.celery import app

    url = sqs_broker.create_queue(QueueName="meshportal-celery")["QueueUrl"]
    options = {**app.conf.broker_transport_options, "predefined_queues": {"celery": {"url": url}}}
    monkeypatch.setitem(app.conf, "broker_transport_options", options)
    response = Client().get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["broker"]["detail"] == "sqs: queue meshportal-celery, 0 message(s) waiting"

    options["predefined_queues"] = {"celery": {"url": url.replace("meshportal-celery", "meshportal-gone")}}
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert "NonExistentQueue" in response.json()["checks"]["broker"]["detail"]


def test_healthz_reports_an_sqs_endpoint_that_is_down(sqs_broker, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:9")
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False
