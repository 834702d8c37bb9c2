"""The emulator's own state, kept beside moto's backends.

moto keeps Glue, Lake Formation and RAM data in its per-account backends; this module keeps what moto
has no place for: the configured organizations, RAM resource share invitations, which RAM share Lake
Formation uses for each grantor/recipient pair, and which account each issued access key belongs to.

moto's backends are process-wide globals, so this state is too: one emulator per process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

# Serialises every AWS call dispatched to moto, and the control endpoints that read or replace the
# whole state (save, reset, seed). moto's backends are not thread-safe; the server is threaded.
DISPATCH_LOCK = threading.RLock()


@dataclass
class Invitation:
    """A RAM resource share invitation.

    Statuses follow https://docs.aws.amazon.com/ram/latest/APIReference/API_ResourceShareInvitation.html
    """

    arn: str
    share_arn: str
    share_name: str
    sender_account: str
    receiver_account: str
    region: str
    status: str = "PENDING"
    created_at: float = field(default_factory=time.time)

    def describe(self) -> dict[str, Any]:
        return {
            "resourceShareInvitationArn": self.arn,
            "resourceShareName": self.share_name,
            "resourceShareArn": self.share_arn,
            "senderAccountId": self.sender_account,
            "receiverAccountId": self.receiver_account,
            "invitationTimestamp": self.created_at,
            "status": self.status,
        }


@dataclass
class MeshState:
    # organization id -> member account ids; the accounts of one organization share without invitations.
    organizations: dict[str, set[str]] = field(default_factory=dict)
    # What a reset returns to: the organizations given at start-up (--org).
    startup_organizations: dict[str, set[str]] = field(default_factory=dict)
    invitations: dict[str, Invitation] = field(default_factory=dict)
    # (grantor account, recipient account or organization ARN, region) -> RAM resource share ARN.
    lf_shares: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # access key id -> account id, for every credential STS issued. Survives resets (like real STS
    # credentials outlive the resources they were used on), so cached boto3 sessions keep their account.
    credentials: dict[str, str] = field(default_factory=dict)

    def organization_of(self, account_id: str) -> str | None:
        for org_id, accounts in self.organizations.items():
            if account_id in accounts:
                return org_id
        return None

    def same_organization(self, first: str, second: str) -> bool:
        org = self.organization_of(first)
        return org is not None and second in self.organizations[org]

    def set_organizations(self, organizations: dict[str, set[str]]) -> None:
        self.organizations = {org: set(accounts) for org, accounts in organizations.items()}

    def reset(self) -> None:
        """Forget shares and invitations; organizations go back to the start-up configuration."""
        self.set_organizations(self.startup_organizations)
        self.invitations.clear()
        self.lf_shares.clear()

    def snapshot(self) -> dict[str, Any]:
        return {
            "organizations": self.organizations,
            "invitations": self.invitations,
            "lf_shares": self.lf_shares,
            "credentials": self.credentials,
        }

    def restore(self, snapshot: dict[str, Any]) -> None:
        self.set_organizations(snapshot["organizations"])
        self.invitations = dict(snapshot["invitations"])
        self.lf_shares = dict(snapshot["lf_shares"])
        self.credentials.update(snapshot["credentials"])


MESH = MeshState()
