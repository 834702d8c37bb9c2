"""Every AWS call the provisioning worker makes is an attempt row (AwsCallAttempt): what, where, how long,
and how it ended. Rows are written outside the job's transaction so that failures stay on record."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from provisioning.aws.errors import AwsError
from provisioning.models import AwsCallAttempt


def _summarise(params: dict[str, Any], grant: Any) -> dict[str, Any]:
    """What the call asked for, as far as it concerns this grant: a batch row shows only the grant's own
    entries (the rest belong to other people's grants) and how big the batch was."""
    summary = dict(params)
    if "Entries" in summary:
        entries = summary.pop("Entries")
        principal = getattr(grant, "principal_arn", None)
        summary["BatchSize"] = len(entries)
        summary["Entries"] = [
            {
                "Id": e.get("Id"),
                "Principal": e.get("Principal"),
                "Resource": e.get("Resource"),
                "Permissions": e.get("Permissions"),
            }
            for e in entries
            if principal is None or e.get("Principal", {}).get("DataLakePrincipalIdentifier") == principal
        ]
    return summary


def call(
    client: Any,
    operation: str,
    *,
    account_id: str,
    grants: Iterable[Any] = (),
    job: Any = None,
    **params: Any,
) -> dict[str, Any]:
    """Call ``client.<operation>(**params)``, record one attempt row per grant concerned, translate errors."""
    service = client.meta.service_model.service_name
    started, clock = timezone.now(), time.perf_counter()
    call_id = uuid.uuid4().hex
    error: AwsError | None = None
    try:
        response = getattr(client, operation)(**params)
    except Exception as exc:  # noqa: BLE001 - every AWS failure is recorded, then raised as one typed error
        error = AwsError.from_exception(exc, f"{service}:{operation}")
        response = {}
    duration = int((time.perf_counter() - clock) * 1000)
    api_name = client.meta.method_to_api_mapping.get(operation, operation)
    targets = list(grants) or [None]
    AwsCallAttempt.objects.bulk_create(
        [
            AwsCallAttempt(
                call_id=call_id,
                job=job if len(targets) == 1 else None,
                grant=grant,
                service=service,
                operation=api_name,
                account_id=account_id,
                request_summary=_summarise(params, grant),
                outcome=AwsCallAttempt.Outcome.ERROR if error else AwsCallAttempt.Outcome.OK,
                error_code=error.code if error else "",
                error_message=error.message[:2000] if error else "",
                duration_ms=duration,
                started_at=started,
            )
            for grant in targets
        ]
    )
    if error is not None:
        raise error
    return response
