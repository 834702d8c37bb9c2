"""A request id that follows one piece of work from the web request into the Celery tasks it starts.

The id comes from the incoming ``X-Request-ID`` header when it is well formed, or is generated; it is
echoed in the response, added to every log record, stored on audit events, and travels to Celery
tasks in a message header.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from celery import signals
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_current: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def get_request_id() -> str:
    return _current.get()


def set_request_id(value: str) -> contextvars.Token[str]:
    return _current.set(value)


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _VALID.match(incoming) else new_request_id()
        token = _current.set(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _current.get() or None
        return True


@signals.before_task_publish.connect
def _add_request_id_header(headers: dict[str, Any] | None = None, **_: Any) -> None:
    if headers is not None and (request_id := _current.get()):
        headers.setdefault("request_id", request_id)


@signals.task_prerun.connect
def _restore_request_id(task: Any = None, **_: Any) -> None:
    request_id = getattr(task.request, "request_id", None) if task is not None else None
    _current.set(request_id or f"task-{new_request_id()}")


@signals.task_postrun.connect
def _clear_request_id(**_: Any) -> None:
    _current.set("")
