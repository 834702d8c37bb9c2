"""One AWS call: timed, its failure translated into ``AwsError``, and reported to an observer.

The gateway does not know who asked for a call; the caller passes an observer that records it the way its
layer needs (provisioning writes an attempt row per grant concerned, ``provisioning/attempts.py``)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone

from meshportal.aws.gateway.errors import AwsError


@dataclass(frozen=True)
class AwsCall:
    """What one call asked, where, how long it took and how it ended."""

    call_id: str
    service: str
    operation: str  # the API name, e.g. BatchGrantPermissions
    account_id: str
    params: dict[str, Any]
    started_at: datetime
    duration_ms: int
    error: AwsError | None = field(default=None)


CallObserver = Callable[[AwsCall], None]


def call(
    client: Any, operation: str, *, account_id: str, observer: CallObserver | None = None, **params: Any
) -> dict[str, Any]:
    """``client.<operation>(**params)``; failures are raised as ``AwsError`` after the observer saw them."""
    service = client.meta.service_model.service_name
    started, clock = timezone.now(), time.perf_counter()
    error: AwsError | None = None
    try:
        response: dict[str, Any] = getattr(client, operation)(**params)
    except Exception as exc:  # noqa: BLE001 - every AWS failure is observed, then raised as one typed error
        error = AwsError.from_exception(exc, f"{service}:{operation}")
        error.account_id = account_id
        response = {}
    if observer is not None:
        observer(
            AwsCall(
                call_id=uuid.uuid4().hex,
                service=service,
                operation=client.meta.method_to_api_mapping.get(operation, operation),
                account_id=account_id,
                params=params,
                started_at=started,
                duration_ms=int((time.perf_counter() - clock) * 1000),
                error=error,
            )
        )
    if error is not None:
        raise error
    return response
