"""REST API plumbing shared by every app: error format, pagination, permission helpers.

Every error leaves the API as ``{"code": "...", "detail": "...", "errors": {...}}`` with a 4xx status;
``errors`` (field → messages) is present for validation errors only.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from meshportal.core.errors import DomainError, ValidationFailed
from meshportal.identity import roles
from meshportal.identity.models import User

_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.ParseError: "parse_error",
    exceptions.Throttled: "throttled",
}


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(value, dict):
                for sub, msgs in _flatten(value).items():
                    out[f"{key}.{sub}"] = msgs
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for i, item in enumerate(value):
                    for sub, msgs in _flatten(item).items():
                        out[f"{key}[{i}].{sub}"] = msgs
            elif isinstance(value, list):
                out[str(key)] = [str(v) for v in value]
            else:
                out[str(key)] = [str(value)]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(v) for v in detail]}
    return {"non_field_errors": [str(detail)]}


def _summary(errors: dict[str, list[str]]) -> str:
    parts = [
        f"{field}: {' '.join(msgs)}" if field != "non_field_errors" else " ".join(msgs)
        for field, msgs in errors.items()
    ]
    return "; ".join(parts) or "Invalid input."


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        body: dict[str, Any] = {"code": str(exc.code), "detail": exc.detail}
        if isinstance(exc, ValidationFailed) and exc.errors:
            body["errors"] = exc.errors
        body.update(exc.extra)
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        errors = _flatten(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        return Response(
            {"code": "invalid", "detail": _summary(errors), "errors": errors}, status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        response.data = {"code": "invalid", "detail": _summary(errors), "errors": errors}
        return response
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None)
    detail = response.data.get("detail", str(exc)) if isinstance(response.data, dict) else str(exc)
    response.data = {"code": code or getattr(exc, "default_code", "error"), "detail": str(detail)}
    return response


def acting_user(request: Request) -> User:
    """The signed-in user of a request to an endpoint behind ``IsAuthenticated`` (the default permission class).

    DRF types ``request.user`` as ``User | AnonymousUser``; services that act for someone take a ``User``.
    """
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated()
    return user


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class StableCursorPagination(CursorPagination):
    """Keyset pagination for large, append-mostly lists (audit events, grants)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "description": "Stable machine-readable error code."},
        "detail": {"type": "string", "description": "What went wrong, for people."},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "Field → messages, for validation errors.",
        },
    },
    "required": ["code", "detail"],
    "additionalProperties": True,
}
_ERROR_RESPONSES = {
    "400": "Invalid input; nothing was changed.",
    "401": "Not authenticated.",
    "403": "Authenticated, but not allowed to see or do this.",
    "404": "Not found, or not visible to you.",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "409": "Conflicts with the current state; nothing was changed.",
    "415": "Unsupported media type.",
    "429": "Too many requests.",
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular post-processing hook: document the error body every endpoint may return."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in _ERROR_RESPONSES.items():
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": ref}}}
                )
    return result


class PlatformAdminWrites(permissions.BasePermission):
    """Reads for every signed-in user; writes for platform admins only (checked before input is parsed,
    so an outsider learns nothing from validation errors). Services enforce the same rule again."""

    message = "Only platform admins can change this."

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return roles.is_platform_admin(request.user)


class ModelSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    # A ModelSerializer whose read-only choice fields keep the model's ``blank=True`` (a comment, not a
    # docstring: drf-spectacular would show a docstring as the description of every subclass's schema).
    # DRF drops ``allow_blank`` from read-only fields, so drf-spectacular documented such a field as its enum
    # alone while the API answers "" for "not set" (a product or column without a classification, a grant
    # that has not ended): a generated client then refused the answer. Keeping ``allow_blank`` documents the
    # field as ``oneOf: [<Enum>, BlankEnum]``, as the request side says too.
    # tests/gates/test_response_enums.py checks every enum in every answer against the schema.

    def include_extra_kwargs(
        self, kwargs: MutableMapping[str, Any], extra_kwargs: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        keep_blank = bool(kwargs.get("allow_blank")) and "choices" in kwargs
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if keep_blank and kwargs.get("read_only"):
            kwargs["allow_blank"] = True
        return kwargs
