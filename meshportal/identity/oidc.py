"""OpenID Connect single sign-on through mozilla-django-oidc; enabled with OIDC_ENABLED=1 (README)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView

from meshportal.identity import services
from meshportal.identity.models import User


class MeshPortalOIDCBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        # Only the provider's subject identifies an SSO user; names and e-mails are not trusted for linking.
        subject = claims.get("sub")
        return User.objects.filter(oidc_subject=subject) if subject else User.objects.none()

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("sub"))

    def _sync(self, claims: dict[str, Any]) -> User:
        groups_claim = settings.OIDC_GROUPS_CLAIM
        normalised = dict(claims, groups=claims.get(groups_claim) or [])
        return services.user_sync_from_idp(
            claims=normalised, admin_groups=settings.OIDC_ADMIN_GROUPS, auditor_groups=settings.OIDC_AUDITOR_GROUPS
        )

    def create_user(self, claims: dict[str, Any]) -> User:
        return self._sync(claims)

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        return self._sync(claims)


class MeshPortalOIDCCallbackView(OIDCAuthenticationCallbackView):
    """The OpenID Connect callback. Its login() is audited by identity.login_audit like every other login."""
