from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from meshportal.identity import roles


def _has_route(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the navigation shows, by role (the views enforce the same rules again)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "catalog": True,
            # Access requests land with their own issue; until then the links stay hidden.
            "my_requests": _has_route("access_requests:mine"),
            "approvals": _has_route("access_requests:approvals") and roles.can_approve_anything(user),
            "grants": _has_route("access_requests:grants"),
            "audit": roles.is_auditor(user) or roles.is_platform_admin(user),
            "admin": roles.is_platform_admin(user),
        }
    }
