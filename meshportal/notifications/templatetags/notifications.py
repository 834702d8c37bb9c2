from __future__ import annotations

from typing import Any

from django import template

from meshportal.notifications.selectors import notification_unread_count

register = template.Library()


@register.inclusion_tag("notifications/_counter.html", takes_context=True)
def notification_counter(context: dict[str, Any]) -> dict[str, Any]:
    """The "Notifications (n)" link of the navigation: one COUNT on an indexed column."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"unread_count": notification_unread_count(user=user) if user else 0}
