"""IAM role ARNs, parsed and checked as IAM checks them: the one place that says what a role ARN is (the account
registry's ``role_arn``, consumer roles, the principal of an access request).

IAM's rules (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html and
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names):
a role name is 1 to 64 characters of ``A-Z a-z 0-9 + = , . @ _ -`` (ASCII only: IAM's ``\\w`` is not Unicode's);
a path is ``/`` or ``/`` + segments + ``/``, at most 512 characters; an ARN is at most 2,048 characters. Paths
are held to the same ASCII set as names (IAM's wider printable range would let ``:`` and ``*`` into an ARN that
Lake Formation and policies then read differently).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from meshportal.aws.errors import AwsRegistryErrorCode

ARN_MAX_LENGTH = 2048
ROLE_NAME_MAX_LENGTH = 64
PATH_MAX_LENGTH = 512
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b")

_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]+", re.ASCII)
_PATH = re.compile(r"/(?:[A-Za-z0-9+=,.@_-]+/)*", re.ASCII)
_ARN = re.compile(r"arn:(?P<partition>[a-z-]+):iam::(?P<account>[0-9]{12}):role(?P<rest>/.*)", re.ASCII | re.DOTALL)

EXAMPLE = "arn:aws:iam::123456789012:role/analytics/etl-reader"


class InvalidRoleArn(ValueError):
    """What is wrong with a role ARN, in a sentence for the person who typed it."""


@dataclass(frozen=True)
class RoleArn:
    partition: str
    account_id: str
    path: str  # "/" or "/a/b/"
    name: str

    def __str__(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:role{self.path}{self.name}"


def check_role_name(name: str) -> str:
    if not name or len(name) > ROLE_NAME_MAX_LENGTH:
        raise InvalidRoleArn(f"A role name is 1 to {ROLE_NAME_MAX_LENGTH} characters (this one has {len(name)}).")
    if not _NAME.fullmatch(name):
        raise InvalidRoleArn("A role name may contain only the ASCII letters, digits and + = , . @ _ - characters.")
    return name


def check_path(path: str) -> str:
    if len(path) > PATH_MAX_LENGTH:
        raise InvalidRoleArn(f"A role path is at most {PATH_MAX_LENGTH} characters (this one has {len(path)}).")
    if not _PATH.fullmatch(path):
        raise InvalidRoleArn(
            "A role path starts and ends with / and contains only ASCII letters, digits and + = , . @ _ - "
            "between the slashes (no empty segment)."
        )
    return path


def parse_role_arn(value: str) -> RoleArn:
    """The parts of an IAM role ARN; ``InvalidRoleArn`` says what is wrong otherwise."""
    if not isinstance(value, str) or not value:
        raise InvalidRoleArn(f"Enter an IAM role ARN such as {EXAMPLE}.")
    if len(value) > ARN_MAX_LENGTH:
        raise InvalidRoleArn(f"An ARN is at most {ARN_MAX_LENGTH} characters (this one has {len(value)}).")
    if not value.isascii():
        raise InvalidRoleArn("An IAM role ARN contains ASCII characters only.")
    match = _ARN.fullmatch(value)
    if match is None:
        raise InvalidRoleArn(
            f"Enter an IAM role ARN: arn:aws:iam::<12-digit account id>:role/<path/><name>, e.g. {EXAMPLE}."
        )
    if match["partition"] not in PARTITIONS:
        raise InvalidRoleArn(f"Unknown AWS partition {match['partition']!r}; expected one of {', '.join(PARTITIONS)}.")
    rest = match["rest"]
    path, _, name = rest.rpartition("/")
    return RoleArn(
        partition=match["partition"],
        account_id=match["account"],
        path=check_path(path + "/"),
        name=check_role_name(name),
    )


def validate_role_arn(value: str) -> None:
    """Django validator (model and form fields)."""
    try:
        parse_role_arn(value)
    except InvalidRoleArn as exc:
        raise ValidationError(str(exc), code=AwsRegistryErrorCode.INVALID_ROLE_ARN) from exc
