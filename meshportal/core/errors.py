"""Domain errors raised by services. The API maps them to 4xx JSON, the UI to form errors or messages."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain refused the action. ``code`` is stable; ``detail`` is for people."""

    status_code = 400
    code = "invalid"

    def __init__(
        self, detail: str, *, code: str | None = None, field: str | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.field = field
        self.extra = extra or {}


class ValidationFailed(DomainError):
    status_code = 400
    code = "invalid"

    def __init__(
        self,
        detail: str,
        *,
        errors: dict[str, list[str]] | None = None,
        code: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(detail, code=code, field=field)
        self.errors = errors or ({field: [detail]} if field else {})


class NotAllowed(DomainError):
    status_code = 403
    code = "permission_denied"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"
