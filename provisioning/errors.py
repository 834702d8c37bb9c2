"""The codes provisioning refuses or reschedules work with: stable strings that the API's ``code`` field and the
job's ``last_error_code`` carry (AWS's own codes, CamelCase, pass through as AWS sends them; ours are snake_case)."""

from __future__ import annotations

from enum import StrEnum


class ProvisioningErrorCode(StrEnum):
    NO_GRANTOR_ACCOUNT = "no_grantor_account"  # the governance model names no active grantor for the port
    UNKNOWN_ACTION = "unknown_action"
    GRANT_IN_FLIGHT = "grant_in_flight"  # a revocation waits for its grant's job to finish
    INVITATION_NOT_YET_VISIBLE = "invitation_not_yet_visible"  # RAM shows the invitation shortly after the grant
    REGISTRATION_PENDING = "registration_pending"  # a central grantor waits for the table's catalog registration
    NO_CENTRAL_ACCOUNT = "no_central_account"  # a model switch names a line of business without a central account
    CONFIRMATION_MISMATCH = "confirmation_mismatch"  # the typed confirmation does not name the new model
    MODEL_UNCHANGED = "model_unchanged"
    NOT_YET_EFFECTIVE = "not_yet_effective"  # the read-back after applying does not show the access end to end yet
    NOT_YET_GONE = "not_yet_gone"  # the read-back after revoking still shows access that should be gone
