"""Request types for HTML views: what our middleware adds to Django's ``HttpRequest``, for the type checker.

Annotate a view's ``request`` with ``AuthenticatedHttpRequest`` when it is behind ``@login_required``, with
``HtmxHttpRequest`` when it reads ``request.htmx`` but may be anonymous. These classes only describe the request
Django already builds; nothing ever instantiates them. Pattern from the django-htmx documentation, "Tips → Type
checking" (https://django-htmx.readthedocs.io/en/latest/tips.html).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from meshportal.identity.models import User


class HtmxHttpRequest(HttpRequest):
    """A request that went through ``django_htmx.middleware.HtmxMiddleware``."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """A request to a ``@login_required`` view: ``request.user`` is our ``User``, never ``AnonymousUser``."""

    user: User
