"""The one gateway to AWS. Every boto3 call in MeshPortal goes through this package (STYLE.md §8): sessions
and role assumption per registered account, retries, error translation, and one module per service that
owns its shapes and paging."""

from meshportal.aws.gateway import iam
from meshportal.aws.gateway.calls import AwsCall, CallObserver, call
from meshportal.aws.gateway.errors import RETRYABLE_CODES, AwsError
from meshportal.aws.gateway.session import (
    account_client,
    aws_endpoint_health,
    clear_session_cache,
    client_for_account,
    registered_account_client,
)

__all__ = [
    "RETRYABLE_CODES",
    "AwsCall",
    "AwsError",
    "CallObserver",
    "account_client",
    "aws_endpoint_health",
    "call",
    "clear_session_cache",
    "client_for_account",
    "iam",
    "registered_account_client",
]
