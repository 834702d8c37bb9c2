"""Reading which AWS operation a request is, and writing AWS error responses, from the raw WSGI request.

Used before moto sees the request (call counting, fault injection), so it must be cheap: the service
comes from the SigV4 credential scope, the operation from ``X-Amz-Target`` (JSON protocol), the path
(REST-JSON: Lake Formation, RAM) or the ``Action`` form field (query protocol: STS, IAM).
Protocols: https://smithy.io/2.0/aws/protocols/index.html
"""

from __future__ import annotations

import functools
import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

import botocore.session
from botocore.model import ServiceModel
from werkzeug.wrappers import Response

_SESSION = botocore.session.get_session()


@dataclass(frozen=True)
class Operation:
    service: str
    name: str


@functools.lru_cache(maxsize=64)
def service_model(service: str) -> ServiceModel | None:
    try:
        return _SESSION.get_service_model(service)
    except Exception:  # noqa: BLE001 - unknown signing names are simply not modelled
        return None


@functools.lru_cache(maxsize=64)
def _rest_routes(service: str) -> dict[tuple[str, str], str]:
    """(method, lower-case path) -> operation, for the operations whose URI has no placeholders."""
    model = service_model(service)
    routes: dict[tuple[str, str], str] = {}
    if model is None or not model.protocol.startswith("rest-"):
        return routes  # JSON and query protocols send every operation to "/"
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = str(http.get("requestUri", "/")).split("?")[0]
        if "{" not in uri:
            routes[(str(http.get("method", "POST")), uri.lower().rstrip("/") or "/")] = name
    return routes


def _service_from_auth(environ: dict[str, Any]) -> str | None:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    # The credential scope reads AKID/date/region/service/aws4_request.
    try:
        scope = auth.split("Credential=", 1)[1].split(",", 1)[0]
        return scope.split("/")[3].lower()
    except IndexError:
        return None


def _form_action(environ: dict[str, Any]) -> str | None:
    if not str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)  # moto reads the body again
    values = parse_qs(body.decode("utf-8", "replace")).get("Action")
    return values[0] if values else None


def identify(environ: dict[str, Any]) -> Operation | None:
    service = _service_from_auth(environ)
    if service is None:
        return None
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return Operation(service, target.rsplit(".", 1)[-1])
    path = str(environ.get("PATH_INFO", "/")).lower().rstrip("/") or "/"
    name = _rest_routes(service).get((str(environ.get("REQUEST_METHOD", "POST")), path))
    if name is None:
        name = _form_action(environ) or "Unknown"
    return Operation(service, name)


def error_response(service: str, code: str, message: str, status: int) -> Response:
    """An error in the service's own wire shape, so botocore raises ClientError with this ``code``
    (and applies its retry rules: throttling codes and 5xx are retried).
    https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
    """
    request_id = str(uuid.uuid4())
    model = service_model(service)
    protocol = model.protocol if model is not None else "json"
    if protocol in ("json", "rest-json"):
        body = json.dumps({"__type": code, "message": message})
        content_type = "application/x-amz-json-1.1" if protocol == "json" else "application/json"
        headers = {"x-amzn-ErrorType": code, "x-amzn-RequestId": request_id}
        return Response(body, status=status, content_type=content_type, headers=headers)
    message = escape(message)
    if protocol == "rest-xml":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
    else:  # query, ec2
        kind = "Receiver" if status >= 500 else "Sender"
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    return Response(body, status=status, content_type="text/xml", headers={"x-amzn-RequestId": request_id})


def json_content_type(service: str, start_response: Callable[..., Any]) -> Callable[..., Any]:
    """moto returns some JSON bodies (Lake Formation's and RAM's, e.g. ``AddLFTagsToResource``) without a
    ``Content-Type``, which Flask then labels ``text/html``. AWS labels REST-JSON answers
    ``application/json`` and JSON-protocol answers ``application/x-amz-json-1.1``:
    https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html#content-type
    """
    model = service_model(service)
    protocol = model.protocol if model is not None else ""
    if protocol not in ("json", "rest-json"):
        return start_response
    wanted = "application/x-amz-json-1.1" if protocol == "json" else "application/json"

    def relabel(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
        headers = [
            (name, wanted if name.lower() == "content-type" and value.startswith("text/html") else value)
            for name, value in headers
        ]
        return start_response(status, headers, *args)

    return relabel
