"""Emulator fixtures: one emulator per test session, reset before every test; accounts as personas."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aws_emulator.testing import EmulatorHandle, running_emulator
from tests.emulator.helpers import CONSUMER, ORG_ID, PRODUCER, SIBLING, Account, create_sales_catalog


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[EmulatorHandle]:
    with running_emulator(organizations={ORG_ID: [PRODUCER, SIBLING]}) as handle:
        yield handle


@pytest.fixture
def emulator(emulator_session: EmulatorHandle) -> EmulatorHandle:
    emulator_session.reset()
    return emulator_session


@pytest.fixture
def producer(emulator: EmulatorHandle) -> Account:
    account = Account(PRODUCER, emulator)
    create_sales_catalog(account)
    return account


@pytest.fixture
def consumer(emulator: EmulatorHandle) -> Account:
    return Account(CONSUMER, emulator)


@pytest.fixture
def sibling(emulator: EmulatorHandle) -> Account:
    return Account(SIBLING, emulator)
