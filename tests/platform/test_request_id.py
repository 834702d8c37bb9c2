from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_response_carries_a_generated_request_id(db):
    response = Client().get("/accounts/login/")
    assert len(response["X-Request-ID"]) == 32


def test_incoming_request_id_is_kept_and_bad_ones_replaced(db):
    assert Client().get("/accounts/login/", HTTP_X_REQUEST_ID="trace-42")["X-Request-ID"] == "trace-42"
    assert Client().get("/accounts/login/", HTTP_X_REQUEST_ID="bad id\n")["X-Request-ID"] != "bad id\n"


def test_publishing_a_task_adds_the_request_id_header():
    from meshportal.core.request_id import _add_request_id_header, set_request_id

    set_request_id("req-77")
    headers: dict = {}
    _add_request_id_header(headers=headers)
    set_request_id("")
    assert headers == {"request_id": "req-77"}


def test_log_records_are_json_with_the_request_id(capsys):
    from pythonjsonlogger.json import JsonFormatter

    from meshportal.core.request_id import RequestIdLogFilter, set_request_id

    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"))
    handler.addFilter(RequestIdLogFilter())
    logger = logging.getLogger("tests.json")
    logger.addHandler(handler)
    set_request_id("req-log")
    try:
        logger.warning("hello")
    finally:
        set_request_id("")
        logger.removeHandler(handler)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["message"] == "hello" and record["request_id"] == "req-log"
