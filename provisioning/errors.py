"""The codes provisioning refuses or reschedules work with: stable strings that the API's ``code`` field and the
job's ``last_error_code`` carry (AWS's own codes pass through as AWS sends them)."""

from __future__ import annotations

from enum import StrEnum


class ProvisioningErrorCode(StrEnum):
    NO_GRANTOR_ACCOUNT = "no_grantor_account"  # the governance model names no active grantor for the port
    UNKNOWN_ACTION = "unknown_action"
    GRANT_IN_FLIGHT = "GrantInFlight"  # a revocation waits for its grant's job to finish
    INVITATION_NOT_YET_VISIBLE = "InvitationNotYetVisible"  # RAM shows the invitation shortly after the grant
