"""The stable ``code`` of every domain error access requests raise (the API returns it; clients branch on it).

Services and ``permissions`` use ``AccessRequestErrorCode`` members, never free strings; a gate test
(tests/gates/test_error_codes.py) keeps it so. The values are part of the API: never change one.
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class AccessRequestErrorCode(StrEnum):
    # the request's input
    COLUMNS_NOT_SUPPORTED = "columns_not_supported"
    END_DATE_NOT_LATER = "end_date_not_later"
    END_DATE_PAST = "end_date_past"
    END_DATE_TOO_LATE = "end_date_too_late"
    INVALID_PERMISSIONS = "invalid_permissions"
    INVALID_POLICY = "invalid_policy"
    MALFORMED_ARN = "malformed_arn"
    PRINCIPAL_NOT_HELD = "principal_not_held"  # not a registered role of the requester's teams, nor theirs
    PURPOSE_REQUIRED = "purpose_required"
    REASON_REQUIRED = "reason_required"
    TERMS_NOT_ACCEPTED = "terms_not_accepted"
    UNKNOWN_ACCOUNT = "unknown_account"
    UNKNOWN_COLUMNS = "unknown_columns"
    # the state of the product, the request or the grant
    COLUMNS_CHANGED = "columns_changed"
    DUPLICATE_EXTENSION = "duplicate_extension"
    DUPLICATE_REQUEST = "duplicate_request"
    GRANT_ENDED = "grant_ended"
    GRANT_NOT_ACTIVE = "grant_not_active"
    NOT_FAILED = "not_failed"
    NOT_RETRYABLE = "not_retryable"  # the failure cannot heal by trying again (invalid input, missing table, denied)
    NOT_OPEN = "not_open"
    NOT_PENDING = "not_pending"
    POLICY_CHANGED = "policy_changed"
    PRODUCT_NOT_AVAILABLE = "product_not_available"
    STALE_DECISION = "stale_decision"  # the stage or version decided on is no longer the request's
    # who may act (separation of duties, ownership)
    NOT_ALLOWED_TO_RETRY = "not_allowed_to_retry"
    NOT_AN_APPROVER = "not_an_approver"
    NOT_AN_OWNER = "not_an_owner"
    NOT_REQUESTER = "not_requester"
    OWN_REQUEST = "own_request"
    SAME_APPROVER = "same_approver"
