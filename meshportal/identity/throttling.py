"""Login throttling: which address a request comes from, and what a locked-out login is answered.

django-axes counts failures and refuses logins (settings "Login throttling and lockout"); this module is the
part of that wiring that is ours: the client address (the trusted proxy header only), the lockout message on
each front door, and the token endpoint's DRF throttles (per address and per user name asked for).
"""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from meshportal.core.errors import DomainError
from meshportal.identity.errors import IdentityErrorCode

LOCKED_OUT_MESSAGE = "Too many failed logins: this account or address is locked for a while. Try again later."


class LockedOut(DomainError):
    status_code = 429
    code = IdentityErrorCode.LOCKED_OUT


def client_address(request: HttpRequest) -> str | None:
    """The client's address: from settings.MESHPORTAL_TRUSTED_PROXY_HEADER when set, else the TCP peer.

    Proxies append to X-Forwarded-For, so the client controls its left end: take the entry
    MESHPORTAL_TRUSTED_PROXY_COUNT places from the right (the one our own outermost proxy wrote).
    """
    remote = request.META.get("REMOTE_ADDR") or None
    header = settings.MESHPORTAL_TRUSTED_PROXY_HEADER
    if not header:
        return remote
    value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
    hops = [hop.strip() for hop in value.split(",") if hop.strip()]
    count = max(settings.MESHPORTAL_TRUSTED_PROXY_COUNT, 1)
    if len(hops) < count:
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def is_locked_out(request: HttpRequest) -> bool:
    """Whether axes refused (or has just locked) the login attempt made with this request."""
    return bool(getattr(request, "axes_locked_out", False))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: each front door already answered the lockout itself (a form error on the login
    pages, ``{"code": "locked_out"}`` from the API); keep that answer and mark it 429 Too Many Requests."""
    if original_response is None:
        return HttpResponse(LOCKED_OUT_MESSAGE, status=settings.AXES_HTTP_RESPONSE_CODE, content_type="text/plain")
    original_response.status_code = settings.AXES_HTTP_RESPONSE_CODE
    return original_response


class TokenAddressThrottle(SimpleRateThrottle):
    """The token endpoint, per client address (the same address axes counts)."""

    scope = "token_address"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request._request) or "unknown"}


class TokenUsernameThrottle(SimpleRateThrottle):
    """The token endpoint, per user name asked for: a slow guess spread over many addresses still stops."""

    scope = "token_username"

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if not isinstance(username, str) or not username:
            return None
        ident = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
