"""One outbox engine for every kind of durable background work (STYLE.md §6, §7).

The web writes a row in the same transaction as the decision that needs it; the row is enqueued after
commit; a worker claims it with a conditional update (one claimant wins; a claim older than the lease counts
as abandoned and can be taken over); every terminal update is fenced on the claim; errors that can heal are
rescheduled with full-jitter backoff; a beat relay re-drives what a lost message or a dead worker left
behind. Provisioning jobs, Glue harvests and webhook deliveries all run on it: each declares an ``Outbox``
with its model (a subclass of ``OutboxJob``), its Celery task name and its timing settings
(``settings.MESHPORTAL_OUTBOX[kind]``).
"""

from meshportal.core.outbox.engine import Outbox, OutboxTiming
from meshportal.core.outbox.models import OutboxJob, OutboxStatus

__all__ = ["Outbox", "OutboxJob", "OutboxStatus", "OutboxTiming"]
