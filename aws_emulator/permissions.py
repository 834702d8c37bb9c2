"""Lake Formation grant, revoke and list, on top of moto's permission store.

Grants stay in moto's ``LakeFormationBackend.grants[catalog_id].permissions`` (a set of ``Permission``),
so they are saved, restored and reset with moto. What this module changes:

* moto hashes a ``Permission`` by its permission lists and mutates them in place when grants merge, so
  the set holds stale hashes and the next revoke fails (``KeyError`` / HTTP 500). Every change here
  rebuilds the set after mutating.
* principals and resources are validated, and resources stored in normal form.
* revoking nothing is an error, as in https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_RevokePermissions.html
* ``ListPermissions`` pages with ``MaxResults`` / ``NextToken`` and includes the grants an account
  received from other accounts.
* grants to other accounts are shared through RAM (see ``sharing``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.lakeformation.models import (
    LakeFormationBackend,
    Permission,
    PermissionCatalog,
    lakeformation_backends,
)

from . import sharing
from .errors import AccessDeniedError, InvalidInputError
from .pagination import paginate
from .principals import Principal, parse_principal, principal_account
from .resources import (
    ensure_resource_exists,
    glue_arn,
    normalize_resource,
    resource_catalog,
    resource_kind,
)

NOTHING_REVOKED = "No permissions revoked. Grantee has no permissions and no grantable permissions on resource."
# ListPermissions MaxResults bounds, https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_ListPermissions.html
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
RESOURCE_TYPE_KINDS = {
    "CATALOG": ("Catalog",),
    "DATABASE": ("Database",),
    "TABLE": ("Table", "TableWithColumns"),
    "DATA_LOCATION": ("DataLocation",),
    "LF_TAG": ("LFTag",),
    "LF_TAG_POLICY": ("LFTagPolicy",),
    "LF_TAG_POLICY_DATABASE": ("LFTagPolicy",),
    "LF_TAG_POLICY_TABLE": ("LFTagPolicy",),
    "LF_NAMED_TAG_EXPRESSION": ("LFTagPolicy",),
}


def lf_backend(account_id: str, region: str) -> LakeFormationBackend:
    return lakeformation_backends[account_id][region]


def stored_grants(backend: LakeFormationBackend) -> Iterator[Permission]:
    for catalog in list(backend.grants.values()):
        yield from list(catalog.permissions)


def _catalog(backend: LakeFormationBackend, catalog_id: str) -> PermissionCatalog:
    if catalog_id not in backend.grants:
        backend.grants[catalog_id] = PermissionCatalog()
    return backend.grants[catalog_id]


def _rehash(catalog: PermissionCatalog) -> None:
    # Permission.__hash__ covers mutable lists: rebuild the set so every member sits under its hash.
    catalog.permissions = {permission for permission in list(catalog.permissions) if not permission.is_empty()}


def _find(catalog: PermissionCatalog, principal: dict[str, str], resource: dict[str, Any]) -> Permission | None:
    for permission in catalog.permissions:
        if permission.principal == principal and permission.resource == resource:
            return permission
    return None


def _table_of_columns(resource: dict[str, Any]) -> tuple[Any, ...] | None:
    body = resource.get("TableWithColumns")
    if not body or "ColumnNames" not in body:
        return None
    return body.get("CatalogId"), body.get("DatabaseName"), body.get("Name")


def _find_columns(catalog: PermissionCatalog, principal: dict[str, str], resource: dict[str, Any]) -> Permission | None:
    """The principal's column-level grant on the same table, whatever its columns: Lake Formation keeps
    one column list per principal and table, which grants extend and revokes shrink.
    https://docs.aws.amazon.com/lake-formation/latest/dg/granting-table-permissions.html"""
    table = _table_of_columns(resource)
    if table is None:
        return None
    for permission in catalog.permissions:
        if permission.principal == principal and _table_of_columns(permission.resource) == table:
            return permission
    return None


def _check_own_catalog(*, caller: str, catalog_id: str) -> None:
    if catalog_id != caller:
        # Grants are made in the caller's own Data Catalog; another account's catalog needs that
        # account's credentials. https://docs.aws.amazon.com/lake-formation/latest/dg/cross-account-permissions.html
        raise AccessDeniedError(f"Account {caller} is not authorized to manage permissions in catalog {catalog_id}.")


def _check_permission_list(permissions: object, label: str) -> list[str]:
    if permissions is None:
        return []
    if not isinstance(permissions, list) or not all(isinstance(item, str) for item in permissions):
        raise InvalidInputError(f"{label} must be a list of permission names.")
    return sorted(set(permissions))


def grant(
    *,
    caller: str,
    region: str,
    catalog_id: str,
    principal: object,
    resource: object,
    permissions: object,
    grant_options: object = None,
) -> None:
    """GrantPermissions, https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_GrantPermissions.html"""
    _check_own_catalog(caller=caller, catalog_id=catalog_id)
    grantee = parse_principal(principal)
    normal = normalize_resource(resource, caller)
    wanted = _check_permission_list(permissions, "Permissions")
    wanted_options = _check_permission_list(grant_options, "PermissionsWithGrantOption")
    if not wanted:
        raise InvalidInputError("Permissions must contain at least one permission.")
    owner = resource_catalog(normal)
    if owner is not None:
        ensure_resource_exists(normal, region)
    if owner is not None and owner != caller:
        _check_regrant(
            caller=caller,
            region=region,
            grantee=grantee,
            resource=normal,
            wanted=set(wanted) | set(wanted_options),
        )

    principal_dict = {"DataLakePrincipalIdentifier": grantee.identifier}
    catalog = _catalog(lf_backend(caller, region), caller)
    existing = _find(catalog, principal_dict, normal)
    same_table = _find_columns(catalog, principal_dict, normal) if existing is None else None
    if same_table is not None:
        columns = same_table.resource["TableWithColumns"]
        columns["ColumnNames"] = sorted(set(columns["ColumnNames"]) | set(normal["TableWithColumns"]["ColumnNames"]))
        same_table.permissions = sorted(set(same_table.permissions) | set(wanted))
        same_table.permissions_with_grant_options = sorted(
            set(same_table.permissions_with_grant_options) | set(wanted_options)
        )
        _rehash(catalog)
    elif existing is None:
        catalog.permissions.add(Permission(principal_dict, normal, wanted, wanted_options))
    else:
        existing.permissions = sorted(set(existing.permissions) | set(wanted))
        existing.permissions_with_grant_options = sorted(
            set(existing.permissions_with_grant_options) | set(wanted_options)
        )
        _rehash(catalog)

    recipient = sharing.recipient_of(grantee, owner=caller)
    arn = glue_arn(normal, region) if owner == caller else None
    if recipient is not None and arn is not None:
        sharing.share_resource(owner=caller, recipient=recipient, resource_arn=arn, region=region)


def _check_regrant(*, caller: str, region: str, grantee: Principal, resource: dict[str, Any], wanted: set[str]) -> None:
    """A recipient account's admin may re-grant a shared resource only inside its own account, and
    only what it holds with the grant option.
    https://docs.aws.amazon.com/lake-formation/latest/dg/cross-data-sharing-lf.html
    """
    if grantee.account_id != caller:
        raise InvalidInputError(
            f"Permissions on a resource shared with account {caller} can only be granted to principals "
            f"in account {caller}."
        )
    grantable = sharing.grantable_permissions(account=caller, resource=resource, region=region)
    if "ALL" in grantable:
        return
    missing = sorted(wanted - grantable)
    if missing:
        raise AccessDeniedError(
            f"Insufficient Lake Formation permission(s): Required grant option for {', '.join(missing)} "
            "on the shared resource."
        )


def revoke(
    *,
    caller: str,
    region: str,
    catalog_id: str,
    principal: object,
    resource: object,
    permissions: object,
    grant_options: object = None,
) -> None:
    """RevokePermissions, https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_RevokePermissions.html"""
    _check_own_catalog(caller=caller, catalog_id=catalog_id)
    grantee = parse_principal(principal)
    normal = normalize_resource(resource, caller)
    revoked = set(_check_permission_list(permissions, "Permissions"))
    revoked_options = set(_check_permission_list(grant_options, "PermissionsWithGrantOption"))
    backend = lf_backend(caller, region)
    catalog = _catalog(backend, caller)
    existing = _find(catalog, {"DataLakePrincipalIdentifier": grantee.identifier}, normal)
    if existing is None and _table_of_columns(normal) is not None:
        partial = _find_columns(catalog, {"DataLakePrincipalIdentifier": grantee.identifier}, normal)
        held = set(partial.resource["TableWithColumns"]["ColumnNames"]) if partial else set()
        gone = held & set(normal["TableWithColumns"]["ColumnNames"])
        if partial is not None and gone and revoked & set(partial.permissions):
            remaining = sorted(held - gone)
            if remaining:
                # Revoking some columns shrinks the column list; the permission stays on the rest.
                partial.resource["TableWithColumns"]["ColumnNames"] = remaining
                _rehash(catalog)
                return
            existing = partial  # every column goes: revoke the permission itself, below
    if existing is None or not (
        revoked & set(existing.permissions) or revoked_options & set(existing.permissions_with_grant_options)
    ):
        raise InvalidInputError(NOTHING_REVOKED)
    existing.permissions = sorted(set(existing.permissions) - revoked)
    # A grant option cannot outlive the permission it passes on, so revoking a permission revokes
    # its grant option too.
    existing.permissions_with_grant_options = sorted(
        set(existing.permissions_with_grant_options) - revoked_options - revoked
    )
    _rehash(catalog)

    owner = resource_catalog(normal)
    recipient = sharing.recipient_of(grantee, owner=caller)
    arn = glue_arn(normal, region) if owner == caller else None
    if recipient is None or arn is None:
        return
    still_shared = any(
        sharing.recipient_of(parse_principal(grant.principal), owner=caller) == recipient
        and glue_arn(grant.resource, region) == arn
        for grant in stored_grants(backend)
    )
    if not still_shared:
        sharing.unshare_resource(owner=caller, recipient=recipient, resource_arn=arn, region=region)
        _drop_regrants(owner=caller, recipient=recipient, resource_arn=arn, region=region)


def _drop_regrants(*, owner: str, recipient: str, resource_arn: str, region: str) -> None:
    """Once the grantor revokes, what the recipient re-granted on that resource goes too: the recipient
    no longer holds the resource it granted on."""
    for account in sharing.recipient_accounts(recipient):
        backend = lakeformation_backends[account].get(region)
        if backend is None:
            continue
        for catalog in backend.grants.values():
            for grant_ in list(catalog.permissions):
                if resource_catalog(grant_.resource) == owner and glue_arn(grant_.resource, region) == resource_arn:
                    grant_.permissions, grant_.permissions_with_grant_options = [], []
            _rehash(catalog)


def batch(*, caller: str, region: str, catalog_id: str, entries: object, revoking: bool) -> list[dict[str, Any]]:
    """BatchGrantPermissions / BatchRevokePermissions: each entry goes through grant/revoke; failures
    are reported per entry, https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_BatchGrantPermissions.html
    """
    if not isinstance(entries, list):
        raise InvalidInputError("Entries must be a list.")
    action = revoke if revoking else grant
    failures: list[dict[str, Any]] = []
    for entry in entries:
        try:
            action(
                caller=caller,
                region=region,
                catalog_id=catalog_id,
                principal=entry.get("Principal"),
                resource=entry.get("Resource"),
                permissions=entry.get("Permissions"),
                grant_options=entry.get("PermissionsWithGrantOption"),
            )
        except JsonRESTError as error:
            failures.append(
                {
                    "RequestEntry": entry,
                    "Error": {"ErrorCode": error.error_type, "ErrorMessage": error.message},
                }
            )
    return failures


def list_permissions(
    *,
    caller: str,
    region: str,
    catalog_id: str,
    principal: object = None,
    resource: object = None,
    resource_type: str | None = None,
    max_results: int | None = None,
    next_token: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """ListPermissions with paging, https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_ListPermissions.html"""
    _check_own_catalog(caller=caller, catalog_id=catalog_id)
    if principal is not None and resource is None:
        raise InvalidInputError("Resource is mandatory if Principal is set in the input.")
    if max_results is not None and not 1 <= max_results <= MAX_PAGE_SIZE:
        raise InvalidInputError(f"MaxResults must be between 1 and {MAX_PAGE_SIZE}.")
    wanted_principal = parse_principal(principal).identifier if principal is not None else None
    wanted_resource = normalize_resource(resource, caller) if resource is not None else None
    kinds = RESOURCE_TYPE_KINDS.get(resource_type or "", ()) if resource_type else None
    if resource_type and not kinds:
        raise InvalidInputError(f"Invalid ResourceType {resource_type}.")

    entries = [*_own_entries(caller, region), *sharing.received_entries(account=caller, region=region)]
    selected = [
        entry
        for entry in entries
        if (wanted_principal is None or entry["Principal"]["DataLakePrincipalIdentifier"] == wanted_principal)
        and (kinds is None or resource_kind(entry["Resource"]) in kinds)
        and (wanted_resource is None or _matches(entry["Resource"], wanted_resource))
    ]
    selected.sort(key=lambda entry: json.dumps([entry["Resource"], entry["Principal"]], sort_keys=True))
    return paginate(selected, max_results=max_results or DEFAULT_PAGE_SIZE, next_token=next_token)


def _own_entries(caller: str, region: str) -> Iterator[dict[str, Any]]:
    for grant_ in stored_grants(lf_backend(caller, region)):
        entry = external_form(grant_)
        account = principal_account(grant_.principal["DataLakePrincipalIdentifier"])
        share_arn = sharing.share_arn_for(
            owner=caller, principal=grant_.principal, resource=grant_.resource, region=region
        )
        if account != caller and share_arn:
            entry["AdditionalDetails"] = {"ResourceShare": [share_arn]}
        yield entry


def external_form(grant_: Permission) -> dict[str, Any]:
    return {
        "Principal": dict(grant_.principal),
        "Resource": json.loads(json.dumps(grant_.resource)),
        "Permissions": sorted(grant_.permissions),
        "PermissionsWithGrantOption": sorted(grant_.permissions_with_grant_options),
    }


def _matches(stored: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """ListPermissions' Resource filter: a table filter also matches column grants on that table."""
    wanted_kind, stored_kind = resource_kind(wanted), resource_kind(stored)
    if wanted_kind == "Table" and stored_kind == "TableWithColumns":
        want, have = wanted["Table"], stored["TableWithColumns"]
        return (want["CatalogId"], want["DatabaseName"], want.get("Name")) == (
            have["CatalogId"],
            have["DatabaseName"],
            have["Name"],
        )
    if wanted_kind != stored_kind:
        return False
    if wanted_kind == "TableWithColumns":
        keys = ("CatalogId", "DatabaseName", "Name")
        return all(wanted[wanted_kind][key] == stored[stored_kind][key] for key in keys)
    return wanted == stored
