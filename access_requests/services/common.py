"""What the access-request services share: constants, the system actors they act as, locks and the audit
helper."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from access_requests.errors import AccessRequestErrorCode
from access_requests.models import AccessRequest, Grant
from access_requests.popularity import product_popularity_refresh
from catalog.models import DataProduct
from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record
from meshportal.aws.models import AwsAccount
from meshportal.core.errors import ValidationFailed
from meshportal.identity.actors import ACCESS_POLICY, GRANT_EXPIRY, PROVISIONING_WORKER, Actor
from meshportal.identity.models import User

REQUESTABLE = (DataProduct.Status.PUBLISHED, DataProduct.Status.DEPRECATED)
REQUESTER_ACCOUNT_ROLES = (AwsAccount.Role.CONSUMER, AwsAccount.Role.PRODUCER)
REMINDER_DAYS = 7
POLICY = ACCESS_POLICY
WORKER = PROVISIONING_WORKER
EXPIRY = GRANT_EXPIRY
LIVE_GRANT = Grant.LIVE_STATUSES
Status = AccessRequest.Status
REQUEST_FIELDS = ["status", "required_stages", "decision_reason", "requested_until"]


# --- helpers -------------------------------------------------------------------------------------


def end_of_day(day: date) -> datetime:
    """Access ends at the end of ``requested_until`` (UTC)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _today() -> date:
    return timezone.now().astimezone(UTC).date()


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _actor_name(actor: Actor) -> str:
    return actor.get_username() if isinstance(actor, User) else getattr(actor, "label", "system")


def _audit(
    *,
    actor: Actor,
    event: EventType,
    obj: Any,
    request: AccessRequest,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=actor,
        event_type=event,
        obj=obj,
        before=before,
        after=after,
        product_id=request.product_id,
        principal=request.principal_arn,
        account_id=request.consumer_account.account_id,
    )


def _lock_request(pk: int) -> AccessRequest:
    return AccessRequest.objects.select_for_update().get(pk=pk)


def _lock_grant(pk: int) -> Grant:
    """Lock a grant, after its request: every service takes the two locks in that order (request, then
    grant), so a withdrawal and the worker's report on the same grant cannot deadlock."""
    request_id = Grant.objects.filter(pk=pk).values_list("request_id", flat=True).first()
    if request_id is not None:
        AccessRequest.objects.select_for_update().filter(pk=request_id).exists()
    return Grant.objects.select_for_update().get(pk=pk)


def _refresh_consumer_count(product_id: int) -> None:
    consumers = (
        Grant.objects.filter(product_id=product_id, status=Grant.Status.ACTIVE)
        .values("principal_arn")
        .distinct()
        .count()
    )
    DataProduct.objects.filter(pk=product_id).update(consumer_count=consumers)
    product_popularity_refresh(product_ids=[product_id])


def default_until(*, product: DataProduct, after: datetime | None = None) -> date:
    """The end date a form proposes: the product's default length from today (or from the current end of an
    extended grant), never beyond its maximum."""
    today = _today()
    start = max(today, after.astimezone(UTC).date()) if after else today
    return min(start + timedelta(days=product.default_access_days), today + timedelta(days=product.max_access_days))


def _require_requestable(product: DataProduct, *, action: str = "requested") -> None:
    if product.status not in REQUESTABLE:
        raise ValidationFailed(
            f"Data product {product.name!r} is {product.get_status_display().lower()}: access to it cannot be "
            f"{action}.",
            code=AccessRequestErrorCode.PRODUCT_NOT_AVAILABLE,
        )
