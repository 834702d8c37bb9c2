"""Lake Formation handlers: moto's response class with the permission operations routed to ``permissions``.

moto still parses the request and serialises errors; only the grant/revoke/list logic is replaced.
"""

from __future__ import annotations

import json

from moto.lakeformation.responses import LakeFormationResponse

from . import locations, permissions


class EmulatorLakeFormationResponse(LakeFormationResponse):
    def _catalog_id(self) -> str:
        return str(self._get_param("CatalogId") or self.current_account)

    def register_resource(self) -> str:
        """RegisterResource as AWS checks it: an S3 ARN, and for a bucket of another account a role of the
        registering account, never the service-linked role
        (https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_RegisterResource.html,
        https://docs.aws.amazon.com/lake-formation/latest/dg/register-cross-account.html)."""
        locations.check_registration(
            caller=self.current_account,
            resource_arn=str(self._get_param("ResourceArn") or ""),
            role_arn=self._get_param("RoleArn"),
            use_service_linked_role=bool(self._get_param("UseServiceLinkedRole")),
        )
        return super().register_resource()

    def grant_permissions(self) -> str:
        permissions.grant(
            caller=self.current_account,
            region=self.region,
            catalog_id=self._catalog_id(),
            principal=self._get_param("Principal"),
            resource=self._get_param("Resource"),
            permissions=self._get_param("Permissions"),
            grant_options=self._get_param("PermissionsWithGrantOption"),
        )
        return "{}"

    def revoke_permissions(self) -> str:
        permissions.revoke(
            caller=self.current_account,
            region=self.region,
            catalog_id=self._catalog_id(),
            principal=self._get_param("Principal"),
            resource=self._get_param("Resource"),
            permissions=self._get_param("Permissions"),
            grant_options=self._get_param("PermissionsWithGrantOption"),
        )
        return "{}"

    def batch_grant_permissions(self) -> str:
        failures = permissions.batch(
            caller=self.current_account,
            region=self.region,
            catalog_id=self._catalog_id(),
            entries=self._get_param("Entries"),
            revoking=False,
        )
        return json.dumps({"Failures": failures})

    def batch_revoke_permissions(self) -> str:
        failures = permissions.batch(
            caller=self.current_account,
            region=self.region,
            catalog_id=self._catalog_id(),
            entries=self._get_param("Entries"),
            revoking=True,
        )
        return json.dumps({"Failures": failures})

    def list_permissions(self) -> str:
        entries, next_token = permissions.list_permissions(
            caller=self.current_account,
            region=self.region,
            catalog_id=self._catalog_id(),
            principal=self._get_param("Principal"),
            resource=self._get_param("Resource"),
            resource_type=self._get_param("ResourceType"),
            max_results=self._get_param("MaxResults"),
            next_token=self._get_param("NextToken"),
        )
        body: dict[str, object] = {"PrincipalResourcePermissions": entries}
        if next_token:
            body["NextToken"] = next_token
        return json.dumps(body)
