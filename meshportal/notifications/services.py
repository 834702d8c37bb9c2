"""Notifications and team webhooks.

``event_publish`` runs inside the caller's transaction: it writes the in-app notifications and one webhook
delivery row per subscribed team webhook, and after commit enqueues the e-mails and the deliveries. Deliveries
run on the one outbox engine (``meshportal/core/outbox``, timing in ``MESHPORTAL_OUTBOX["webhook"]``): claimed
with a conditional update, every try recorded as a ``WebhookDeliveryAttempt`` row, the end fenced on the claim,
answers that can heal retried with the engine's backoff, and ``notifications.relay`` re-drives deliveries whose
message was lost or whose worker died.

Webhook requests (CloudEvents 1.0, structured mode, ``Content-Type: application/cloudevents+json``):

- ``X-MeshPortal-Signature: sha256=<hex>``: HMAC-SHA256 of the raw request body, keyed with the webhook's
  secret. Verify it over the exact bytes received, with a constant-time comparison, before parsing.
- ``X-MeshPortal-Event-Id`` (the CloudEvent ``id``, the same on every retry: deduplicate on it) and
  ``X-MeshPortal-Attempt``.
- Any 2xx is success. Timeouts, connection errors, 408, 429 and 5xx are retried with exponential backoff
  ("full jitter" up to ``MESHPORTAL_WEBHOOK_RETRY_BASE_SECONDS`` × 2^(attempt-1), capped at
  ``MESHPORTAL_WEBHOOK_RETRY_MAX_SECONDS``, up to ``MESHPORTAL_WEBHOOK_MAX_ATTEMPTS`` attempts); other 4xx fail
  at once: the receiver refused the event and a retry would be refused again.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record
from meshportal.core.errors import NotAllowed, ValidationFailed
from meshportal.core.outbox import Outbox, OutboxStatus
from meshportal.core.outbox.engine import worker_token
from meshportal.identity import roles
from meshportal.identity.actors import Actor
from meshportal.identity.models import Team, User
from meshportal.notifications.errors import NotificationErrorCode
from meshportal.notifications.models import Notification, TeamWebhook, WebhookDelivery, WebhookDeliveryAttempt

SIGNATURE_HEADER = "X-MeshPortal-Signature"
EVENT_TYPE_PREFIX = "com.meshportal."
RESPONSE_BODY_LIMIT = 2000
WEBHOOKS: Outbox[WebhookDelivery] = Outbox(
    kind="webhook", model=WebhookDelivery, task_name="notifications.deliver_webhook"
)
SEND_EMAILS_TASK = "notifications.send_emails"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def cloud_event_type(event_type: str) -> str:
    return f"{EVENT_TYPE_PREFIX}{event_type}"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does: recompute over the raw body and compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header or "")


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":"), sort_keys=True).encode()


def cloud_event(*, event_type: str, source: str, subject: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "type": cloud_event_type(event_type),
        "subject": subject,
        "time": timezone.now().isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": json.loads(json.dumps(data, cls=DjangoJSONEncoder)),
    }


# --- Publishing ----------------------------------------------------------------------------------


@transaction.atomic
def event_publish(
    *,
    event_type: str,
    title: str,
    body: str,
    url: str,
    recipient_ids: Iterable[int],
    webhook_team_ids: Iterable[int],
    source: str,
    subject: str,
    data: dict[str, Any],
) -> None:
    """Tell the people concerned (in the portal and by e-mail) and the teams' webhooks about one event."""
    recipients = sorted(set(recipient_ids))
    notifications = Notification.objects.bulk_create(
        [
            Notification(recipient_id=uid, event_type=event_type, title=title[:200], body=body, url=url)
            for uid in recipients
        ]
    )
    ce_type = cloud_event_type(event_type)
    webhooks = [
        w for w in TeamWebhook.objects.filter(team_id__in=set(webhook_team_ids), is_active=True) if w.wants(ce_type)
    ]
    deliveries: list[WebhookDelivery] = []
    if webhooks:
        event = cloud_event(event_type=event_type, source=source, subject=subject, data=data)
        deliveries = WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(webhook=w, event_id=event["id"], event_type=ce_type, payload=event) for w in webhooks]
        )
    notification_ids = [n.pk for n in notifications if n.pk is not None]
    if notification_ids:
        # By name, as the outbox engine sends: the tasks module imports this one.
        transaction.on_commit(lambda: current_app.tasks[SEND_EMAILS_TASK].delay(notification_ids))
    for delivery in deliveries:
        if delivery.pk is not None:
            WEBHOOKS.enqueue_on_commit(delivery.pk)


def notification_emails_send(*, notification_ids: list[int]) -> int:
    """E-mail each notification once (Django's mailer; the console backend in the demo). Returns the count."""
    sent = 0
    rows = Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).select_related("recipient")
    base = _setting("MESHPORTAL_BASE_URL", "http://localhost:8000").rstrip("/")
    for notification in rows:
        # Claim first, so that a re-run never sends the same e-mail twice.
        if (
            Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
            != 1
        ):
            continue
        address = notification.recipient.email
        if not address:
            continue
        text = f"{notification.body}\n\n{base}{notification.url}\n" if notification.url else notification.body
        EmailMessage(subject=f"[MeshPortal] {notification.title}", body=text, to=[address]).send()
        sent += 1
    return sent


# --- Reading and marking notifications ------------------------------------------------------------


def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read: the given ones, or all. Not audited (no security meaning)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


# --- Webhooks ------------------------------------------------------------------------------------


def can_manage_webhooks(user: Any, team: Team) -> bool:
    return roles.is_platform_admin(user) or team.pk in roles.team_ids(user)


def _require_manager(actor: Actor, team: Team) -> None:
    if not can_manage_webhooks(actor, team):
        raise NotAllowed("Only the team's members and platform admins manage its webhooks.")


@transaction.atomic
def webhook_create(
    *, actor: Actor, team: Team, url: str, description: str = "", event_types: list[str] | None = None
) -> TeamWebhook:
    _require_manager(actor, team)
    url = url.strip()
    if not url.startswith(("https://", "http://")):
        raise ValidationFailed(
            "A webhook URL must start with https:// (or http:// for local testing).",
            field="url",
            code=NotificationErrorCode.INVALID_URL,
        )
    problem = destination_problem(url)
    if problem:
        raise ValidationFailed(problem, field="url", code=NotificationErrorCode.FORBIDDEN_DESTINATION)
    unknown = [t for t in event_types or [] if not t.startswith(EVENT_TYPE_PREFIX)]
    if unknown:
        raise ValidationFailed(
            f"Event types start with {EVENT_TYPE_PREFIX}: {', '.join(unknown)}.", field="event_types"
        )
    webhook = TeamWebhook.objects.create(
        team=team,
        url=url,
        description=description.strip()[:200],
        secret=secrets.token_hex(32),
        event_types=event_types or [],
        created_by=actor if isinstance(actor, User) else None,
    )
    audit_record(
        actor=actor,
        event_type=EventType.WEBHOOK_CHANGED,
        obj=webhook,
        after={"team": team.slug, "url": url, "event_types": webhook.event_types, "action": "created"},
    )
    return webhook


@transaction.atomic
def webhook_delete(*, actor: Actor, webhook: TeamWebhook) -> None:
    _require_manager(actor, webhook.team)
    audit_record(
        actor=actor,
        event_type=EventType.WEBHOOK_CHANGED,
        obj=webhook,
        before={"team": webhook.team.slug, "url": webhook.url},
        after={"action": "deleted"},
    )
    webhook.delete()


def _retryable(status: int | None) -> bool:
    return status is None or status in (408, 429) or status >= 500


def _internal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Webhooks call only globally routable addresses. ``is_global`` is False for loopback, private (RFC 1918),
    link-local (cloud metadata), carrier-grade NAT (100.64.0.0/10), documentation, benchmarking and the other
    special-purpose ranges of the IANA registries; multicast is never a webhook endpoint."""
    return not ip.is_global or ip.is_multicast


def _allow_internal() -> bool:
    return bool(_setting("MESHPORTAL_WEBHOOK_ALLOW_PRIVATE", False))


def destination_problem(url: str) -> str:
    """Why the portal must not call ``url``, or "": checked when a hook is saved, to answer the producer at once.
    Deliveries do not rely on it: they check the address they actually connect to (``_guarded_connection``).
    MESHPORTAL_WEBHOOK_ALLOW_PRIVATE=1 lifts this for development and tests."""
    if _allow_internal():
        return ""
    host = urllib.parse.urlsplit(url).hostname
    if not host:
        return "The webhook URL has no host."
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except OSError:
        return f"The webhook host {host!r} does not resolve."
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if _internal(ip):
            return f"Webhooks may not call internal addresses ({host} is {ip})."
    return ""


class ForbiddenDestination(OSError):
    """A delivery's host resolved to an address webhooks may not call."""


def _guarded_connection(
    address: tuple[str, int], timeout: float | None = None, source_address: tuple[str, int] | None = None
) -> socket.socket:
    """``socket.create_connection`` that resolves the host once, refuses it if any of its addresses is internal,
    and connects to one of exactly those addresses: no second DNS answer between the check and the connection
    (DNS rebinding)."""
    host, port = address
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not _allow_internal():
        for *_, sockaddr in infos:
            ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
            if _internal(ip):
                raise ForbiddenDestination(f"Webhooks may not call internal addresses ({host} is {ip}).")
    last_error: OSError = OSError(f"{host} has no address")
    for family, socktype, proto, _, sockaddr in infos:
        sock = socket.socket(family, socktype, proto)
        try:
            if isinstance(timeout, int | float):
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
        except OSError as exc:
            sock.close()
            last_error = exc
            continue
        return sock
    raise last_error


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_connection


class _GuardedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _guarded_connection  # TLS is wrapped around it with the hostname (SNI, check)


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self) -> None:
        super().__init__()
        self.tls = ssl.create_default_context()  # certificates and hostnames verified, as urllib does by default

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPSConnection, req, context=self.tls)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect could lead a delivery to an internal address: treat it as the endpoint's answer."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxies from the environment (a proxy would be the address checked), no redirects, guarded connections.
_OPENER = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _NoRedirects, _GuardedHTTPHandler, _GuardedHTTPSHandler
)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str, str, bool]:
    """POST and return (status, response body, error, whether a retry could heal it). No exception leaves:
    every outcome is an attempt row."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only
    timeout = float(_setting("MESHPORTAL_WEBHOOK_TIMEOUT_SECONDS", 10.0))
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read(RESPONSE_BODY_LIMIT).decode(errors="replace"), "", False
    except urllib.error.HTTPError as exc:
        body_text = exc.read(RESPONSE_BODY_LIMIT).decode(errors="replace")
        return exc.code, body_text, f"HTTP {exc.code}", _retryable(exc.code)
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ForbiddenDestination):
            return None, "", str(exc.reason), False  # the address will not become public by waiting
        return None, "", f"{type(exc).__name__}: {exc.reason}", True
    except (TimeoutError, OSError) as exc:
        return None, "", f"{type(exc).__name__}: {exc}", True


def _outcome_code(status: int | None) -> str:
    return f"http_{status}" if status is not None else "unreachable"


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery | None:
    """Make one delivery attempt: claim the delivery, record the attempt, POST, and end the delivery or put it
    back for a later attempt. Returns None when there was nothing to claim (delivered, failed, not due yet,
    or another worker holds it: a redelivered message changes nothing)."""
    due = WebhookDelivery.objects.filter(pk=delivery_id).values_list("next_attempt_at", "created_at").first()
    if due is None:
        return None
    worker = worker_token()
    if not WEBHOOKS.claim(job_id=delivery_id, worker=worker):
        return None
    try:
        _attempt(WebhookDelivery.objects.select_related("webhook").get(pk=delivery_id), scheduled_for=due[0] or due[1])
    except Exception as exc:
        # Not the receiver's answer (a database error, a bug): back for a later try, with the reason.
        WEBHOOKS.release_after_crash(job_ids=[delivery_id], worker=worker, error=exc)
        raise
    return WebhookDelivery.objects.get(pk=delivery_id)


def _attempt(delivery: WebhookDelivery, *, scheduled_for: datetime) -> None:
    now = timezone.now()
    # An attempt left "sending" was cut short by a worker that died; the engine's lease handed the delivery over.
    WebhookDeliveryAttempt.objects.filter(delivery=delivery, status=WebhookDeliveryAttempt.Status.SENDING).update(
        status=WebhookDeliveryAttempt.Status.FAILED,
        finished_at=now,
        error="The worker making this attempt stopped before it ended; its outcome is unknown.",
    )
    attempt = WebhookDeliveryAttempt.objects.create(
        delivery=delivery, attempt=delivery.attempts, scheduled_for=scheduled_for, started_at=now
    )
    webhook = delivery.webhook
    if not webhook.is_active:
        _end(
            delivery,
            attempt,
            status=None,
            response_body="",
            error="The webhook is disabled.",
            code=NotificationErrorCode.WEBHOOK_DISABLED,
            can_heal=False,
        )
        return
    body = encode(delivery.payload)
    headers = {
        "Content-Type": "application/cloudevents+json; charset=utf-8",
        "User-Agent": "MeshPortal-Webhooks/1.0",
        SIGNATURE_HEADER: sign(webhook.secret, body),
        "X-MeshPortal-Event-Id": delivery.event_id,
        "X-MeshPortal-Attempt": str(delivery.attempts),
    }
    started = time.monotonic()
    status, response_body, error, can_heal = _post(webhook.url, body, headers)
    duration = int((time.monotonic() - started) * 1000)
    _end(
        delivery,
        attempt,
        status=status,
        response_body=response_body,
        error=error,
        duration_ms=duration,
        code=_outcome_code(status) if can_heal or status is not None else NotificationErrorCode.FORBIDDEN_DESTINATION,
        can_heal=can_heal,
    )


@transaction.atomic
def _end(
    delivery: WebhookDelivery,
    attempt: WebhookDeliveryAttempt,
    *,
    status: int | None,
    response_body: str,
    error: str,
    code: str,
    can_heal: bool,
    duration_ms: int = 0,
) -> None:
    """Record the attempt's outcome and, fenced on the claim, end the delivery or put it back for later."""
    ok = status is not None and 200 <= status < 300
    will_retry = False
    if ok:
        WEBHOOKS.finish(delivery, status=OutboxStatus.SUCCEEDED)
    elif can_heal and WEBHOOKS.may_retry(delivery):
        will_retry = WEBHOOKS.reschedule(delivery, code=code, message=error or f"HTTP {status}")
    else:
        WEBHOOKS.finish(delivery, status=OutboxStatus.FAILED, code=code, message=error or f"HTTP {status}")
    # The attempt happened whatever the fence said: it is recorded even if the claim was lost meanwhile.
    WebhookDeliveryAttempt.objects.filter(pk=attempt.pk).update(
        status=WebhookDeliveryAttempt.Status.SUCCEEDED if ok else WebhookDeliveryAttempt.Status.FAILED,
        finished_at=timezone.now(),
        response_status=status,
        response_body=response_body[:RESPONSE_BODY_LIMIT],
        error=error[:2000],
        duration_ms=duration_ms,
        will_retry=will_retry,
    )


def webhook_deliveries_relay(*, now: datetime | None = None) -> int:
    """Re-drive deliveries whose message was lost, whose retry is due, or whose worker died (the beat's
    ``notifications.relay``). Claiming makes it harmless to send one twice."""
    return WEBHOOKS.relay(now=now)
