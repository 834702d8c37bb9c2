"""The one gateway to AWS. Every boto3 call in MeshPortal goes through this package (STYLE.md §8)."""

from provisioning.aws.errors import AwsError
from provisioning.aws.session import account_client, aws_endpoint_health, clear_session_cache

__all__ = ["AwsError", "account_client", "aws_endpoint_health", "clear_session_cache"]
