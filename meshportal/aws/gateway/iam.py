"""IAM: reading a role of an account, to check that a role someone registers exists there
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html)."""

from __future__ import annotations

from typing import Any

from meshportal.aws.gateway.calls import CallObserver, call
from meshportal.aws.gateway.errors import AwsError


def get_role(
    client: Any, *, account_id: str, role_name: str, observer: CallObserver | None = None
) -> dict[str, Any] | None:
    """The role called ``role_name`` in the client's account (its ``Arn``, ``Path``, ``RoleName`` …), or None
    when the account has no such role (IAM answers ``NoSuchEntity``). GetRole takes the name only: a role's
    name is unique in its account whatever its path, so the caller compares the returned ``Arn``."""
    try:
        response = call(client, "get_role", account_id=account_id, observer=observer, RoleName=role_name)
    except AwsError as error:
        if error.code == "NoSuchEntity":
            return None
        raise
    role: dict[str, Any] = response["Role"]
    return role
