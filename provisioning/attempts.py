"""Every AWS call the provisioning worker makes is an attempt row (AwsCallAttempt): what, where, how long,
and how it ended. Rows are written outside the job's transaction so that failures stay on record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from meshportal.aws.gateway import AwsCall, CallObserver
from meshportal.aws.gateway import call as gateway_call
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


def attempt_recorder(*, grants: Iterable[Any] = (), job: Any = None) -> CallObserver:
    """An observer that writes one attempt row per grant the call concerns (one row when it concerns none)."""
    targets = list(grants) or [None]

    def record(aws_call: AwsCall) -> None:
        error = aws_call.error
        AwsCallAttempt.objects.bulk_create(
            [
                AwsCallAttempt(
                    call_id=aws_call.call_id,
                    job=job if len(targets) == 1 else None,
                    grant=grant,
                    service=aws_call.service,
                    operation=aws_call.operation,
                    account_id=aws_call.account_id,
                    request_summary=_summarise(aws_call.params, grant),
                    outcome=AwsCallAttempt.Outcome.ERROR if error else AwsCallAttempt.Outcome.OK,
                    error_code=error.code if error else "",
                    error_message=error.message[:2000] if error else "",
                    duration_ms=aws_call.duration_ms,
                    started_at=aws_call.started_at,
                )
                for grant in targets
            ]
        )

    return record


def call(
    client: Any, operation: str, *, account_id: str, grants: Iterable[Any] = (), job: Any = None, **params: Any
) -> dict[str, Any]:
    """Call ``client.<operation>(**params)`` through the gateway, recording one attempt row per grant."""
    return gateway_call(
        client, operation, account_id=account_id, observer=attempt_recorder(grants=grants, job=job), **params
    )
