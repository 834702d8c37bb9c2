"""The stable ``code`` of every domain error the AWS account registry raises; raise sites use the members,
never free strings (tests/gates/test_error_codes.py). The values are part of the API: never change one.

AWS's own error codes (``AwsError.code`` in ``meshportal.aws.gateway``) are AWS's, not ours, and stay as AWS
spells them."""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class AwsRegistryErrorCode(StrEnum):
    DUPLICATE_ACCOUNT = "duplicate_account"
    DUPLICATE_FOOTPRINT = "duplicate_footprint"
    INVALID_FOOTPRINT = "invalid_footprint"
    NOT_A_PRODUCER_ACCOUNT = "not_a_producer_account"
    # the consumer-role registry
    INVALID_ROLE_ARN = "invalid_role_arn"
    ACCOUNT_NOT_USABLE = "account_not_usable"
    DUPLICATE_ROLE = "duplicate_role"
    ROLE_NOT_FOUND = "role_not_found"
    ROLE_CHECK_FAILED = "role_check_failed"
    NOT_A_TEAM_LEAD = "not_a_team_lead"
    ROLE_NOT_PENDING = "role_not_pending"
    ROLE_IN_USE = "role_in_use"
