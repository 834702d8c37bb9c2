"""In-app notifications, e-mail through Django's mailer, and signed CloudEvents webhooks delivered to a real
local HTTP server (no mocks), with every attempt a row and retries backing off exponentially."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from access_requests import services
from meshportal.audit.models import AuditEvent
from meshportal.notifications import services as notifications
from meshportal.notifications.models import Notification, TeamWebhook, WebhookDelivery
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


def test_failed_deliveries_are_retried_with_exponential_backoff_one_row_per_attempt(personas, receiver, settings):
    settings.MESHPORTAL_WEBHOOK_RETRY_BASE_SECONDS = 10
    m = mesh(personas)
    notifications.webhook_create(
        actor=personas.producer,
        team=m.product.owner_team,
        url=receiver.url,
        event_types=["com.meshportal.access_request.created"],
    )
    receiver.statuses = [500, 503]
    ask(personas.consumer, m.port)  # on_commit callbacks are not run: deliver by hand, attempt by attempt
    first = WebhookDelivery.objects.get()
    for _ in range(3):
        pending = WebhookDelivery.objects.filter(status="pending").order_by("attempt").first()
        notifications.webhook_deliver(delivery_id=pending.pk)
    rows = list(WebhookDelivery.objects.filter(event_id=first.event_id).order_by("attempt"))
    assert [(r.attempt, r.status, r.response_status, r.will_retry) for r in rows] == [
        (1, "failed", 500, True),
        (2, "failed", 503, True),
        (3, "succeeded", 200, False),
    ]
    gaps = [(rows[i + 1].scheduled_for - rows[i].finished_at).total_seconds() for i in range(2)]
    assert 9 < gaps[0] < 11 and 19 < gaps[1] < 21
    assert len({h["X-Meshportal-Event-Id"] for h, _ in receiver.received}) == 1
    assert [h["X-Meshportal-Attempt"] for h, _ in receiver.received] == ["1", "2", "3"]


def test_a_4xx_answer_is_not_retried_and_an_unreachable_endpoint_is(personas, receiver):
    m = mesh(personas)
    notifications.webhook_create(actor=personas.producer, team=m.product.owner_team, url=receiver.url)
    receiver.statuses = [410]
    ask(personas.consumer, m.port)
    delivery = notifications.webhook_deliver(delivery_id=WebhookDelivery.objects.get().pk)
    assert (delivery.status, delivery.will_retry) == ("failed", False)
    assert WebhookDelivery.objects.count() == 1
    TeamWebhook.objects.update(url="http://127.0.0.1:9/nothing-listens")
    ask(personas.consumer, m.port, principal_arn="arn:aws:iam::333333333333:role/Other")
    delivery = notifications.webhook_deliver(delivery_id=WebhookDelivery.objects.filter(status="pending").get().pk)
    assert delivery.status == "failed" and delivery.will_retry and delivery.error
    assert WebhookDelivery.objects.filter(status="pending", attempt=2).count() == 1


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


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5005/_emulator/reset",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.8/hook",
        "http://localhost/hook",
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
