"""Fault injection and call counting through the control endpoints."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from aws_emulator.testing import EmulatorControlError, EmulatorHandle
from tests.emulator.helpers import PRODUCER, Account, error_code, principal, role, table

NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1})
GRANT = {"Principal": principal(role(PRODUCER, "Analyst")), "Resource": table(), "Permissions": ["SELECT"]}


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        ("ThrottlingException", "ThrottlingException", 400),
        ("ConcurrentModificationException", "ConcurrentModificationException", 400),
        ("InternalServerError(500)", "InternalServerError", 500),
    ],
)
def test_injected_error_reaches_botocore_as_its_client_error_code(
    producer: Account, emulator: EmulatorHandle, error: str, code: str, status: int
) -> None:
    emulator.inject_fault(service="lakeformation", operation="GrantPermissions", error=error, count=1)
    lf = producer.client("lakeformation", config=NO_RETRIES)

    with pytest.raises(ClientError) as excinfo:
        lf.grant_permissions(**GRANT)

    assert error_code(excinfo) == code
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    lf.grant_permissions(**GRANT)  # count=1: the next call goes through
    [rule] = emulator.faults()["rules"]
    assert (rule["injected"], rule["live"]) == (1, False)


def test_botocore_retries_throttling_and_succeeds(producer: Account, emulator: EmulatorHandle) -> None:
    emulator.inject_fault(service="lakeformation", operation="GrantPermissions", error="ThrottlingException", count=2)
    lf = producer.client("lakeformation", config=Config(retries={"mode": "standard", "total_max_attempts": 3}))

    lf.grant_permissions(**GRANT)

    assert emulator.faults()["injected_total"] == 2
    assert emulator.calls("lakeformation", "GrantPermissions") == 3


def test_rate_injects_a_share_of_calls(producer: Account, emulator: EmulatorHandle) -> None:
    emulator.inject_fault(service="glue", operation="GetDatabase", error="ThrottlingException", rate=0.5, seed=7)
    glue = producer.client("glue", config=NO_RETRIES)
    codes = []
    for _ in range(40):
        try:
            glue.get_database(Name="sales")
        except ClientError as error:
            codes.append(error.response["Error"]["Code"])
    failures = len(codes)

    assert set(codes) == {"ThrottlingException"}
    assert 8 <= failures <= 32
    assert emulator.faults()["rules"][0]["injected"] == failures


def test_latency_is_applied_to_matching_calls_only(producer: Account, emulator: EmulatorHandle) -> None:
    emulator.inject_fault(service="glue", operation="GetDatabase", latency_ms=300, count=1)
    glue = producer.glue

    started = time.monotonic()
    glue.get_database(Name="sales")
    delayed = time.monotonic() - started
    started = time.monotonic()
    glue.get_database(Name="sales")
    undelayed = time.monotonic() - started

    assert delayed >= 0.3
    assert undelayed < 0.3
    assert emulator.faults()["delayed_total"] == 1


def test_fault_on_another_operation_does_not_match(producer: Account, emulator: EmulatorHandle) -> None:
    emulator.inject_fault(service="lakeformation", operation="RevokePermissions", error="ThrottlingException")
    producer.lakeformation.grant_permissions(**GRANT)
    assert emulator.faults()["injected_total"] == 0


def test_query_protocol_errors_are_parsed_too(emulator: EmulatorHandle) -> None:
    emulator.inject_fault(service="sts", operation="GetCallerIdentity", error="Throttling", count=1)
    sts = emulator.client("sts", PRODUCER, config=NO_RETRIES)
    with pytest.raises(ClientError) as excinfo:
        sts.get_caller_identity()
    assert error_code(excinfo) == "Throttling"


def test_clearing_faults_stops_injection(producer: Account, emulator: EmulatorHandle) -> None:
    emulator.inject_fault(service="lakeformation", error="ThrottlingException")
    emulator.clear_faults()
    producer.lakeformation.grant_permissions(**GRANT)
    assert emulator.faults() == {"rules": [], "injected_total": 0, "delayed_total": 0}


@pytest.mark.parametrize(
    "spec",
    [
        {"operation": "GrantPermissions", "error": "ThrottlingException"},
        {"service": "glue"},
        {"service": "glue", "error": "ThrottlingException", "rate": 2},
        {"service": "glue", "error": "ThrottlingException", "count": 0},
    ],
)
def test_invalid_fault_rule_is_a_bad_request(emulator: EmulatorHandle, spec: dict) -> None:
    with pytest.raises(EmulatorControlError, match="400"):
        emulator.control("POST", "faults", spec)


def test_stats_count_calls_per_operation_and_reset(producer: Account, emulator: EmulatorHandle) -> None:
    emulator.reset_stats()
    producer.lakeformation.grant_permissions(**GRANT)
    producer.lakeformation.list_permissions()
    producer.lakeformation.list_permissions()

    stats = emulator.stats()
    assert stats["services"]["lakeformation"] == {"GrantPermissions": 1, "ListPermissions": 2}
    assert stats["total"] == 3
    emulator.reset_stats()
    assert emulator.stats() == {"total": 0, "services": {}}


def test_health_and_unknown_control_path(emulator: EmulatorHandle) -> None:
    assert emulator.health()["status"] == "ok"
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(f"{emulator.endpoint_url}/_emulator/nope")
    assert excinfo.value.code == 404
    assert "error" in json.loads(excinfo.value.read())


def test_concurrent_grants_under_faults_all_land_and_are_counted(producer: Account, emulator: EmulatorHandle) -> None:
    emulator.inject_fault(
        service="lakeformation", operation="GrantPermissions", error="ThrottlingException", rate=0.2, seed=3
    )
    emulator.reset_stats()
    retrying = Config(retries={"mode": "standard", "total_max_attempts": 10})

    def grant_many(worker: int) -> None:
        lf = producer.client("lakeformation", config=retrying)
        for index in range(10):
            lf.grant_permissions(
                Principal=principal(role(PRODUCER, f"W{worker}R{index}")),
                Resource=table(),
                Permissions=["SELECT"],
            )

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(grant_many, range(4)))

    entries = producer.lakeformation.list_permissions(MaxResults=100)["PrincipalResourcePermissions"]
    assert len(entries) == 40
    injected = emulator.faults()["injected_total"]
    assert emulator.calls("lakeformation", "GrantPermissions") == 40 + injected


def test_moto_reset_endpoint_also_resets_shares_and_invitations(producer: Account, emulator: EmulatorHandle) -> None:
    producer.lakeformation.grant_permissions(
        Principal=principal("222222222222"), Resource=table(), Permissions=["SELECT"]
    )
    request = urllib.request.Request(f"{emulator.endpoint_url}/moto-api/reset", data=b"", method="POST")
    urllib.request.urlopen(request).close()

    consumer_ram = emulator.client("ram", "222222222222")
    assert consumer_ram.get_resource_share_invitations()["resourceShareInvitations"] == []
