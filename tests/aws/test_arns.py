"""IAM role ARNs are checked as IAM checks them, in one place (meshportal/aws/arns.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from meshportal.aws.arns import InvalidRoleArn, parse_role_arn, validate_role_arn
from meshportal.aws.models import AwsAccount


@pytest.mark.parametrize(
    ("arn", "path", "name"),
    [
        ("arn:aws:iam::123456789012:role/Analyst", "/", "Analyst"),
        ("arn:aws:iam::123456789012:role/teams/finance/finance-etl", "/teams/finance/", "finance-etl"),
        ("arn:aws-cn:iam::123456789012:role/a+b=c,d.e@f_g-h", "/", "a+b=c,d.e@f_g-h"),
        ("arn:aws-us-gov:iam::123456789012:role/" + "r" * 64, "/", "r" * 64),
    ],
)
def test_valid_role_arns_parse_into_their_parts(arn, path, name):
    parsed = parse_role_arn(arn)
    assert (parsed.path, parsed.name, parsed.account_id) == (path, name, "123456789012")
    assert str(parsed) == arn


@pytest.mark.parametrize(
    ("arn", "says"),
    [
        ("", "Enter an IAM role ARN"),
        ("arn:aws:iam::123456789012:role/Ånalyst", "ASCII"),  # \w would have let it through
        ("arn:aws:iam::123456789012:role/Ana lyst", "may contain only"),
        ("arn:aws:iam::123456789012:role/" + "r" * 65, "1 to 64"),
        ("arn:aws:iam::123456789012:role/", "1 to 64"),
        ("arn:aws:iam::123456789012:role//double/x", "path"),
        ("arn:aws:iam::123456789012:role/a*b/x", "path"),
        ("arn:aws:iam::123456789012:role/" + "p/" * 256 + "x", "at most 512"),
        ("arn:aws:iam::12345678901:role/x", "12-digit"),
        ("arn:aws:iam::123456789012:user/x", "Enter an IAM role ARN"),
        ("arn:foo:iam::123456789012:role/x", "partition"),
        ("arn:aws:iam::123456789012:role/x" + "y" * 2048, "2048"),
        ("arn:aws:iam::１２３456789012:role/x", "ASCII"),  # full-width digits match \d but not IAM
    ],
)
def test_invalid_role_arns_are_refused_with_the_reason(arn, says):
    with pytest.raises(InvalidRoleArn) as refused:
        parse_role_arn(arn)
    assert says in str(refused.value)


@pytest.mark.django_db
def test_the_account_registry_uses_the_same_rules():
    account = AwsAccount(
        account_id="123456789012", name="x", role="consumer", role_arn="arn:aws:iam::123456789012:role/Ünïcode"
    )
    with pytest.raises(ValidationError) as refused:
        account.full_clean()
    assert "role_arn" in refused.value.message_dict
    with pytest.raises(ValidationError):
        validate_role_arn("arn:aws:iam::123456789012:role/" + "r" * 65)
