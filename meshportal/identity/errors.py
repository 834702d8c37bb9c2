"""The stable ``code`` of every domain error identity raises; raise sites use the members, never free strings
(tests/gates/test_error_codes.py). The values are part of the API: never change one."""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class IdentityErrorCode(StrEnum):
    DUPLICATE_TEAM = "duplicate_team"
    DUPLICATE_USERNAME = "duplicate_username"
    SELF_DEMOTION = "self_demotion"
    LOCKED_OUT = "locked_out"  # too many failed logins for this user name or address (django-axes)
