"""The webhook signature scheme is documented in the README and in the API documentation, and the
verification example both show works on a delivery the portal really sent."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from access_requests import services
from meshportal.notifications import services as notifications
from meshportal.notifications.api.schema import WEBHOOK_VERIFY_EXAMPLE
from tests.access_requests.helpers import ask, mesh
from tests.notifications.test_notifications import receiver  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

README = Path(settings.BASE_DIR) / "README.md"


def _python_blocks(markdown: str) -> list[str]:
    return list(re.findall(r"```python\n(.*?)```", markdown, flags=re.DOTALL))


def _webhooks_section(markdown: str) -> str:
    start = markdown.index("### Webhooks\n")
    end = markdown.index("\n## ", start)
    return markdown[start:end]


def test_readme_and_api_description_show_the_same_verification_example(client_for, personas):
    readme_blocks = _python_blocks(_webhooks_section(README.read_text(encoding="utf-8")))
    assert readme_blocks == [WEBHOOK_VERIFY_EXAMPLE]
    schema = client_for(personas.consumer).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    description = schema["info"]["description"]
    assert notifications.SIGNATURE_HEADER in description and "X-MeshPortal-Event-Id" in description
    assert _python_blocks(description) == [WEBHOOK_VERIFY_EXAMPLE]


def test_the_documented_example_verifies_a_real_delivery(
    personas,
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    namespace: dict[str, Any] = {}
    exec(compile(WEBHOOK_VERIFY_EXAMPLE, "README.md#webhooks", "exec"), namespace)
    verify = namespace["verify_meshportal_webhook"]
    m = mesh(personas)
    webhook = notifications.webhook_create(actor=personas.producer, team=m.product.owner_team, url=receiver.url)
    request = ask(personas.consumer, m.port)
    with django_capture_on_commit_callbacks(execute=True):
        services.access_request_approve(request=request, actor=personas.producer, comment="fine")
    assert receiver.received
    for headers, body in receiver.received:
        event = verify(webhook.secret, body, headers["X-Meshportal-Signature"])
        assert event == json.loads(body) and event["id"] == headers["X-Meshportal-Event-Id"]
        with pytest.raises(PermissionError):
            verify("another-secret", body, headers["X-Meshportal-Signature"])
        with pytest.raises(PermissionError):
            verify(webhook.secret, body + b" ", headers["X-Meshportal-Signature"])
