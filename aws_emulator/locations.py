"""Data locations registered with Lake Formation: the checks AWS makes on RegisterResource.

* The resource is an S3 location ARN, ``arn:aws:s3:::bucket[/prefix]``
  (https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_RegisterResource.html).
* A bucket of another account (a central account registering a producer's data) is registered with a role
  of the registering account that may read it; the Lake Formation service-linked role cannot be used there
  (https://docs.aws.amazon.com/lake-formation/latest/dg/register-cross-account.html).

Bucket owners are known only for buckets created in the emulator's S3; a location whose bucket the emulator
has not seen is taken as the caller's own, so seeds need no S3.
"""

from __future__ import annotations

import re

from moto.s3.models import s3_backends

from .errors import InvalidInputError

S3_LOCATION_ARN = re.compile(r"^arn:aws[a-z-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/.*)?$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/.+$")


def bucket_owner(bucket: str) -> str | None:
    """The account whose emulated S3 holds ``bucket``, or None when no account created it."""
    for account_id, partitions in list(s3_backends.items()):
        for backend in list(partitions.values()):
            if bucket in backend.buckets:
                return str(account_id)
    return None


def check_registration(*, caller: str, resource_arn: str, role_arn: str | None, use_service_linked_role: bool) -> None:
    match = S3_LOCATION_ARN.match(resource_arn)
    if match is None:
        raise InvalidInputError(f"Invalid S3 location ARN: {resource_arn!r}. Expected arn:aws:s3:::bucket[/prefix].")
    owner = bucket_owner(match.group(1))
    if owner is None or owner == caller:
        return
    if use_service_linked_role or not role_arn:
        raise InvalidInputError(
            f"Bucket {match.group(1)} belongs to account {owner}: register it with an IAM role of account "
            f"{caller} that can access it; the service-linked role cannot register another account's location."
        )
    role = ROLE_ARN.match(role_arn)
    if role is None or role.group(1) != caller:
        raise InvalidInputError(f"RoleArn {role_arn!r} must be an IAM role of account {caller}.")
