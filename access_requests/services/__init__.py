"""Access requests and grants: every state change, keyword-only, atomic, audited in the same transaction.

Request lifecycle: pending → approved → provisioning → granted | failed; rejected; withdrawn (by the
requester, before or after the grant); expired; revoked. The provisioning worker reports back through the
``grant_mark_*`` services; the UI and the API call the ones that take an ``actor``.

Deprecated products: requests are allowed (consumers still on them may need access while they migrate) and
the request form warns; draft and retired products are refused.

Split by subject: ``requests`` (create, withdraw, extend), ``decisions`` (approve, reject, the port's approval
policy), ``grants`` (revoke, expire, remind, retry), ``worker`` (the provisioning worker's ``grant_mark_*``
reports); ``common`` holds what they share. Import from here: ``from access_requests import services``.
"""

from access_requests.services.common import (
    EXPIRY,
    LIVE_GRANT,
    POLICY,
    REMINDER_DAYS,
    REQUESTABLE,
    WORKER,
    default_until,
    end_of_day,
)
from access_requests.services.decisions import access_policy_set, access_request_approve, access_request_reject
from access_requests.services.grants import (
    grant_expire,
    grant_retry,
    grant_revoke,
    grants_expire_due,
    grants_remind_expiring,
)
from access_requests.services.requests import (
    access_request_create,
    access_request_extend,
    access_request_withdraw,
    open_request_for,
    principal_account,
)
from access_requests.services.worker import (
    grant_mark_applied,
    grant_mark_end_failed,
    grant_mark_ended,
    grant_mark_failed,
    grant_mark_partially_applied,
    grant_mark_provisioning,
)

__all__ = [
    "EXPIRY",
    "LIVE_GRANT",
    "POLICY",
    "REMINDER_DAYS",
    "REQUESTABLE",
    "WORKER",
    "access_policy_set",
    "access_request_approve",
    "access_request_create",
    "access_request_extend",
    "access_request_reject",
    "access_request_withdraw",
    "default_until",
    "end_of_day",
    "grant_expire",
    "grant_mark_applied",
    "grant_mark_end_failed",
    "grant_mark_ended",
    "grant_mark_failed",
    "grant_mark_partially_applied",
    "grant_mark_provisioning",
    "grant_retry",
    "grant_revoke",
    "grants_expire_due",
    "grants_remind_expiring",
    "open_request_for",
    "principal_account",
]
