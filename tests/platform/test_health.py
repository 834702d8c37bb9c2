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
