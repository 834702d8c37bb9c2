"""In-app notifications, e-mail through Django's mailer, and signed CloudEvents webhooks delivered to a real
local HTTP server (no mocks), on the outbox engine: one delivery per (webhook, event), every attempt a row,
retries backing off exponentially."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access_requests import services
from meshportal.audit.models import AuditEvent
from meshportal.notifications import services as notifications
from meshportal.notifications.models import Notification, TeamWebhook, WebhookDelivery, WebhookDeliveryAttempt
from meshportal.notifications.services import WEBHOOKS
from tests.access_requests.helpers import ask, mesh

pytestmark = pytest.mark.django_db


class Receiver:
    """A tiny webhook receiver: answers with the queued status codes (then 200) and keeps what it got."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"nope")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def test_rejection_notifies_the_requester_in_app_and_by_email(personas, django_capture_on_commit_callbacks):
    m = mesh(personas)
    request = ask(personas.consumer, m.port)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_reject(request=request, actor=personas.producer, reason="use the aggregate")
    note = Notification.objects.get(recipient=personas.consumer, event_type="access_request.rejected")
    assert note.url == f"/requests/{request.pk}/" and "use the aggregate" in note.body
    assert note.emailed_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [personas.consumer.email] and "rejected" in mail.outbox[0].subject


def test_a_new_request_notifies_the_approvers_of_its_first_stage(personas, django_capture_on_commit_callbacks):
    m = mesh(personas, classification="confidential")
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(personas.consumer, m.port)
    told = set(
        Notification.objects.filter(event_type="access_request.created").values_list("recipient__username", flat=True)
    )
    assert told == {"carol-consumer", "pat-producer"}
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_approve(request=request, actor=personas.producer, comment="")
    stage = set(
        Notification.objects.filter(event_type="access_request.stage_approved").values_list(
            "recipient__username", flat=True
        )
    )
    assert stage == {"carol-consumer", "sam-steward"}


def test_inbox_counter_and_mark_read(personas, client_for, django_capture_on_commit_callbacks):
    m = mesh(personas)
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(personas.consumer, m.port)
        services.access_request_reject(request=request, actor=personas.producer, reason="no")
    client = client_for(personas.consumer)
    assert "2 unread" in client.get("/notifications/counter/").content.decode()
    assert "was rejected" in client.get("/notifications/").content.decode()
    client.post("/notifications/read/")
    assert "0 unread" in client.get("/notifications/counter/").content.decode()
    api = client.get("/api/v1/notifications/").json()
    assert api["count"] == 2 and all(n["read_at"] for n in api["results"])


def test_webhook_receives_a_signed_cloudevent(personas, receiver, django_capture_on_commit_callbacks):
    m = mesh(personas)
    webhook = notifications.webhook_create(actor=personas.producer, team=m.product.owner_team, url=receiver.url)
    assert AuditEvent.objects.filter(event_type="notifications.webhook_changed").count() == 1
    request = ask(personas.consumer, m.port)
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_approve(request=request, actor=personas.producer, comment="fine")
    approved = [(h, b) for h, b in receiver.received if json.loads(b)["type"].endswith("access_request.approved")]
    assert len(approved) == 1
    headers, body = approved[0]
    assert notifications.verify_signature(webhook.secret, body, headers["X-Meshportal-Signature"])
    assert not notifications.verify_signature("wrong-secret", body, headers["X-Meshportal-Signature"])
    assert headers["Content-Type"].startswith("application/cloudevents+json")
    event = json.loads(body)
    assert event["specversion"] == "1.0" and event["type"] == "com.meshportal.access_request.approved"
    assert {"id", "source", "time", "data"} <= set(event)
    assert event["data"]["access_request"]["id"] == request.pk
    assert event["data"]["grant"]["status"] == "pending"
    assert WebhookDelivery.objects.get(event_id=event["id"]).status == "succeeded"


def _webhook_timing(settings, **changes):
    settings.MESHPORTAL_OUTBOX = {
        **settings.MESHPORTAL_OUTBOX,
        "webhook": {**settings.MESHPORTAL_OUTBOX["webhook"], **changes},
    }


def _due(delivery: WebhookDelivery) -> None:
    """Let the backoff pass."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def _attempts(delivery: WebhookDelivery) -> list[tuple[int, str, int | None, bool]]:
    return [
        (a.attempt, a.status, a.response_status, a.will_retry)
        for a in WebhookDeliveryAttempt.objects.filter(delivery=delivery).order_by("attempt")
    ]


@pytest.fixture
def hooked(personas, receiver):
    """A mesh whose producing team has a webhook on the receiver for new requests."""
    m = mesh(personas)
    notifications.webhook_create(
        actor=personas.producer,
        team=m.product.owner_team,
        url=receiver.url,
        event_types=["com.meshportal.access_request.created"],
    )
    return m


def test_a_5xx_is_retried_with_backoff_and_a_new_attempt_row(personas, hooked, receiver, settings):
    _webhook_timing(settings, retry_base_seconds=10, retry_max_seconds=15)
    receiver.statuses = [500, 503]
    ask(personas.consumer, hooked.port)  # on_commit callbacks are not run: deliver by hand, attempt by attempt
    delivery = WebhookDelivery.objects.get()
    ceilings = iter([10, 15])  # base x 2^(attempt-1), capped at 15
    for _ in range(2):
        notifications.webhook_deliver(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        last = WebhookDeliveryAttempt.objects.filter(delivery=delivery).latest("attempt")
        assert delivery.status == "retry" and delivery.last_error_code == f"http_{last.response_status}"
        assert 0 <= (delivery.next_attempt_at - last.finished_at).total_seconds() <= next(ceilings) + 0.5
        assert notifications.webhook_deliver(delivery_id=delivery.pk) is None  # not due yet: the backoff holds
        _due(delivery)
    delivered = notifications.webhook_deliver(delivery_id=delivery.pk)
    assert (delivered.status, delivered.attempts) == ("succeeded", 3)
    assert _attempts(delivery) == [(1, "failed", 500, True), (2, "failed", 503, True), (3, "succeeded", 200, False)]
    assert WebhookDelivery.objects.count() == 1  # one delivery, three attempt rows
    assert len({h["X-Meshportal-Event-Id"] for h, _ in receiver.received}) == 1
    assert [h["X-Meshportal-Attempt"] for h, _ in receiver.received] == ["1", "2", "3"]
    bodies = {b for _, b in receiver.received}
    assert len(bodies) == 1  # the same signed CloudEvent on every attempt


def test_a_404_fails_at_once(personas, hooked, receiver):
    receiver.statuses = [404]
    ask(personas.consumer, hooked.port)
    delivery = notifications.webhook_deliver(delivery_id=WebhookDelivery.objects.get().pk)
    assert (delivery.status, delivery.attempts, delivery.last_error_code) == ("failed", 1, "http_404")
    assert delivery.next_attempt_at is None and delivery.finished_at is not None
    assert _attempts(delivery) == [(1, "failed", 404, False)]
    assert notifications.webhook_deliver(delivery_id=delivery.pk) is None
    assert notifications.webhook_deliveries_relay(now=timezone.now() + timedelta(days=1)) == 0
    assert len(receiver.received) == 1


@pytest.mark.parametrize("status", [408, 429, 502])
def test_answers_that_can_heal_are_retried(personas, hooked, receiver, status):
    receiver.statuses = [status]
    ask(personas.consumer, hooked.port)
    delivery = notifications.webhook_deliver(delivery_id=WebhookDelivery.objects.get().pk)
    assert delivery.status == "retry" and _attempts(delivery) == [(1, "failed", status, True)]


def test_an_unreachable_endpoint_is_retried(personas, hooked):
    TeamWebhook.objects.update(url="http://127.0.0.1:9/nothing-listens")
    ask(personas.consumer, hooked.port)
    delivery = notifications.webhook_deliver(delivery_id=WebhookDelivery.objects.get().pk)
    attempt = WebhookDeliveryAttempt.objects.get(delivery=delivery)
    assert (delivery.status, delivery.last_error_code) == ("retry", "unreachable")
    assert attempt.status == "failed" and attempt.will_retry and attempt.error and attempt.response_status is None


def test_a_delivery_gives_up_after_max_attempts(personas, hooked, receiver, settings):
    _webhook_timing(settings, max_attempts=2)
    receiver.statuses = [500, 500]
    ask(personas.consumer, hooked.port)
    delivery = WebhookDelivery.objects.get()
    notifications.webhook_deliver(delivery_id=delivery.pk)
    _due(delivery)
    delivery = notifications.webhook_deliver(delivery_id=delivery.pk)
    assert (delivery.status, delivery.attempts, delivery.last_error_code) == ("failed", 2, "http_500")
    assert _attempts(delivery) == [(1, "failed", 500, True), (2, "failed", 500, False)]


def test_success_after_a_retry_shows_two_attempt_rows_in_the_log(personas, hooked, receiver, client_for):
    receiver.statuses = [500]
    ask(personas.consumer, hooked.port)
    delivery = WebhookDelivery.objects.get()
    notifications.webhook_deliver(delivery_id=delivery.pk)
    _due(delivery)
    notifications.webhook_deliver(delivery_id=delivery.pk)
    slug = hooked.product.owner_team.slug
    log = client_for(personas.producer).get(f"/api/v1/teams/{slug}/webhooks/deliveries/").json()
    assert log["count"] == 2
    assert [(r["attempt"], r["status"], r["response_status"], r["will_retry"]) for r in log["results"]] == [
        (2, "succeeded", 200, False),
        (1, "failed", 500, True),
    ]
    assert {r["delivery"] for r in log["results"]} == {delivery.pk}
    assert {r["event_id"] for r in log["results"]} == {delivery.event_id}
    html = client_for(personas.producer).get(f"/notifications/teams/{slug}/webhooks/").content.decode()
    assert html.count(delivery.event_id) == 2 and "Delivered" in html and "will retry" in html


def test_a_delivery_claimed_twice_is_sent_once(personas, hooked, receiver):
    ask(personas.consumer, hooked.port)
    delivery = WebhookDelivery.objects.get()
    assert WEBHOOKS.claim(job_id=delivery.pk, worker="first") is True
    assert notifications.webhook_deliver(delivery_id=delivery.pk) is None
    assert receiver.received == [] and not WebhookDeliveryAttempt.objects.exists()


def test_the_relay_re_drives_a_lost_delivery(personas, hooked, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the enqueue after commit is lost
        ask(personas.consumer, hooked.port)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    assert notifications.webhook_deliveries_relay() == 0  # too fresh: its own message may still be on the way
    WebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=timezone.now() - timedelta(seconds=30))
    assert notifications.webhook_deliveries_relay() == 1  # eager Celery in tests: the re-sent task delivers it
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and _attempts(delivery) == [(1, "succeeded", 200, False)]
    assert len(receiver.received) == 1


def test_a_delivery_whose_worker_died_is_taken_over_after_the_lease(personas, hooked, receiver, settings):
    ask(personas.consumer, hooked.port)
    delivery = WebhookDelivery.objects.get()
    WEBHOOKS.claim(job_id=delivery.pk, worker="dead")
    WebhookDeliveryAttempt.objects.create(
        delivery=delivery, attempt=1, scheduled_for=delivery.created_at, started_at=timezone.now()
    )
    assert notifications.webhook_deliveries_relay() == 0  # inside the lease: the worker may be alive
    lease = settings.MESHPORTAL_OUTBOX["webhook"]["lease_seconds"]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(claimed_at=timezone.now() - timedelta(seconds=lease + 1))
    assert notifications.webhook_deliveries_relay() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    lost, made = WebhookDeliveryAttempt.objects.filter(delivery=delivery).order_by("attempt")
    assert lost.status == "failed" and "stopped" in lost.error
    assert (made.attempt, made.status) == (2, "succeeded")
    assert [h["X-Meshportal-Attempt"] for h, _ in receiver.received] == ["2"]


def test_a_disabled_webhook_fails_its_delivery_with_the_reason(personas, hooked, receiver):
    ask(personas.consumer, hooked.port)
    TeamWebhook.objects.update(is_active=False)
    delivery = notifications.webhook_deliver(delivery_id=WebhookDelivery.objects.get().pk)
    assert (delivery.status, delivery.last_error_code, delivery.last_error) == (
        "failed",
        "webhook_disabled",
        "The webhook is disabled.",
    )
    assert _attempts(delivery) == [(1, "failed", None, False)] and receiver.received == []


def test_webhooks_page_shows_the_delivery_log_to_the_team_only(personas, client_for, receiver):
    m = mesh(personas)
    client = client_for(personas.producer)
    response = client.post(f"/notifications/teams/{m.product.owner_team.slug}/webhooks/", {"url": receiver.url})
    assert response.status_code == 302 and TeamWebhook.objects.count() == 1
    ask(personas.consumer, m.port)
    notifications.webhook_deliver(delivery_id=WebhookDelivery.objects.get().pk)
    html = client.get(f"/notifications/teams/{m.product.owner_team.slug}/webhooks/").content.decode()
    assert "com.meshportal.access_request.created" in html and "Delivered" in html and "HMAC-SHA256" in html
    assert (
        client_for(personas.outsider).get(f"/notifications/teams/{m.product.owner_team.slug}/webhooks/").status_code
        == 404
    )
    api = client_for(personas.producer).get(f"/api/v1/teams/{m.product.owner_team.slug}/webhooks/").json()
    assert api["count"] == 1 and api["results"][0]["secret"]
    auditor = client_for(personas.auditor).get(f"/api/v1/teams/{m.product.owner_team.slug}/webhooks/").json()
    assert auditor["results"][0]["secret"] == ""
    log = client_for(personas.producer).get(f"/api/v1/teams/{m.product.owner_team.slug}/webhooks/deliveries/").json()
    assert log["results"][0]["status"] == "succeeded"
    assert log["results"][0]["event_type"] == "com.meshportal.access_request.created"


@pytest.mark.parametrize("url", ["/notifications/teams/{slug}/webhooks/", "/api/v1/teams/{slug}/webhooks/deliveries/"])
def test_the_delivery_log_uses_a_constant_number_of_queries(
    personas, hooked, receiver, client_for, django_assert_num_queries, url
):
    url = url.format(slug=hooked.product.owner_team.slug)
    client = client_for(personas.producer)

    def deliveries(n: int) -> None:
        receiver.statuses = [500, 200] * n  # each delivery: a failed attempt, then a delivered one
        for i in range(n):
            ask(personas.consumer, hooked.port, principal_arn=f"arn:aws:iam::333333333333:role/R{n}-{i}")
        for delivery in WebhookDelivery.objects.filter(status="pending"):
            notifications.webhook_deliver(delivery_id=delivery.pk)
            _due(delivery)
            notifications.webhook_deliver(delivery_id=delivery.pk)

    deliveries(1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    deliveries(4)
    assert WebhookDeliveryAttempt.objects.count() == 10
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5005/_emulator/reset",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.8/hook",
        "http://localhost/hook",
        "http://100.64.0.1/hook",  # carrier-grade NAT (RFC 6598): not private, not global either
        "http://192.0.2.10/hook",  # documentation range
        "http://[::ffff:127.0.0.1]/hook",  # loopback behind an IPv4-mapped IPv6 address
    ],
)
def test_webhooks_may_not_call_internal_addresses(personas, team, settings, url):
    from meshportal.core.errors import ValidationFailed
    from meshportal.notifications import services as notification_services
    from meshportal.notifications.models import TeamWebhook

    settings.MESHPORTAL_WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationFailed) as exc:
        notification_services.webhook_create(actor=personas.admin, team=team, url=url)
    assert exc.value.code == "forbidden_destination"
    assert not TeamWebhook.objects.exists()


def test_a_delivery_checks_the_address_it_connects_to_not_the_one_seen_at_saving(personas, hooked, receiver, settings):
    """The hook was saved while its host looked public (here: private addresses were allowed); by delivery time
    it resolves to an internal address. The delivery refuses that connection, fails at once (waiting will not
    make the address public), and nothing reaches the receiver."""
    ask(personas.consumer, hooked.port)
    settings.MESHPORTAL_WEBHOOK_ALLOW_PRIVATE = False
    delivery = notifications.webhook_deliver(delivery_id=WebhookDelivery.objects.get().pk)
    assert delivery.status == "failed" and delivery.last_error_code == "forbidden_destination"
    assert "internal addresses" in delivery.last_error
    assert _attempts(delivery) == [(1, "failed", None, False)] and receiver.received == []


def test_a_delivery_resolves_its_host_once_and_connects_to_that_answer(personas, hooked, receiver, monkeypatch):
    """No second DNS answer between the check and the connection (DNS rebinding): one resolution per attempt."""
    import socket

    real = socket.getaddrinfo
    asked: list[str] = []

    def counting_getaddrinfo(host, *args, **kwargs):
        asked.append(host)
        return real(host, *args, **kwargs)

    ask(personas.consumer, hooked.port)
    monkeypatch.setattr(socket, "getaddrinfo", counting_getaddrinfo)
    delivery = notifications.webhook_deliver(delivery_id=WebhookDelivery.objects.get().pk)
    assert delivery.status == "succeeded" and len(receiver.received) == 1
    assert asked == [urllib.parse.urlsplit(receiver.url).hostname]
