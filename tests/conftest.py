"""Shared fixtures: personas, a logged-in client per persona, and availability checks for real services."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from django.test import Client
from rest_framework.test import APIClient

from meshportal.identity.models import User
from tests.factories import DomainFactory, TeamFactory, TeamMembershipFactory, UserFactory


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _is_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


REDIS_URL = os.environ.get("MESHPORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    redis = urlparse(REDIS_URL)
    redis_up = _reachable(redis.hostname or "127.0.0.1", redis.port or 6379)
    chromium = os.path.exists(os.environ.get("MESHPORTAL_CHROMIUM", "/usr/bin/chromium"))
    for item in items:
        if "postgres" in item.keywords and not _is_postgres():
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://..."))
        if "redis" in item.keywords and not redis_up:
            item.add_marker(pytest.mark.skip(reason=f"needs Redis at {REDIS_URL}: it is not reachable"))
        if "e2e" in item.keywords and not chromium:
            item.add_marker(pytest.mark.skip(reason="needs Debian's chromium at /usr/bin/chromium"))


@dataclass
class Personas:
    consumer: User
    producer: User
    steward: User
    admin: User
    auditor: User
    outsider: User

    def all(self) -> dict[str, User]:
        return {
            name: getattr(self, name) for name in ("consumer", "producer", "steward", "admin", "auditor", "outsider")
        }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: DRF's throttles (the token endpoint's) count in it."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def team(db):
    return TeamFactory(name="Sales Analytics", slug="sales-analytics")


@pytest.fixture
def domain(db):
    return DomainFactory(name="Sales", slug="sales")


@pytest.fixture
def personas(db, team, domain) -> Personas:
    producer = UserFactory(username="pat-producer")
    TeamMembershipFactory(team=team, user=producer)
    steward = UserFactory(username="sam-steward")
    domain.stewards.add(steward)
    return Personas(
        consumer=UserFactory(username="carol-consumer"),
        producer=producer,
        steward=steward,
        admin=UserFactory(username="ada-admin", is_platform_admin=True, is_staff=True, is_superuser=True),
        auditor=UserFactory(username="aud-auditor", is_auditor=True),
        outsider=UserFactory(username="otto-outsider"),
    )


@pytest.fixture
def client_for():
    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def api_for():
    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


# --- AWS emulator --------------------------------------------------------------------------------
# One emulator per test session (per xdist worker), reset between tests. Tests that touch AWS take the
# ``aws`` fixture; the portal's gateway then talks to the emulator over real HTTP.


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def aws_emulator():
    from aws_emulator.testing import running_emulator

    with running_emulator(region="eu-west-1") as emulator:
        yield emulator


@pytest.fixture
def aws(aws_emulator, settings):
    """The AWS emulator, empty, with the portal's gateway pointed at it. Yields the emulator handle
    (``.client(service, account_id)``, ``.inject_fault(...)``, ``.stats()``, ``.seed({...})``)."""
    from meshportal.aws.gateway import clear_session_cache

    aws_emulator.reset()
    settings.MESHPORTAL_AWS_MODE = "emulator"
    settings.AWS_ENDPOINT_URL = aws_emulator.endpoint_url
    settings.AWS_DEFAULT_REGION = "eu-west-1"
    clear_session_cache()
    yield aws_emulator
    clear_session_cache()
