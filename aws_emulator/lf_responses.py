"""Lake Formation handlers: moto's response class with the permission operations routed to ``permissions``.

moto still parses the request and serialises errors; only the grant/revoke/list logic is replaced, plus
``RegisterResource`` with the service-linked role and ``GetResourceLFTags`` on untagged resources.
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.models import iam_backends
from moto.lakeformation.responses import LakeFormationResponse
from moto.utilities.utils import get_partition

from . import locations, permissions
from .errors import InvalidInputError
from .resources import ensure_resource_exists, find_table, normalize_resource, resource_kind, table_columns

# https://docs.aws.amazon.com/lake-formation/latest/dg/service-linked-roles.html
SERVICE_LINKED_ROLE = "AWSServiceRoleForLakeFormationDataAccess"
SERVICE_LINKED_ROLE_SERVICE = "lakeformation.amazonaws.com"


class EmulatorLakeFormationResponse(LakeFormationResponse):
    def _catalog_id(self) -> str:
        return str(self._get_param("CatalogId") or self.current_account)

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

    # -- data locations
    def register_resource(self) -> str:
        """RegisterResource as AWS checks it: an S3 ARN, and for a bucket of another account a role of the
        registering account, never the service-linked role
        (https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_RegisterResource.html,
        https://docs.aws.amazon.com/lake-formation/latest/dg/register-cross-account.html).
        ``UseServiceLinkedRole`` creates (once) and uses ``AWSServiceRoleForLakeFormationDataAccess``;
        without it a ``RoleArn`` is required
        (https://docs.aws.amazon.com/lake-formation/latest/dg/service-linked-roles.html).
        """
        locations.check_registration(
            caller=self.current_account,
            resource_arn=str(self._get_param("ResourceArn") or ""),
            role_arn=self._get_param("RoleArn"),
            use_service_linked_role=bool(self._get_param("UseServiceLinkedRole")),
        )
        role_arn = self._get_param("RoleArn")
        if self._get_param("UseServiceLinkedRole") and not role_arn:
            role_arn = self._service_linked_role_arn()
        if not role_arn:
            raise InvalidInputError("Either RoleArn or UseServiceLinkedRole=true is required.")
        self.lakeformation_backend.register_resource(resource_arn=self._get_param("ResourceArn"), role_arn=role_arn)
        return "{}"

    def _service_linked_role_arn(self) -> str:
        iam = iam_backends[self.current_account][get_partition(self.region)]
        role = next((role for role in iam.roles.values() if role.name == SERVICE_LINKED_ROLE), None)
        if role is None:
            policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": [SERVICE_LINKED_ROLE_SERVICE]},
                        "Action": ["sts:AssumeRole"],
                    }
                ],
            }
            role = iam.create_role(
                SERVICE_LINKED_ROLE,
                json.dumps(policy),
                f"/aws-service-role/{SERVICE_LINKED_ROLE_SERVICE}/",
                permissions_boundary=None,
                description="Lake Formation access to registered data locations",
                tags=[],
                max_session_duration="3600",
                linked_service=SERVICE_LINKED_ROLE_SERVICE,
            )
        return str(role.arn)

    # -- LF-Tags
    def get_resource_lf_tags(self) -> str:
        """An untagged resource answers 200 with empty lists; an unknown one ``EntityNotFoundException``.
        A table answers its database's tags, its own and its columns'.
        https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_GetResourceLFTags.html
        """
        resource = normalize_resource(self._get_param("Resource"), self._catalog_id())
        ensure_resource_exists(resource, self.region)
        kind = resource_kind(resource)
        body = resource[kind]
        backend = self.lakeformation_backend
        answer: dict[str, Any] = {}
        if kind == "Database":
            answer["LFTagOnDatabase"] = backend.lf_database_tags.get((body["CatalogId"], body["Name"]), [])
            return json.dumps(answer)
        if kind not in ("Table", "TableWithColumns") or "TableWildcard" in body:
            raise InvalidInputError("GetResourceLFTags takes a database, a table or a table's columns.")
        catalog, database, name = body["CatalogId"], body["DatabaseName"], body["Name"]
        if kind == "Table":
            answer["LFTagOnDatabase"] = backend.lf_database_tags.get((catalog, database), [])
            answer["LFTagsOnTable"] = backend.lf_table_tags.get((catalog, database, name), [])
            columns = table_columns(find_table(catalog, self.region, database, name))
        elif "ColumnNames" in body:
            columns = list(body["ColumnNames"])
        else:
            excluded = set(body["ColumnWildcard"]["ExcludedColumnNames"])
            columns = [c for c in table_columns(find_table(catalog, self.region, database, name)) if c not in excluded]
        answer["LFTagsOnColumns"] = [
            {"Name": column, "LFTags": backend.lf_columns_tags[(catalog, database, name, column)]}
            for column in columns
            if backend.lf_columns_tags.get((catalog, database, name, column))
        ]
        return json.dumps(answer)
