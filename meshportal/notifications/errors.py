"""The stable ``code`` of every domain error notifications raise; raise sites use the members, never free
strings (tests/gates/test_error_codes.py). The values are part of the API: never change one."""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class NotificationErrorCode(StrEnum):
    FORBIDDEN_DESTINATION = "forbidden_destination"
    INVALID_URL = "invalid_url"
    WEBHOOK_DISABLED = "webhook_disabled"  # a delivery found its webhook switched off
