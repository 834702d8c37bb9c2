"""STS: assuming the portal's role in each registered account, and asking who the base identity is."""

from __future__ import annotations

from typing import Any

from meshportal.aws.gateway.errors import AwsError


def assume_role(
    client: Any, *, role_arn: str, external_id: str = "", session_name: str = "meshportal", seconds: int = 3600
) -> dict[str, Any]:
    """Temporary credentials for ``role_arn``, presenting ``external_id`` when the role's trust policy asks for one
    (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html)."""
    params: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name, "DurationSeconds": seconds}
    if external_id:
        params["ExternalId"] = external_id
    try:
        credentials: dict[str, Any] = client.assume_role(**params)["Credentials"]
    except Exception as exc:  # translated: callers see one error type
        raise AwsError.from_exception(exc, "sts:AssumeRole") from exc
    return credentials


def caller_account(client: Any) -> str:
    try:
        return str(client.get_caller_identity().get("Account"))
    except Exception as exc:  # translated: callers see one error type
        raise AwsError.from_exception(exc, "sts:GetCallerIdentity") from exc
