"""The steps of a Lake Formation grant: permissions in the grantor account, and for a consumer in another
account the RAM invitation, the resource link and DESCRIBE on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from provisioning.backends.base import PlanStep, plan_step


@dataclass(frozen=True)
class PermissionEntry:
    """One Lake Formation permission entry: a principal, a resource, permissions (JSON keeps the AWS names)."""

    principal: str
    resource: dict[str, Any]
    permissions: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"Principal": self.principal, "Resource": self.resource, "Permissions": list(self.permissions)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PermissionEntry:
        return cls(principal=data["Principal"], resource=data["Resource"], permissions=list(data["Permissions"]))


@plan_step
@dataclass(frozen=True, kw_only=True)
class LfPermissions(PlanStep):
    """Grant (or revoke) an entry in the grantor account's Lake Formation."""

    KIND: ClassVar[str] = "lf_permissions"
    entry: PermissionEntry

    def to_json(self) -> dict[str, Any]:
        return {
            "step": self.KIND,
            "account_id": self.account_id,
            "entry": self.entry.to_json(),
            "summary": self.summary,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LfPermissions:
        return cls(
            account_id=data["account_id"], entry=PermissionEntry.from_json(data["entry"]), summary=data["summary"]
        )


@plan_step
@dataclass(frozen=True, kw_only=True)
class RamAccept(PlanStep):
    """Accept the AWS RAM invitation from ``owner`` in the consumer account (not needed inside one organization)."""

    KIND: ClassVar[str] = "ram_accept"
    owner: str


@plan_step
@dataclass(frozen=True, kw_only=True)
class GlueLink(PlanStep):
    """Create the resource link ``database.link`` → ``target`` in the consumer account's catalog."""

    KIND: ClassVar[str] = "glue_link"
    database: str
    link: str
    target: dict[str, str]


@plan_step
@dataclass(frozen=True, kw_only=True)
class LfLinkDescribe(PlanStep):
    """Grant (or revoke) DESCRIBE on the resource link to the consumer's principal."""

    KIND: ClassVar[str] = "lf_link_describe"
    database: str
    link: str


@plan_step
@dataclass(frozen=True, kw_only=True)
class GlueUnlink(PlanStep):
    """Delete the resource link when no other live grant of the consumer account uses it."""

    KIND: ClassVar[str] = "glue_unlink"
    database: str
    link: str
    target: dict[str, str]
