"""The webhook signature scheme, in the API documentation (drf-spectacular post-processing hook).

The same text (and the same verification example) is in the README's "Webhooks" section;
``tests/notifications/test_webhook_docs.py`` checks both say the same and runs the example against a delivery
signed by ``meshportal.notifications.services``.
"""

from __future__ import annotations

from typing import Any

WEBHOOK_VERIFY_EXAMPLE = '''\
import hashlib
import hmac
import json


def verify_meshportal_webhook(secret: str, body: bytes, signature_header: str) -> dict:
    """Check X-MeshPortal-Signature over the raw body, then parse the CloudEvent."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature_header or ""):
        raise PermissionError("bad webhook signature")
    return json.loads(body)
'''

WEBHOOK_DOCUMENTATION = f"""\
## Webhooks

A team's webhooks receive every event about the team's products and requests as an HTTP `POST` of one
[CloudEvent 1.0](https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md) in structured mode
(`Content-Type: application/cloudevents+json; charset=utf-8`; `type` is `com.meshportal.<event>`).

| header | meaning |
|---|---|
| `X-MeshPortal-Signature` | `sha256=<hex>`: HMAC-SHA256 of the **raw request body**, keyed with the webhook's secret |
| `X-MeshPortal-Event-Id` | the CloudEvent `id`; the same on every retry of one event: deduplicate on it |
| `X-MeshPortal-Attempt` | 1 for the first try, then 2, 3, ... |

Verify the signature over the exact bytes received, with a constant-time comparison, **before** parsing
the body; reject the request (any 4xx) when it does not match. Any 2xx is success. Timeouts, connection
errors, 408, 429 and 5xx are retried with exponential backoff; other 4xx fail at once. The secret is in the
answer that creates the webhook (and the page's message), and in the webhook API for the team's members and
platform admins; rotate it by creating a new webhook and deleting the old one.

```python
{WEBHOOK_VERIFY_EXAMPLE}```
"""


def add_webhook_documentation(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: the webhook signature scheme in the API's description."""
    info = result.setdefault("info", {})
    description = info.get("description", "")
    info["description"] = f"{description}\n\n{WEBHOOK_DOCUMENTATION}" if description else WEBHOOK_DOCUMENTATION
    return result
