"""Lake Formation principal identifiers: validation and the account a principal lives in.

Accepted forms follow DataLakePrincipal.DataLakePrincipalIdentifier
(https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_DataLakePrincipal.html) and the
grantee list of https://docs.aws.amazon.com/lake-formation/latest/dg/lf-permissions-reference.html:
IAM users and roles, SAML and QuickSight principals, IAM Identity Center users and groups, an AWS
account id, an organization or organizational unit ARN, and ``IAM_ALLOWED_PRINCIPALS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InvalidInputError

IAM_ALLOWED_PRINCIPALS = "IAM_ALLOWED_PRINCIPALS"

_PARTITION = r"arn:aws(?:-cn|-us-gov)?"
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_IAM_RE = re.compile(rf"^{_PARTITION}:iam::(\d{{12}}):(?:role|user)/[\w+=,.@/-]+$")
_SAML_RE = re.compile(rf"^{_PARTITION}:iam::(\d{{12}}):saml-provider/[\w+=,.@-]+(?::(?:user|group)/.+)?$")
_QUICKSIGHT_RE = re.compile(rf"^{_PARTITION}:quicksight:[a-z0-9-]+:(\d{{12}}):(?:user|group)/.+$")
_IDENTITY_CENTER_RE = re.compile(rf"^{_PARTITION}:identitystore:::(?:user|group)/[\w-]+$")
_ORG_RE = re.compile(rf"^{_PARTITION}:organizations::\d{{12}}:organization/(o-[a-z0-9]{{10,32}})$")
_OU_RE = re.compile(
    rf"^{_PARTITION}:organizations::\d{{12}}:ou/(o-[a-z0-9]{{10,32}})/ou-[a-z0-9]{{4,32}}-[a-z0-9]{{8,32}}$"
)


@dataclass(frozen=True)
class Principal:
    identifier: str
    # The account the principal belongs to; None for organizations, OUs, Identity Center and
    # IAM_ALLOWED_PRINCIPALS, which are not one account.
    account_id: str | None
    organization_id: str | None = None
    is_organizational_unit: bool = False


def parse_principal(principal: object) -> Principal:
    """Validate a ``{"DataLakePrincipalIdentifier": ...}`` structure as Lake Formation does."""
    identifier = principal.get("DataLakePrincipalIdentifier") if isinstance(principal, dict) else None
    if not isinstance(identifier, str) or not identifier:
        raise InvalidInputError("Principal is mandatory. DataLakePrincipalIdentifier must be provided.")
    if identifier == IAM_ALLOWED_PRINCIPALS:
        return Principal(identifier, None)
    if _ACCOUNT_RE.match(identifier):
        return Principal(identifier, identifier)
    for pattern in (_IAM_RE, _SAML_RE, _QUICKSIGHT_RE):
        match = pattern.match(identifier)
        if match:
            return Principal(identifier, match.group(1))
    if _IDENTITY_CENTER_RE.match(identifier):
        return Principal(identifier, None)
    match = _ORG_RE.match(identifier)
    if match:
        return Principal(identifier, None, organization_id=match.group(1))
    match = _OU_RE.match(identifier)
    if match:
        return Principal(identifier, None, organization_id=match.group(1), is_organizational_unit=True)
    # Real Lake Formation answers this message for identifiers it cannot resolve.
    raise InvalidInputError(f"Invalid principal, arn: {identifier}")


def principal_account(identifier: str) -> str | None:
    """The account of an already stored (so already valid) principal identifier."""
    try:
        return parse_principal({"DataLakePrincipalIdentifier": identifier}).account_id
    except InvalidInputError:
        return None
