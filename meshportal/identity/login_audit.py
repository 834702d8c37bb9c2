"""Every login is audited, on every path, in one place.

Django sends ``user_logged_in`` from ``login()`` (the portal's login page, the Django admin, OpenID Connect)
and ``user_login_failed`` from ``authenticate()`` (every password check, including the API token endpoint
and attempts axes refuses during a lockout); axes sends ``user_locked_out`` when an account or address
reaches the failure limit. The receivers below turn each into one call of :func:`login_attempt_record`, so no
view writes a login audit of its own. The API token endpoint does not open a session; it sends
``user_logged_in`` itself after a successful exchange, as Django's ``login()`` would.

This is the one place the house audits through signals (STYLE.md §5 says no audit via signals): the login
code paths belong to Django, its admin and mozilla-django-oidc, and their signals are the only hook all of
them share.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record
from meshportal.identity.models import User
from meshportal.identity.throttling import client_address, is_locked_out

USERNAME_AUDIT_MAX_LENGTH = 150  # the longest user name the portal accepts (User.username)


def neutralise_username(value: object) -> str:
    """An attempted user name as inert data: a string without control or format characters (newlines, NUL,
    bidirectional overrides), capped in length. It is attacker-controlled; templates escape it on output and
    CSV exports neutralise formulas; this keeps log lines and the audit chain tidy."""
    text = value if isinstance(value, str) else ""
    cleaned = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))
    return cleaned[:USERNAME_AUDIT_MAX_LENGTH]


def login_method(request: HttpRequest | None, user: Any = None) -> str:
    """Which door a login came through: oidc, admin, api_token or password (the portal's login page)."""
    backend = getattr(user, "backend", "") or ""
    if "oidc" in backend.lower():
        return "oidc"
    path = getattr(request, "path", "") or ""
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/api/"):
        return "api_token"
    return "password"


@transaction.atomic
def login_attempt_record(
    *,
    event_type: EventType,
    request: HttpRequest | None,
    user: User | None = None,
    username: object = "",
    method: str = "",
) -> None:
    """Write one login audit event: a success (``user``), a failure or a lockout (the name that was tried)."""
    after: dict[str, Any] = {"method": method or login_method(request, user)}
    if request is not None and (address := client_address(request)):
        after["client_address"] = address
    if user is not None:
        audit_record(actor=user, event_type=event_type, obj=user, after=after)
        return
    attempted = neutralise_username(username)
    after["username"] = attempted
    if event_type == EventType.LOGIN_FAILED and request is not None and is_locked_out(request):
        after["locked_out"] = True
    audit_record(actor=None, event_type=event_type, object_type="identity.user", object_repr=attempted, after=after)


@receiver(user_logged_in, dispatch_uid="meshportal.identity.login_audit.logged_in")
def _logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is None or request.method is None:
        # A login without an HTTP request (the test client's force_login builds a bare HttpRequest): nobody
        # presented credentials, so there is no login attempt to audit.
        return
    login_attempt_record(event_type=EventType.LOGIN, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="meshportal.identity.login_audit.login_failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    login_attempt_record(event_type=EventType.LOGIN_FAILED, request=request, username=credentials.get("username"))


@receiver(user_locked_out, dispatch_uid="meshportal.identity.login_audit.locked_out")
def _locked_out(sender: Any, request: HttpRequest, username: str | None = None, **kwargs: Any) -> None:
    # axes sends this on the attempt that reaches the limit, and again on each attempt refused during the lock
    # (those carry no fresh failure count); the lock itself is audited once, the refusals as failed logins.
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    login_attempt_record(event_type=EventType.LOGIN_LOCKED_OUT, request=request, username=username or "")
