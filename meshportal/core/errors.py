"""Domain errors raised by services. The API maps them to 4xx JSON, the UI to form errors or messages.

Every error carries a stable ``code`` (the API's ``code`` field; clients branch on it). App code passes a
member of its app's error-code enum (``catalog.errors.CatalogErrorCode``, ``access_requests.errors``,
``meshportal.identity.errors``, …), never a free string: a gate test (tests/gates/test_error_codes.py) fails
on a string literal. Without a ``code`` an error has its class's generic code (``CoreErrorCode``).
"""

from __future__ import annotations

from enum import StrEnum, unique
from typing import Any


@unique
class CoreErrorCode(StrEnum):
    """The generic codes of the error classes, for errors no app-specific code describes better."""

    CONFLICT = "conflict"
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    OUT_OF_RANGE = "out_of_range"  # a value Python cannot represent (a date past year 9999 once made UTC)


class DomainError(Exception):
    """A rule of the domain refused the action. ``code`` is stable; ``detail`` is for people."""

    status_code = 400
    code: StrEnum | str = CoreErrorCode.INVALID

    def __init__(
        self,
        detail: str,
        *,
        code: StrEnum | str | None = None,
        field: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.field = field
        self.extra = extra or {}


class ValidationFailed(DomainError):
    status_code = 400
    code = CoreErrorCode.INVALID

    def __init__(
        self,
        detail: str,
        *,
        errors: dict[str, list[str]] | None = None,
        code: StrEnum | str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(detail, code=code, field=field)
        self.errors = errors or ({field: [detail]} if field else {})


class NotAllowed(DomainError):
    status_code = 403
    code = CoreErrorCode.PERMISSION_DENIED


class NotFound(DomainError):
    status_code = 404
    code = CoreErrorCode.NOT_FOUND


class Conflict(DomainError):
    status_code = 409
    code = CoreErrorCode.CONFLICT
