"""Sessions and clients per AWS account.

The portal runs with one base identity (instance role, environment credentials, or the emulator's
dummy keys) and assumes a role in each registered account: the account's ``role_arn`` from the
registry, or ``arn:aws:iam::<account>:role/<MESHPORTAL_DEFAULT_ROLE_NAME>``. Against the emulator the
assumed-role credentials are what puts each call in the right simulated account.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, Literal, cast

import boto3
from botocore.config import Config
from django.conf import settings

from meshportal.aws.gateway import sts
from meshportal.aws.gateway.errors import AwsError
from meshportal.aws.models import AwsAccount

if TYPE_CHECKING:
    from botocore.config import _RetryDict

_lock = threading.Lock()
_cache: dict[tuple[str, str, str, str], tuple[boto3.Session, float]] = {}
_REFRESH_MARGIN_S = 300


def _config() -> Config:
    # total_max_attempts counts every attempt (max_attempts would count retries only). The mode is a free-form
    # setting; Config() itself rejects anything but these three (InvalidRetryModeError).
    retries: _RetryDict = {
        "mode": cast(Literal["legacy", "standard", "adaptive"], settings.MESHPORTAL_AWS_RETRY_MODE),
        "total_max_attempts": settings.MESHPORTAL_AWS_MAX_ATTEMPTS,
    }
    return Config(
        region_name=settings.AWS_DEFAULT_REGION,
        retries=retries,
        connect_timeout=settings.MESHPORTAL_AWS_CONNECT_TIMEOUT,
        read_timeout=settings.MESHPORTAL_AWS_READ_TIMEOUT,
    )


def _endpoint() -> str | None:
    return settings.AWS_ENDPOINT_URL or None


def base_session() -> boto3.Session:
    if settings.MESHPORTAL_AWS_MODE == "emulator":
        # The emulator accepts any keys; these only decide the base (central) account.
        return boto3.Session(
            aws_access_key_id="AKIAEMULATOR00000000",
            aws_secret_access_key="emulator",
            region_name=settings.AWS_DEFAULT_REGION,
        )
    return boto3.Session(region_name=settings.AWS_DEFAULT_REGION)


def default_role_arn(account_id: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{settings.MESHPORTAL_DEFAULT_ROLE_NAME}"


def account_session(account_id: str, *, role_arn: str = "", region: str = "", external_id: str = "") -> boto3.Session:
    role_arn = role_arn or default_role_arn(account_id)
    region = region or settings.AWS_DEFAULT_REGION
    key = (account_id, role_arn, region, external_id)
    with _lock:
        cached = _cache.get(key)
        if cached and cached[1] - _REFRESH_MARGIN_S > time.time():
            return cached[0]
    creds = sts.assume_role(
        base_session().client("sts", endpoint_url=_endpoint(), config=_config()),
        role_arn=role_arn,
        external_id=external_id,
    )
    session = boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region,
    )
    expires = creds["Expiration"].timestamp() if hasattr(creds["Expiration"], "timestamp") else time.time() + 3600
    with _lock:
        _cache[key] = (session, expires)
    return session


def account_client(
    service: str, account_id: str, *, role_arn: str = "", region: str = "", external_id: str = ""
) -> Any:
    """A boto3 client for ``service`` acting in ``account_id`` through the portal's role there."""
    session = account_session(account_id, role_arn=role_arn, region=region, external_id=external_id)
    return session.client(service, endpoint_url=_endpoint(), config=_config())  # type: ignore[call-overload]


def clear_session_cache() -> None:
    with _lock:
        _cache.clear()


def aws_endpoint_health(timeout: float = 2.0) -> tuple[bool, str]:
    """Whether the AWS endpoint answers: STS GetCallerIdentity with the base identity."""
    cfg = Config(
        region_name=settings.AWS_DEFAULT_REGION,
        retries={"max_attempts": 1, "mode": "standard"},
        connect_timeout=timeout,
        read_timeout=timeout,
    )
    try:
        account = sts.caller_account(base_session().client("sts", endpoint_url=_endpoint(), config=cfg))
    except AwsError as error:
        return False, f"{error.code}: {error.message}"
    return True, f"account {account} via {_endpoint() or 'AWS'}"


def registered_account_client(service: str, account_id: str) -> Any:
    """A client in a registered account, with the role and region its registry entry names (defaults when the
    account is not registered)."""
    account = (
        AwsAccount.objects.filter(account_id=account_id).only("account_id", "role_arn", "region", "external_id").first()
    )
    if account is None:
        return account_client(service, account_id)
    return client_for_account(service, account)


def client_for_account(service: str, account: AwsAccount) -> Any:
    """A client in ``account`` as its registry entry says: the role to assume, its region and external id."""
    return account_client(
        service, account.account_id, role_arn=account.role_arn, region=account.region, external_id=account.external_id
    )
