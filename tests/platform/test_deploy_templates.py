"""The CloudFormation in deploy/aws: every template passes cfn-lint with no error or warning, and the
policies grant exactly the actions README "Real AWS" lists, on the narrowest resources AWS allows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint
from cfnlint.decode.cfn_yaml import load

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "aws"
TEMPLATES = sorted(DEPLOY.glob("*.yaml"))
NO_VALUE = {"Ref": "AWS::NoValue"}
ACCOUNT_KINDS = ["producer", "central-governance", "line-of-business-central", "consumer", "producer-and-consumer"]

# Actions that AWS authorises on "*" only (no resource types in the Service Authorization Reference):
# every Lake Formation action, and list calls. A "*" on anything else is a policy that could be narrower.
STAR_ONLY = re.compile(
    r"^(lakeformation:.+|ram:GetResourceShares|ram:GetResourceShareInvitations|ram:CreateResourceShare|sqs:ListQueues)$"
)


def _readme_lists() -> dict[str, set[str]]:
    """The actions of each bullet in README "Real AWS": `service:Action` sets the prefix for the bare
    `Action`s after it; ARNs and the managed policy's name are not actions."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Real AWS", 1)[1].split("\n## ", 1)[0]
    lists: dict[str, set[str]] = {}
    for title, body in re.findall(r"^- \*\*(.+?)\*\*[^:\n]*:(.*?)(?=^- \*\*|^\n)", section, flags=re.M | re.S):
        actions, prefix = set(), ""
        for token, managed_policy in re.findall(r"`([^`]+)`( managed policy)?", body):
            if managed_policy or not re.fullmatch(r"([a-z]+:)?[A-Z][A-Za-z]+", token):
                continue
            if ":" in token:
                prefix = token.partition(":")[0]
            actions.add(f"{prefix}:{token.rpartition(':')[2]}")
        lists[title] = actions
    return lists


def _template(name: str) -> dict[str, Any]:
    return load(str(DEPLOY / name))


def _condition(template: dict[str, Any], value: Any, parameters: dict[str, str]) -> Any:
    """Evaluate the condition functions the templates use (Equals, Not, Or, Ref, Condition)."""
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), *_ = value.items()
        match fn:
            case "Ref":
                return parameters[arg]
            case "Condition":
                return _condition(template, template["Conditions"][arg], parameters)
            case "Fn::Equals":
                return _condition(template, arg[0], parameters) == _condition(template, arg[1], parameters)
            case "Fn::Not":
                return not _condition(template, arg[0], parameters)
            case "Fn::Or":
                return any(_condition(template, item, parameters) for item in arg)
    return value


def _resolve_ifs(template: dict[str, Any], value: Any, parameters: dict[str, str]) -> Any:
    """The value as deployed with ``parameters``: Fn::If chosen, AWS::NoValue dropped."""
    if isinstance(value, dict):
        if set(value) == {"Fn::If"}:
            name, yes, no = value["Fn::If"]
            chosen = yes if _condition(template, template["Conditions"][name], parameters) else no
            return _resolve_ifs(template, chosen, parameters)
        resolved = {k: _resolve_ifs(template, v, parameters) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v != NO_VALUE}
    if isinstance(value, list):
        items = [_resolve_ifs(template, item, parameters) for item in value]
        return [item for item in items if item != NO_VALUE]
    return value


def _statements(policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [statement for policy in policies for statement in policy["PolicyDocument"]["Statement"]]


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    return {action for statement in statements for action in statement["Action"]}


def _role_policies(kind: str) -> dict[str, list[dict[str, Any]]]:
    template = _template("meshportal-role.yaml")
    role = _resolve_ifs(
        template, template["Resources"]["PortalRole"], {"AccountKind": kind, "ExternalId": "", "RoleName": "MeshPortal"}
    )
    return {policy["PolicyName"]: policy for policy in role["Properties"]["Policies"]}


def test_deploy_aws_holds_the_templates_the_readme_describes():
    assert {t.name for t in TEMPLATES} == {
        "meshportal-role.yaml",
        "portal-base-identity.yaml",
        "lakeformation-admin.yaml",
    }
    guide = (DEPLOY / "README.md").read_text()
    for template in TEMPLATES:
        assert template.name in guide


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.name)
def test_template_passes_cfn_lint_without_errors_or_warnings(template):
    matches = lint(template.read_text(), config=ManualArgs(regions=["eu-west-1", "us-east-1", "eu-central-1"]))
    # Informational findings (I...) are advice; errors (E) and warnings (W) fail.
    problems = [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches if m.rule.id[0] in "EW"]
    assert problems == []


def test_cfn_lint_catches_a_broken_template():
    # The gate above can fail: an unknown property and a Ref to nothing are reported.
    broken = (DEPLOY / "meshportal-role.yaml").read_text().replace("MaxSessionDuration:", "MaxSessionLength:")
    broken = broken.replace("!Ref PortalPrincipalArn", "!Ref PortalPrincipal", 1)
    rules = {m.rule.id for m in lint(broken, config=ManualArgs(regions=["eu-west-1"]))}
    assert {"E3002", "E1020"} <= rules, rules


def test_readme_lists_are_what_the_test_compares_against():
    lists = _readme_lists()
    assert set(lists) == {
        "Grantor accounts",
        "Consumer accounts",
        "Central governance accounts",
        "Producer accounts",
        "The portal's base identity",
    }
    # 8 Lake Formation, 4 Glue and 7 RAM actions; 2 RAM, 5 Glue and 4 Lake Formation actions.
    assert (len(lists["Grantor accounts"]), len(lists["Consumer accounts"])) == (19, 11)
    assert "ram:ListResourceSharePermissions" in lists["Grantor accounts"]
    assert "ram:AcceptResourceShareInvitation" in lists["Consumer accounts"]
    # What provisioning/registration.py calls in the central account and in the producer account.
    assert lists["Central governance accounts"] == {
        "glue:CreateDatabase",
        "glue:CreateTable",
        "glue:UpdateTable",
        "glue:DeleteTable",
        "lakeformation:RegisterResource",
        "lakeformation:GetLFTag",
        "lakeformation:CreateLFTag",
        "lakeformation:UpdateLFTag",
        "lakeformation:AddLFTagsToResource",
        "iam:PassRole",
    }
    assert lists["Producer accounts"] == {
        "ram:GetResourceShareInvitations",
        "ram:AcceptResourceShareInvitation",
        "glue:CreateDatabase",
        "glue:CreateTable",
        "glue:DeleteTable",
    }
    assert lists["The portal's base identity"] == {"sts:AssumeRole"}


@pytest.mark.parametrize("kind", ACCOUNT_KINDS)
def test_role_grants_exactly_the_readme_actions_for_its_account_kind(kind):
    lists = _readme_lists()
    policies = _role_policies(kind)
    expected_policies = set()
    if kind != "consumer":
        expected_policies.add("meshportal-grantor")
        assert _actions(policies["meshportal-grantor"]["PolicyDocument"]["Statement"]) == lists["Grantor accounts"]
    if kind in ("consumer", "producer-and-consumer"):
        expected_policies.add("meshportal-consumer")
        assert _actions(policies["meshportal-consumer"]["PolicyDocument"]["Statement"]) == lists["Consumer accounts"]
    if kind in ("central-governance", "line-of-business-central"):
        expected_policies.add("meshportal-central")
        assert (
            _actions(policies["meshportal-central"]["PolicyDocument"]["Statement"])
            == lists["Central governance accounts"]
        )
    if kind in ("producer", "producer-and-consumer"):
        expected_policies.add("meshportal-central-link")
        link = policies["meshportal-central-link"]["PolicyDocument"]["Statement"]
        assert _actions(link) == lists["Producer accounts"]
    assert set(policies) == expected_policies


def test_central_entries_and_links_only_in_mesh_databases_and_only_the_data_access_role_is_passed():
    prefix = "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:"
    mesh_only = [f"{prefix}catalog", f"{prefix}database/mesh_*", f"{prefix}table/mesh_*/*"]
    central = {
        s["Sid"]: s for s in _role_policies("central-governance")["meshportal-central"]["PolicyDocument"]["Statement"]
    }
    assert _subs(central["GlueCentralEntries"]["Resource"]) == mesh_only
    assert _subs(central["PassDataAccessRole"]["Resource"]) == [
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${DataAccessRoleName}"
    ]
    assert central["PassDataAccessRole"]["Condition"] == {
        "StringEquals": {"iam:PassedToService": "lakeformation.amazonaws.com"}
    }
    from django.conf import settings

    template = _template("meshportal-role.yaml")
    assert template["Parameters"]["DataAccessRoleName"]["Default"] == settings.MESHPORTAL_LF_DATA_ACCESS_ROLE_NAME
    link = {s["Sid"]: s for s in _role_policies("producer")["meshportal-central-link"]["PolicyDocument"]["Statement"]}
    assert _subs(link["GlueCentralLinks"]["Resource"]) == mesh_only


def _all_statements() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for kind in ACCOUNT_KINDS:
        out += [(f"role/{kind}", s) for s in _statements(list(_role_policies(kind).values()))]
    base = _template("portal-base-identity.yaml")
    for mode in ("none", "predefined-queue", "portal-creates-queues"):
        policy = _resolve_ifs(base, base["Resources"]["BaseIdentityPolicy"], {"SqsBroker": mode})
        out += [(f"base/{mode}", s) for s in policy["Properties"]["PolicyDocument"]["Statement"]]
    return out


def test_no_wildcard_actions_and_star_resources_only_where_aws_allows_nothing_narrower():
    for where, statement in _all_statements():
        assert statement["Effect"] == "Allow", where
        assert not {"NotAction", "NotResource", "NotPrincipal"} & set(statement), where
        for action in statement["Action"]:
            assert "*" not in action, (where, action)
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if "*" in resources:
            assert resources == ["*"], where
            assert all(STAR_ONLY.match(action) for action in statement["Action"]), (where, statement["Action"])


def _subs(resources: Any) -> list[str]:
    return [r["Fn::Sub"] for r in (resources if isinstance(resources, list) else [resources])]


def test_glue_and_ram_resources_are_scoped_to_the_account_and_region():
    account = "${AWS::Region}:${AWS::AccountId}:"
    grantor = {s["Sid"]: s for s in _role_policies("producer")["meshportal-grantor"]["PolicyDocument"]["Statement"]}
    consumer = {s["Sid"]: s for s in _role_policies("consumer")["meshportal-consumer"]["PolicyDocument"]["Statement"]}
    prefix = f"arn:${{AWS::Partition}}:glue:{account}"
    assert _subs(grantor["GlueCatalogRead"]["Resource"]) == [
        f"{prefix}catalog",
        f"{prefix}database/*",
        f"{prefix}table/*/*",
    ]
    # Only the per-domain resource-link databases, named as the Lake Formation plan names them.
    assert _subs(consumer["GlueResourceLinks"]["Resource"]) == [
        f"{prefix}catalog",
        f"{prefix}database/mesh_*",
        f"{prefix}table/mesh_*/*",
    ]
    from provisioning.backends.lakeformation.plan import link_database_name

    assert link_database_name("Sales-EU").startswith("mesh_")
    assert _subs(grantor["RamManageLakeFormationShares"]["Resource"]) == [
        f"arn:${{AWS::Partition}}:ram:{account}resource-share/*"
    ]
    assert grantor["RamManageLakeFormationShares"]["Condition"] == {
        "StringLike": {"ram:ResourceShareName": "LakeFormation*"}
    }
    assert _subs(consumer["RamAcceptShares"]["Resource"]) == [
        "arn:${AWS::Partition}:ram:${AWS::Region}:*:resource-share-invitation/*"
    ]


def test_only_the_portal_base_identity_may_assume_the_role():
    template = _template("meshportal-role.yaml")
    for external_id, condition in (
        ("", None),
        ("ext-123", {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}),
    ):
        role = _resolve_ifs(
            template,
            template["Resources"]["PortalRole"],
            {"AccountKind": "consumer", "ExternalId": external_id},
        )
        (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"AWS": {"Ref": "PortalPrincipalArn"}}
        assert trust["Action"] == "sts:AssumeRole"
        assert trust.get("Condition") == condition
    assert template["Outputs"]["RoleArn"]["Value"] == {"Fn::GetAtt": ["PortalRole", "Arn"]}
    assert template["Parameters"]["RoleName"]["Default"] == "MeshPortal"


def test_base_identity_assumes_exactly_the_registered_role_arns():
    template = _template("portal-base-identity.yaml")
    policy = _resolve_ifs(template, template["Resources"]["BaseIdentityPolicy"], {"SqsBroker": "none"})
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["sts:AssumeRole"]
    assert statement["Resource"] == {"Ref": "AccountRoleArns"}
    assert template["Parameters"]["AccountRoleArns"]["Type"] == "CommaDelimitedList"
    # With SQS, only the portal's queues (and creating them only when the portal must).
    predefined = _resolve_ifs(template, template["Resources"]["BaseIdentityPolicy"], {"SqsBroker": "predefined-queue"})
    actions = _actions(predefined["Properties"]["PolicyDocument"]["Statement"])
    assert "sqs:CreateQueue" not in actions and "sqs:ListQueues" not in actions
    assert "sqs:ReceiveMessage" in actions


def test_sqs_queue_visibility_outlasts_the_job_lease_and_retry_backoff(settings):
    template = _template("portal-base-identity.yaml")
    minimum = template["Parameters"]["SqsVisibilityTimeout"]["MinValue"]
    assert minimum > max(
        max(timing["lease_seconds"], timing["retry_max_seconds"]) for timing in settings.MESHPORTAL_OUTBOX.values()
    )
    assert template["Parameters"]["SqsQueuePrefix"]["Default"] == "meshportal-"
    assert template["Parameters"]["SqsVisibilityTimeout"]["Default"] == 7200  # the settings' default
