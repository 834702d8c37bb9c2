"""The moto internals the emulator builds on. A moto upgrade that breaks one of these fails here first,
with the name of what moved, instead of as a puzzling failure in a cross-account test."""

from __future__ import annotations

import inspect

import moto
import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.base_backend import AccountSpecificBackend, BackendDict
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, BaseResponse
from moto.core.utils import convert_to_flask_response
from moto.glue.models import FakeDatabase, FakeTable, GlueBackend, glue_backends
from moto.glue.responses import GlueResponse
from moto.iam import models as iam_models
from moto.iam.models import IAMBackend
from moto.lakeformation.models import (
    LakeFormationBackend,
    Permission,
    PermissionCatalog,
    lakeformation_backends,
)
from moto.lakeformation.responses import LakeFormationResponse
from moto.moto_api._internal import moto_api_backend
from moto.moto_server import werkzeug_app
from moto.ram.models import ManagedPermission, ResourceAccessManagerBackend, ResourceShare, ram_backends
from moto.ram.responses import ResourceAccessManagerResponse
from moto.s3.models import s3_backends
from moto.sts.models import AssumedRole, STSBackend

PINNED_MOTO = "5.2.5"


def parameters(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


def test_moto_is_the_pinned_version() -> None:
    assert moto.__version__ == PINNED_MOTO, (
        f"moto {moto.__version__} is installed but aws_emulator/ was written against {PINNED_MOTO}. "
        "Re-check every internal listed in tests/emulator/test_moto_contract.py, re-run the emulator suite, "
        "re-measure which gaps docs/emulator.md lists as still open, then update PINNED_MOTO."
    )


def test_server_building_blocks() -> None:
    # routing.create_app wraps create_backend_app; server.EmulatorApp wraps DomainDispatcherApplication.
    assert parameters(werkzeug_app.create_backend_app) == ["service"]
    assert parameters(werkzeug_app.DomainDispatcherApplication) == ["create_app"]
    assert issubclass(werkzeug_app.MotoRequestHandler, object)
    assert "POST" in werkzeug_app.HTTP_METHODS
    assert parameters(convert_to_flask_response) == ["callback"]
    assert callable(moto_api_backend.reset)


@pytest.mark.parametrize(
    ("response_class", "endpoint"),
    [
        (GlueResponse, "GlueResponse.dispatch"),
        (LakeFormationResponse, "LakeFormationResponse.dispatch"),
        (ResourceAccessManagerResponse, "ResourceAccessManagerResponse.dispatch"),
    ],
)
def test_moto_routes_services_through_the_response_class_dispatch(response_class: type, endpoint: str) -> None:
    service = {
        "GlueResponse": "glue",
        "LakeFormationResponse": "lakeformation",
        "ResourceAccessManagerResponse": "ram",
    }[response_class.__name__]
    app = werkzeug_app.create_backend_app(service)  # type: ignore[arg-type]
    assert any(rule.endpoint.startswith(endpoint) for rule in app.url_map.iter_rules())
    # routing relies on dispatch being a classmethod
    assert inspect.ismethod(response_class.dispatch)  # type: ignore[attr-defined]


def test_response_attributes_the_handlers_read() -> None:
    setup = inspect.getsource(BaseResponse.setup_class)
    assert "self.current_account = " in setup
    assert "self.region = " in setup
    assert "_get_param" in dir(BaseResponse)
    assert isinstance(LakeFormationResponse.__dict__["lakeformation_backend"], property)
    assert isinstance(ResourceAccessManagerResponse.__dict__["ram_backend"], property)
    assert isinstance(GlueResponse.__dict__["glue_backend"], property)
    assert isinstance(GlueResponse.__dict__["parameters"], property)
    assert parameters(ActionResult) == ["result"]
    assert parameters(JsonRESTError.__init__)[:3] == ["self", "error_type", "message"]


def test_account_resolution_goes_through_iam_get_account_id_from() -> None:
    # patches.install replaces iam_models.get_account_id_from; it works only while BaseResponse imports
    # it at call time.
    source = inspect.getsource(BaseResponse.get_current_account)
    assert "from moto.iam.models import get_account_id_from" in source
    assert parameters(iam_models.get_account_id_from) == ["access_key"]
    assert parameters(STSBackend.assume_role)[:4] == ["self", "region_name", "role_session_name", "role_arn"]
    assert "account_id" in parameters(AssumedRole.__init__)
    assert "self.access_key_id = " in inspect.getsource(AssumedRole.__init__)
    assert DEFAULT_ACCOUNT_ID == "123456789012"


def test_lake_formation_store_shape() -> None:
    backend = lakeformation_backends["000000000001"]["us-east-1"]
    assert isinstance(backend, LakeFormationBackend)
    assert backend.grants == {}
    assert isinstance(backend.resources, dict)
    assert parameters(LakeFormationBackend.get_data_lake_settings) == ["self", "catalog_id"]
    assert parameters(LakeFormationBackend.put_data_lake_settings) == ["self", "catalog_id", "settings"]
    assert parameters(LakeFormationBackend.register_resource) == ["self", "resource_arn", "role_arn"]
    assert PermissionCatalog().permissions == set()
    permission = Permission({"DataLakePrincipalIdentifier": "1"}, {"Catalog": {}}, ["ALL"], [])
    assert (permission.principal, permission.resource) == (
        {"DataLakePrincipalIdentifier": "1"},
        {"Catalog": {}},
    )
    assert (permission.permissions, permission.permissions_with_grant_options) == (["ALL"], [])
    assert not permission.is_empty()


def test_ram_store_shape() -> None:
    backend = ram_backends["000000000001"]["us-east-1"]
    assert isinstance(backend, ResourceAccessManagerBackend)
    assert backend.resource_shares == []
    share = ResourceShare("000000000001", "us-east-1", name="contract", allowExternalPrincipals=True)
    assert (share.principals, share.resource_arns, share.status) == ([], [], "ACTIVE")
    assert share.owning_account_id == "000000000001"
    assert {
        "arn",
        "name",
        "region",
        "creation_time",
        "last_updated_time",
        "allow_external_principals",
    } <= set(vars(share))
    assert {"resourceShareArn", "owningAccountId", "status"} <= set(share.describe())
    share.delete()
    assert share.status == "DELETED"


def test_glue_store_shape() -> None:
    backend = glue_backends["000000000001"]["us-east-1"]
    assert isinstance(backend, GlueBackend)
    assert parameters(GlueBackend.create_database) == ["self", "database_name", "database_input", "tags"]
    assert parameters(GlueBackend.create_table)[:4] == ["self", "database_name", "table_name", "table_input"]
    assert parameters(GlueBackend.get_tables) == ["self", "database_name", "expression"]
    assert isinstance(backend.databases, dict)
    database = FakeDatabase("db", {"Name": "db"}, catalog_id="000000000001")
    assert (database.input, database.tables) == ({"Name": "db"}, {})
    table = FakeTable("db", "t", {"Name": "t", "TargetTable": {"Name": "x"}}, catalog_id="000000000001")
    assert {"Name", "DatabaseName", "CatalogId", "CreateTime", "TargetTable"} <= set(table.as_dict())
    assert "TargetDatabase" in FakeDatabase("l", {"TargetDatabase": {}}, "000000000001").as_dict()


def test_backend_dict_persistence_hooks() -> None:
    assert callable(BackendDict.iter_backends)
    assert isinstance(BackendDict._instances, list)  # type: ignore[misc]
    assert issubclass(AccountSpecificBackend, dict)  # persistence assigns backend_dict[account][region]


def test_stores_behind_issue_18_fixes() -> None:
    """LF-Tags, the service-linked role, RAM managed permissions and S3 buckets, as the emulator reads them."""
    lf = lakeformation_backends["000000000001"]["us-east-1"]
    assert (lf.lf_database_tags, lf.lf_table_tags, lf.lf_columns_tags) == ({}, {}, {})
    assert parameters(IAMBackend.create_role)[:9] == [
        "self",
        "role_name",
        "assume_role_policy_document",
        "path",
        "permissions_boundary",
        "description",
        "tags",
        "max_session_duration",
        "linked_service",
    ]
    ram = ram_backends["000000000001"]["us-east-1"]
    names = {permission.name for permission in ram.managed_permissions}
    assert {"AWSRAMLFEnabledGlueDatabaseReadWrite", "AWSRAMLFEnabledGlueTableReadWrite"} <= names
    assert all(isinstance(permission, ManagedPermission) for permission in ram.managed_permissions)
    assert parameters(ResourceAccessManagerBackend.get_resource_share_associations)[1:] == [
        "association_type",
        "association_status",
        "resource_share_arns",
        "resource_arn",
        "principal",
    ]
    assert isinstance(s3_backends.bucket_accounts, dict)
    assert parameters(s3_backends["000000000001"]["aws"].create_bucket)[:2] == ["bucket_name", "region_name"]
