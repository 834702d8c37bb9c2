"""Lake Formation shapes the portal uses: resources, permission reads with pagination, and the
comparison that makes grants and revokes idempotent."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from meshportal.aws.gateway.calls import CallObserver, call
from meshportal.aws.gateway.errors import RETRYABLE_CODES, AwsError


def database_resource(catalog_id: str, database: str) -> dict[str, Any]:
    return {"Database": {"CatalogId": catalog_id, "Name": database}}


def table_resource(catalog_id: str, database: str, table: str) -> dict[str, Any]:
    return {"Table": {"CatalogId": catalog_id, "DatabaseName": database, "Name": table}}


def columns_resource(catalog_id: str, database: str, table: str, columns: list[str]) -> dict[str, Any]:
    return {
        "TableWithColumns": {
            "CatalogId": catalog_id,
            "DatabaseName": database,
            "Name": table,
            "ColumnNames": sorted(columns),
        }
    }


def lf_tag_resource(catalog_id: str, expression: list[dict[str, Any]], resource_type: str = "TABLE") -> dict[str, Any]:
    # https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_LFTagPolicyResource.html
    return {"LFTagPolicy": {"CatalogId": catalog_id, "ResourceType": resource_type, "Expression": expression}}


def iter_permissions(
    client: Any, *, account_id: str, observer: CallObserver | None = None, **filters: Any
) -> Iterator[dict[str, Any]]:
    """All PrincipalResourcePermissions matching ``filters``, following NextToken."""
    token: str | None = None
    while True:
        params = dict(filters, MaxResults=100)
        if token:
            params["NextToken"] = token
        page = call(client, "list_permissions", account_id=account_id, observer=observer, **params)
        yield from page.get("PrincipalResourcePermissions", [])
        token = page.get("NextToken")
        if not token:
            return


def resource_key(resource: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    kind, body = next(iter(resource.items()))
    if kind == "Database":
        return kind, (body.get("CatalogId"), body.get("Name"))
    if kind == "Table":
        return kind, (body.get("CatalogId"), body.get("DatabaseName"), body.get("Name"))
    if kind == "TableWithColumns":
        return kind, (
            body.get("CatalogId"),
            body.get("DatabaseName"),
            body.get("Name"),
            tuple(sorted(body.get("ColumnNames") or [])),
        )
    if kind == "LFTagPolicy":
        expr = tuple(sorted((e["TagKey"], tuple(sorted(e["TagValues"]))) for e in body.get("Expression", [])))
        return kind, (body.get("CatalogId"), body.get("ResourceType"), expr)
    return kind, (repr(body),)


def same_resource(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return resource_key(a) == resource_key(b)


def held_permissions(
    client: Any, *, account_id: str, principal: str, resource: dict[str, Any], observer: CallObserver | None = None
) -> set[str]:
    """What ``principal`` holds on exactly ``resource`` in this account's Lake Formation, read live."""
    held: set[str] = set()
    for entry in iter_permissions(
        client,
        account_id=account_id,
        observer=observer,
        Principal={"DataLakePrincipalIdentifier": principal},
        Resource=resource,
    ):
        if entry["Principal"]["DataLakePrincipalIdentifier"] == principal and same_resource(
            entry["Resource"], resource
        ):
            held.update(entry.get("Permissions", []))
    return held


# --- writes -------------------------------------------------------------------------------------------

NO_PERMISSIONS_REVOKED = "No permissions revoked"
BATCH_ENTRY_LIMIT = 20  # BatchGrantPermissions/BatchRevokePermissions take at most 20 entries
# https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_BatchGrantPermissions.html


@dataclass(frozen=True)
class EntryFailure:
    """One entry of a batch call that Lake Formation refused (the others went through)."""

    entry_id: str
    error: AwsError


def batch_grant(
    client: Any, *, account_id: str, entries: list[dict[str, Any]], observer: CallObserver | None = None
) -> list[EntryFailure]:
    """Grant up to 20 entries in one call; returns the entries that failed (an entry already granted is not a
    failure). A failure of the whole call raises ``AwsError``."""
    if len(entries) > BATCH_ENTRY_LIMIT:
        raise ValueError(f"at most {BATCH_ENTRY_LIMIT} entries a call, got {len(entries)}")
    response = call(client, "batch_grant_permissions", account_id=account_id, observer=observer, Entries=entries)
    failures = []
    for failure in response.get("Failures", []):
        detail = failure.get("Error", {})
        code = detail.get("ErrorCode", "Unknown")
        if code == "AlreadyExistsException":
            continue
        failures.append(
            EntryFailure(
                entry_id=failure["RequestEntry"]["Id"],
                error=AwsError(
                    code=code,
                    message=detail.get("ErrorMessage", ""),
                    operation="lakeformation:BatchGrantPermissions",
                    retryable=code in RETRYABLE_CODES,
                ),
            )
        )
    return failures


def grant(
    client: Any,
    *,
    account_id: str,
    principal: str,
    resource: dict[str, Any],
    permissions: list[str],
    observer: CallObserver | None = None,
) -> None:
    call(
        client,
        "grant_permissions",
        account_id=account_id,
        observer=observer,
        Principal={"DataLakePrincipalIdentifier": principal},
        Resource=resource,
        Permissions=permissions,
    )


def revoke(
    client: Any,
    *,
    account_id: str,
    principal: str,
    resource: dict[str, Any],
    permissions: list[str],
    observer: CallObserver | None = None,
) -> bool:
    """Revoke; True if something was revoked, False if it was already gone (the goal state holds either way)."""
    try:
        call(
            client,
            "revoke_permissions",
            account_id=account_id,
            observer=observer,
            Principal={"DataLakePrincipalIdentifier": principal},
            Resource=resource,
            Permissions=permissions,
        )
    except AwsError as error:
        if error.code == "EntityNotFoundException" or (
            error.code == "InvalidInputException" and NO_PERMISSIONS_REVOKED in error.message
        ):
            return False
        raise
    return True


def s3_location_arn(location: str) -> str:
    """``s3://bucket/prefix/`` → ``arn:aws:s3:::bucket/prefix`` (the form RegisterResource takes)."""
    path = location.removeprefix("s3://").removeprefix("s3a://").rstrip("/")
    return f"arn:aws:s3:::{path}"


def register_location(
    client: Any,
    *,
    account_id: str,
    resource_arn: str,
    role_arn: str | None = None,
    observer: CallObserver | None = None,
) -> bool:
    """Register an S3 location with this account's Lake Formation; True if it was new. Another account's
    bucket needs ``role_arn``, a role of this account that can read it (the service-linked role cannot:
    https://docs.aws.amazon.com/lake-formation/latest/dg/register-cross-account.html)."""
    how: dict[str, Any] = {"RoleArn": role_arn} if role_arn else {"UseServiceLinkedRole": True}
    try:
        call(client, "register_resource", account_id=account_id, observer=observer, ResourceArn=resource_arn, **how)
    except AwsError as error:
        if error.code == "AlreadyExistsException":
            return False
        raise
    return True


def ensure_lf_tag(
    client: Any, *, account_id: str, key: str, values: list[str], observer: CallObserver | None = None
) -> list[str]:
    """Make the LF-tag ``key`` of this account's catalog allow ``values`` (create it, or add the values it
    lacks); returns the values added."""
    try:
        existing = call(client, "get_lf_tag", account_id=account_id, observer=observer, TagKey=key).get("TagValues", [])
    except AwsError as error:
        if error.code != "EntityNotFoundException":
            raise
        existing = []
    missing = sorted(set(values) - set(existing))
    if not existing:
        call(client, "create_lf_tag", account_id=account_id, observer=observer, TagKey=key, TagValues=missing)
    elif missing:
        call(client, "update_lf_tag", account_id=account_id, observer=observer, TagKey=key, TagValuesToAdd=missing)
    return missing


def resource_lf_tags(
    client: Any, *, account_id: str, resource: dict[str, Any], observer: CallObserver | None = None
) -> dict[str, str]:
    """The LF-tags a table carries, its database's included (the table's own value wins): key → value."""
    answer = call(client, "get_resource_lf_tags", account_id=account_id, observer=observer, Resource=resource)
    tags = {t["TagKey"]: t["TagValues"][0] for t in answer.get("LFTagOnDatabase", []) if t.get("TagValues")}
    tags.update({t["TagKey"]: t["TagValues"][0] for t in answer.get("LFTagsOnTable", []) if t.get("TagValues")})
    return tags


def add_lf_tags(
    client: Any,
    *,
    account_id: str,
    resource: dict[str, Any],
    tags: dict[str, str],
    observer: CallObserver | None = None,
) -> None:
    """Attach ``tags`` (key → value) to a resource of this account's catalog; a failure is an error."""
    answer = call(
        client,
        "add_lf_tags_to_resource",
        account_id=account_id,
        observer=observer,
        Resource=resource,
        LFTags=[{"TagKey": key, "TagValues": [value]} for key, value in sorted(tags.items())],
    )
    for failure in answer.get("Failures", []):
        detail = failure.get("Error", {})
        raise AwsError(
            code=detail.get("ErrorCode", "Unknown"),
            message=detail.get("ErrorMessage", ""),
            operation="lakeformation:AddLFTagsToResource",
            retryable=detail.get("ErrorCode") in RETRYABLE_CODES,
        )
