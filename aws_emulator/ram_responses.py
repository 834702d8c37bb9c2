"""RAM handlers moto 5.2.5 lacks, on moto's RAM response class and backend.

API reference: https://docs.aws.amazon.com/ram/latest/APIReference/Welcome.html
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from moto.core.utils import unix_time, utcnow
from moto.ram.models import ResourceShare
from moto.ram.responses import ResourceAccessManagerResponse

from . import sharing
from .errors import InvalidInputError, RamError
from .pagination import paginate
from .state import MESH

# Paths of the operations added here (RAM is REST-JSON; each operation has its own path).
EXTRA_PATHS = (
    "/getresourceshareinvitations",
    "/acceptresourceshareinvitation",
    "/rejectresourceshareinvitation",
    "/associateresourceshare",
    "/disassociateresourceshare",
    "/listresources",
    "/listprincipals",
    "/listresourcesharepermissions",
)
# The RAM permissions Lake Formation attaches to the shares it creates (cross-account version 3 and later):
# https://docs.aws.amazon.com/lake-formation/latest/dg/cross-account-permissions.html
_LAKE_FORMATION_PERMISSIONS = {
    "glue:Database": "AWSRAMLFEnabledGlueDatabaseReadWrite",
    "glue:Table": "AWSRAMLFEnabledGlueTableReadWrite",
}
_RESOURCE_ARN_RE = re.compile(r"^arn:aws(?:-cn|-us-gov)?:([a-z0-9-]+):[a-z0-9-]*:\d{12}:([a-z-]+)[/:].+$")
_PRINCIPAL_RE = re.compile(
    r"^(\d{12}|arn:aws(-cn|-us-gov)?:iam::\d{12}:(root|role/.+|user/.+)"
    r"|arn:aws(-cn|-us-gov)?:organizations::\d{12}:(organization|ou)/.+|[a-z0-9-]+\.amazonaws\.com)$"
)


def _page(items: list[Any], max_results: int | None, next_token: str | None) -> tuple[list[Any], str | None]:
    # ListResources and friends accept 1..500, https://docs.aws.amazon.com/ram/latest/APIReference/API_ListResources.html
    if max_results is not None and not 1 <= max_results <= 500:
        raise RamError("InvalidParameterException", "maxResults must be between 1 and 500.")
    try:
        return paginate(items, max_results=max_results or 500, next_token=next_token)
    except InvalidInputError as error:
        raise RamError("InvalidNextTokenException", "The specified value for nextToken is not valid.") from error


def resource_type_of(arn: str) -> str:
    """``arn:aws:glue:...:table/db/t`` -> ``glue:Table``, the RAM resource type naming."""
    match = _RESOURCE_ARN_RE.match(arn)
    if not match:
        return "unknown"
    return f"{match.group(1)}:{''.join(part.capitalize() for part in match.group(2).split('-'))}"


class EmulatorRamResponse(ResourceAccessManagerResponse):
    # -- invitations: https://docs.aws.amazon.com/ram/latest/APIReference/API_GetResourceShareInvitations.html
    def get_resource_share_invitations(self) -> str:
        arns = self._get_param("resourceShareInvitationArns") or []
        share_arns = self._get_param("resourceShareArns") or []
        invitations = [
            invitation.describe()
            for invitation in sorted(MESH.invitations.values(), key=lambda item: item.created_at)
            if invitation.receiver_account == self.current_account
            and invitation.region == self.region
            and (not arns or invitation.arn in arns)
            and (not share_arns or invitation.share_arn in share_arns)
        ]
        page, token = _page(invitations, self._get_param("maxResults"), self._get_param("nextToken"))
        return json.dumps({"resourceShareInvitations": page, **({"nextToken": token} if token else {})})

    def accept_resource_share_invitation(self) -> str:
        return self._answer_invitation("ACCEPTED")

    def reject_resource_share_invitation(self) -> str:
        return self._answer_invitation("REJECTED")

    def _answer_invitation(self, answer: str) -> str:
        """https://docs.aws.amazon.com/ram/latest/APIReference/API_AcceptResourceShareInvitation.html and
        https://docs.aws.amazon.com/ram/latest/APIReference/API_RejectResourceShareInvitation.html"""
        arn = self._get_param("resourceShareInvitationArn")
        invitation = MESH.invitations.get(arn)
        if invitation is None or invitation.receiver_account != self.current_account:
            raise RamError(
                "ResourceShareInvitationArnNotFoundException",
                f"ResourceShareInvitationArn {arn} could not be found.",
            )
        if invitation.status == "ACCEPTED":
            raise RamError("ResourceShareInvitationAlreadyAcceptedException", "The invitation was already accepted.")
        if invitation.status == "REJECTED":
            raise RamError("ResourceShareInvitationAlreadyRejectedException", "The invitation was already rejected.")
        if invitation.status == "EXPIRED":
            raise RamError("ResourceShareInvitationExpiredException", "The invitation has expired.")
        invitation.status = answer
        if answer == "REJECTED":
            # Rejecting removes the account from the share: https://docs.aws.amazon.com/ram/latest/userguide/working-with-shared-invitations.html
            share = sharing.find_share(invitation.sender_account, invitation.region, invitation.share_arn)
            if share is not None and invitation.receiver_account in share.principals:
                share.principals.remove(invitation.receiver_account)
                share.last_updated_time = utcnow()
        body: dict[str, Any] = {"resourceShareInvitation": invitation.describe()}
        if self._get_param("clientToken"):
            body["clientToken"] = self._get_param("clientToken")
        return json.dumps(body)

    # -- associations: https://docs.aws.amazon.com/ram/latest/APIReference/API_AssociateResourceShare.html
    def associate_resource_share(self) -> str:
        share = self._owned_share()
        principals = self._get_param("principals") or []
        resources = self._get_param("resourceArns") or []
        self._validate(principals, resources)
        associations = []
        for principal in principals:
            external = self._is_external(share, principal)
            if external and not share.allow_external_principals:
                raise RamError(
                    "OperationNotPermittedException",
                    f"The resource share {share.arn} doesn't allow external principals.",
                )
            if principal not in share.principals:
                share.principals.append(principal)
            if principal.isdigit():
                sharing.invite(share, principal)
            associations.append(self._association(share, principal, "PRINCIPAL", "ASSOCIATING", external))
        for arn in resources:
            if arn not in share.resource_arns:
                share.resource_arns.append(arn)
            associations.append(self._association(share, arn, "RESOURCE", "ASSOCIATING", False))
        share.last_updated_time = utcnow()
        return json.dumps(self._with_token({"resourceShareAssociations": associations}))

    def disassociate_resource_share(self) -> str:
        """https://docs.aws.amazon.com/ram/latest/APIReference/API_DisassociateResourceShare.html"""
        share = self._owned_share()
        principals = self._get_param("principals") or []
        resources = self._get_param("resourceArns") or []
        associations = []
        for principal in principals:
            if principal in share.principals:
                share.principals.remove(principal)
            for invitation in MESH.invitations.values():
                if invitation.share_arn == share.arn and invitation.receiver_account == principal:
                    invitation.status = "EXPIRED" if invitation.status == "PENDING" else invitation.status
            associations.append(
                self._association(share, principal, "PRINCIPAL", "DISASSOCIATING", self._is_external(share, principal))
            )
        for arn in resources:
            if arn in share.resource_arns:
                share.resource_arns.remove(arn)
            associations.append(self._association(share, arn, "RESOURCE", "DISASSOCIATING", False))
        share.last_updated_time = utcnow()
        return json.dumps(self._with_token({"resourceShareAssociations": associations}))

    def get_resource_share_associations(self) -> str:
        """moto's listing, with ``external`` true for a principal outside the owner's organization:
        https://docs.aws.amazon.com/ram/latest/APIReference/API_ResourceShareAssociation.html
        """
        answer = self.ram_backend.get_resource_share_associations(
            self._get_param("associationType"),
            self._get_param("associationStatus"),
            self._get_param("resourceShareArns", []),
            self._get_param("resourceArn"),
            self._get_param("principal"),
        )
        shares = {share.arn: share for share in self.ram_backend.resource_shares}
        for association in answer["resourceShareAssociations"]:
            if association["associationType"] == "PRINCIPAL":
                share = shares[association["resourceShareArn"]]
                association["external"] = self._is_external(share, association["associatedEntity"])
        return json.dumps(answer)

    def list_resource_share_permissions(self) -> str:
        """The share's RAM permissions: Lake Formation's for the shares it made, else the default
        permission of each resource type in the share. Owner and recipients may ask.
        https://docs.aws.amazon.com/ram/latest/APIReference/API_ListResourceSharePermissions.html
        """
        arn = self._get_param("resourceShareArn")
        share = next((item for item in self.ram_backend.resource_shares if item.arn == arn), None)
        if share is None:
            share = next(
                (item for item in sharing.shares_usable_by(self.current_account, self.region) if item.arn == arn), None
            )
        if share is None:
            raise RamError("UnknownResourceException", f"ResourceShare {arn} could not be found.")
        by_name = {permission.name: permission for permission in self.ram_backend.managed_permissions}
        types = sorted({resource_type_of(resource) for resource in share.resource_arns})
        lake_formation_shares = set(MESH.lf_shares.values())
        permissions = []
        for resource_type in types:
            if share.arn in lake_formation_shares and resource_type in _LAKE_FORMATION_PERMISSIONS:
                chosen = by_name.get(_LAKE_FORMATION_PERMISSIONS[resource_type])
            else:
                chosen = next(
                    (
                        permission
                        for permission in self.ram_backend.managed_permissions
                        if permission.resource_type.lower() == resource_type.lower()
                        and permission.is_resource_type_default
                    ),
                    None,
                )
            if chosen is not None:
                permissions.append(chosen.describe())
        page, token = _page(permissions, self._get_param("maxResults"), self._get_param("nextToken"))
        return json.dumps({"permissions": page, **({"nextToken": token} if token else {})})

    # -- listings
    def get_resource_shares(self) -> str:
        """https://docs.aws.amazon.com/ram/latest/APIReference/API_GetResourceShares.html"""
        owner = self._resource_owner()
        arns = self._get_param("resourceShareArns") or []
        status = self._get_param("resourceShareStatus")
        name = self._get_param("name")
        shares = [
            share.describe()
            for share in self._shares(owner)
            if (not arns or share.arn in arns)
            and (status is None or share.status == status)
            and (name is None or share.name == name)
        ]
        page, token = _page(shares, self._get_param("maxResults"), self._get_param("nextToken"))
        return json.dumps({"resourceShares": page, **({"nextToken": token} if token else {})})

    def list_resources(self) -> str:
        """https://docs.aws.amazon.com/ram/latest/APIReference/API_ListResources.html"""
        owner = self._resource_owner()
        principal = self._get_param("principal")
        resource_type = (self._get_param("resourceType") or "").lower()
        arns = self._get_param("resourceArns") or []
        share_arns = self._get_param("resourceShareArns") or []
        rows = []
        for share in self._shares(owner, active_only=True):
            if (share_arns and share.arn not in share_arns) or (principal and principal not in share.principals):
                continue
            for arn in share.resource_arns:
                if (arns and arn not in arns) or (resource_type and resource_type_of(arn).lower() != resource_type):
                    continue
                rows.append(
                    {
                        "arn": arn,
                        "type": resource_type_of(arn),
                        "resourceShareArn": share.arn,
                        "status": "AVAILABLE",
                        "creationTime": unix_time(share.creation_time),
                        "lastUpdatedTime": unix_time(share.last_updated_time),
                        "resourceRegionScope": "REGIONAL",
                    }
                )
        page, token = _page(rows, self._get_param("maxResults"), self._get_param("nextToken"))
        return json.dumps({"resources": page, **({"nextToken": token} if token else {})})

    def list_principals(self) -> str:
        """https://docs.aws.amazon.com/ram/latest/APIReference/API_ListPrincipals.html"""
        owner = self._resource_owner()
        resource_arn = self._get_param("resourceArn")
        wanted = self._get_param("principals") or []
        share_arns = self._get_param("resourceShareArns") or []
        resource_type = (self._get_param("resourceType") or "").lower()
        rows = []
        for share in self._shares(owner, active_only=True):
            if (share_arns and share.arn not in share_arns) or (
                resource_arn and resource_arn not in share.resource_arns
            ):
                continue
            if resource_type and not any(resource_type_of(arn).lower() == resource_type for arn in share.resource_arns):
                continue
            for principal in share.principals:
                if (wanted and principal not in wanted) or (
                    owner == "OTHER-ACCOUNTS" and not self._covers_me(principal)
                ):
                    continue
                rows.append(
                    {
                        "id": principal,
                        "resourceShareArn": share.arn,
                        "creationTime": unix_time(share.creation_time),
                        "lastUpdatedTime": unix_time(share.last_updated_time),
                        "external": self._is_external(share, principal),
                    }
                )
        page, token = _page(rows, self._get_param("maxResults"), self._get_param("nextToken"))
        return json.dumps({"principals": page, **({"nextToken": token} if token else {})})

    # -- helpers
    def _resource_owner(self) -> str:
        owner = self._get_param("resourceOwner")
        if owner not in ("SELF", "OTHER-ACCOUNTS"):
            raise RamError(
                "InvalidParameterException",
                f"{owner} is not a valid resource owner. Specify either SELF or OTHER-ACCOUNTS and try again.",
            )
        return str(owner)

    def _shares(self, owner: str, *, active_only: bool = False) -> Iterable[ResourceShare]:
        if owner == "OTHER-ACCOUNTS":
            return list(sharing.shares_usable_by(self.current_account, self.region))
        shares = list(self.ram_backend.resource_shares)
        return [share for share in shares if share.status == "ACTIVE"] if active_only else shares

    def _owned_share(self) -> ResourceShare:
        arn = self._get_param("resourceShareArn")
        share = next((item for item in self.ram_backend.resource_shares if item.arn == arn), None)
        if share is None or share.status != "ACTIVE":
            raise RamError("UnknownResourceException", f"ResourceShare {arn} could not be found.")
        return share

    @staticmethod
    def _validate(principals: list[str], resources: list[str]) -> None:
        for principal in principals:
            if not _PRINCIPAL_RE.match(principal):
                raise RamError(
                    "InvalidParameterException",
                    f"Principal ID {principal} is malformed. Verify the ID and try again.",
                )
        for arn in resources:
            if not _RESOURCE_ARN_RE.match(arn):
                raise RamError(
                    "MalformedArnException",
                    f"The specified resource ARN {arn} is not valid. Verify the ARN and try again.",
                )

    @staticmethod
    def _is_external(share: ResourceShare, principal: str) -> bool:
        account = sharing.ram_principal_account(principal)
        owner = share.owning_account_id
        return account is not None and account != owner and not MESH.same_organization(owner, account)

    def _covers_me(self, principal: str) -> bool:
        if ":organization/" in principal:
            return self.current_account in MESH.organizations.get(principal.rsplit("/", 1)[-1], set())
        return sharing.ram_principal_account(principal) == self.current_account

    @staticmethod
    def _association(share: ResourceShare, entity: str, kind: str, status: str, external: bool) -> dict[str, Any]:
        return {
            "resourceShareArn": share.arn,
            "resourceShareName": share.name,
            "associatedEntity": entity,
            "associationType": kind,
            "status": status,
            "creationTime": unix_time(utcnow()),
            "lastUpdatedTime": unix_time(utcnow()),
            "external": external,
        }

    def _with_token(self, body: dict[str, Any]) -> dict[str, Any]:
        token = self._get_param("clientToken")
        return {**body, "clientToken": token} if token else body
