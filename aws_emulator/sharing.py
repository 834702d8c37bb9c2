"""Cross-account sharing of Lake Formation grants through RAM, as in cross-account version 3.

A grant in account A to account B, or to an IAM principal in B, puts the resource into the RAM resource
share A keeps for B (created on first use) and invites B, unless A and B are in the same organization,
where the share is available at once:
https://docs.aws.amazon.com/lake-formation/latest/dg/cross-account-notes.html
https://docs.aws.amazon.com/lake-formation/latest/dg/optimize-ram.html (version 3: one share for many grants)
https://docs.aws.amazon.com/lake-formation/latest/dg/crosss-account-how-works.html

B sees a grant once it can use the share: B accepted the invitation, or A and B share an organization.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

from moto.core.utils import utcnow
from moto.lakeformation.models import Permission, lakeformation_backends
from moto.ram.models import ResourceShare, ram_backends
from moto.utilities.utils import get_partition

from .principals import Principal, parse_principal
from .resources import glue_arn, resource_catalog, resource_kind
from .state import MESH, Invitation

SHARE_NAME_PREFIX = "LakeFormation-V3"
_IAM_ARN_RE = re.compile(r"^arn:aws(?:-cn|-us-gov)?:iam::(\d{12}):")


def recipient_of(principal: Principal, *, owner: str) -> str | None:
    """Who a grant shares with: another account, or an organization (its ARN); None if not shared."""
    if principal.account_id is not None and principal.account_id != owner:
        return principal.account_id
    if principal.organization_id is not None and not principal.is_organizational_unit:
        return principal.identifier
    return None


def recipient_accounts(recipient: str) -> list[str]:
    """The accounts behind a recipient: the account itself, or the configured members of an organization."""
    if recipient.isdigit():
        return [recipient]
    org_id = recipient.rsplit("/", 1)[-1]
    return sorted(MESH.organizations.get(org_id, set()))


def _principal_covers(identifier: str, account: str) -> bool:
    parsed = parse_principal({"DataLakePrincipalIdentifier": identifier})
    if parsed.account_id is not None:
        return parsed.account_id == account
    if parsed.organization_id is not None and not parsed.is_organizational_unit:
        return account in MESH.organizations.get(parsed.organization_id, set())
    return False


def _lf_share(owner: str, recipient: str, region: str) -> ResourceShare | None:
    arn = MESH.lf_shares.get((owner, recipient, region))
    if arn is None:
        return None
    return find_share(owner, region, arn)


def find_share(owner: str, region: str, share_arn: str) -> ResourceShare | None:
    backend = ram_backends[owner].get(region)
    if backend is None:
        return None
    return next((share for share in backend.resource_shares if share.arn == share_arn), None)


def share_resource(*, owner: str, recipient: str, resource_arn: str, region: str) -> str:
    """Create or extend A's Lake Formation share for the recipient; invite it if needed."""
    share = _lf_share(owner, recipient, region)
    if share is None or share.status != "ACTIVE":
        share = ResourceShare(
            owner,
            region,
            name=f"{SHARE_NAME_PREFIX}-{owner}-{uuid.uuid4().hex[:12]}",
            allowExternalPrincipals=True,
        )
        ram_backends[owner][region].resource_shares.append(share)
        MESH.lf_shares[(owner, recipient, region)] = share.arn
    if resource_arn not in share.resource_arns:
        share.resource_arns.append(resource_arn)
        share.last_updated_time = utcnow()
    if recipient not in share.principals:
        share.principals.append(recipient)
        share.last_updated_time = utcnow()
    if recipient.isdigit():
        invite(share, recipient)
    return share.arn


def invite(share: ResourceShare, account: str) -> Invitation | None:
    """RAM invites an account outside the owner's organization once per association; a principal that
    already accepted sees resources added later without a new invitation.
    https://docs.aws.amazon.com/ram/latest/userguide/working-with-shared-invitations.html
    """
    if MESH.same_organization(share.owning_account_id, account):
        return None
    current = invitation_for(share.arn, account)
    if current is not None and current.status in ("PENDING", "ACCEPTED"):
        return current
    invitation = Invitation(
        arn=(
            f"arn:{get_partition(share.region)}:ram:{share.region}:{share.owning_account_id}:"
            f"resource-share-invitation/{uuid.uuid4()}"
        ),
        share_arn=share.arn,
        share_name=share.name or "",
        sender_account=share.owning_account_id,
        receiver_account=account,
        region=share.region,
    )
    MESH.invitations[invitation.arn] = invitation
    return invitation


def invitation_for(share_arn: str, account: str) -> Invitation | None:
    matches = [
        invitation
        for invitation in MESH.invitations.values()
        if invitation.share_arn == share_arn and invitation.receiver_account == account
    ]
    return max(matches, key=lambda invitation: invitation.created_at) if matches else None


def unshare_resource(*, owner: str, recipient: str, resource_arn: str, region: str) -> None:
    """Remove a resource from the recipient's share; an empty share is deleted and an invitation that
    was never answered expires with it."""
    share = _lf_share(owner, recipient, region)
    if share is None:
        return
    if resource_arn in share.resource_arns:
        share.resource_arns.remove(resource_arn)
        share.last_updated_time = utcnow()
    if share.resource_arns:
        return
    share.principals.clear()
    share.delete()
    del MESH.lf_shares[(owner, recipient, region)]
    expire_invitations(share.arn)


def expire_invitations(share_arn: str) -> None:
    for invitation in MESH.invitations.values():
        if invitation.share_arn == share_arn and invitation.status == "PENDING":
            invitation.status = "EXPIRED"


def share_usable_by(share: ResourceShare, account: str) -> bool:
    """Whether ``account`` can use the share: associated, and accepted or in the owner's organization."""
    if share.status != "ACTIVE" or share.owning_account_id == account:
        return False
    for principal in share.principals:
        if ram_principal_account(principal) == account:
            if MESH.same_organization(share.owning_account_id, account):
                return True
            invitation = invitation_for(share.arn, account)
            if invitation is not None and invitation.status == "ACCEPTED":
                return True
        elif ":organization/" in principal and account in MESH.organizations.get(principal.rsplit("/", 1)[-1], set()):
            return True
    return False


def ram_principal_account(principal: str) -> str | None:
    """The account of a RAM principal: an account id, or an IAM root/role/user ARN in it."""
    if principal.isdigit():
        return principal
    match = _IAM_ARN_RE.match(principal)
    return match.group(1) if match else None


def shares_usable_by(account: str, region: str, *, lake_formation_only: bool = False) -> Iterator[ResourceShare]:
    lf_arns = set(MESH.lf_shares.values())
    for owner in list(ram_backends.keys()):
        backend = ram_backends[owner].get(region)
        if owner == account or backend is None:
            continue
        for share in list(backend.resource_shares):
            if lake_formation_only and share.arn not in lf_arns:
                continue
            if share_usable_by(share, account):
                yield share


def received_grants(account: str, region: str) -> Iterator[tuple[Permission, str]]:
    """Grants other accounts made to ``account`` (or its principals) that reached it through a usable
    share."""
    for share in shares_usable_by(account, region, lake_formation_only=True):
        backend = lakeformation_backends[share.owning_account_id].get(region)
        if backend is None:
            continue
        for catalog in list(backend.grants.values()):
            for grant in list(catalog.permissions):
                identifier = grant.principal["DataLakePrincipalIdentifier"]
                if _principal_covers(identifier, account) and glue_arn(grant.resource, region) in share.resource_arns:
                    yield grant, share.arn


def received_entries(*, account: str, region: str) -> Iterator[dict[str, Any]]:
    for grant, share_arn in received_grants(account, region):
        yield {
            "Principal": dict(grant.principal),
            "Resource": dict(grant.resource),
            "Permissions": sorted(grant.permissions),
            "PermissionsWithGrantOption": sorted(grant.permissions_with_grant_options),
            "AdditionalDetails": {"ResourceShare": [share_arn]},
        }


def share_arn_for(*, owner: str, principal: dict[str, str], resource: dict[str, Any], region: str) -> str | None:
    recipient = recipient_of(parse_principal(principal), owner=owner)
    if recipient is None:
        return None
    share = _lf_share(owner, recipient, region)
    return share.arn if share is not None and glue_arn(resource, region) in share.resource_arns else None


def grantable_permissions(*, account: str, resource: dict[str, Any], region: str) -> set[str]:
    """What ``account`` may re-grant on a shared resource: the grant options it received on it (or on
    all tables of its database)."""
    grantable: set[str] = set()
    for grant, _share in received_grants(account, region):
        if _covers(grant.resource, resource):
            grantable |= set(grant.permissions_with_grant_options)
    return grantable


def _covers(granted: dict[str, Any], wanted: dict[str, Any]) -> bool:
    if resource_catalog(granted) != resource_catalog(wanted):
        return False
    granted_kind, wanted_kind = resource_kind(granted), resource_kind(wanted)
    if granted_kind == "Database" or wanted_kind == "Database":
        return granted_kind == wanted_kind and granted["Database"]["Name"] == wanted["Database"]["Name"]
    have, want = granted[granted_kind], wanted[wanted_kind]
    if have["DatabaseName"] != want["DatabaseName"]:
        return False
    return "TableWildcard" in have or have.get("Name") == want.get("Name")
