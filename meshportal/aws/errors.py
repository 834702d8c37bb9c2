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
