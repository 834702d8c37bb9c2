from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from meshportal.core.errors import NotAllowed
from meshportal.identity import roles
from provisioning.models import AwsAccount


def account_list(*, user: Any) -> QuerySet[AwsAccount]:
    """The account registry: platform admins and auditors see it whole; others see the active accounts
    (consumers need them to name the account of the role they request access for)."""
    qs = AwsAccount.objects.order_by("name")
    return qs if roles.sees_everything(user) else qs.filter(is_active=True)


def account_get_for_user(*, user: Any, pk: int) -> AwsAccount:
    return get_object_or_404(account_list(user=user), pk=pk)


def require_account_admin(user: Any) -> None:
    if not roles.is_platform_admin(user):
        raise NotAllowed("Only platform admins manage AWS accounts.")
