"""Personal API tokens: issued and revoked by services that audit, listed by a selector, checked by a DRF
authentication class that keeps the ``Authorization: Token <key>`` header.

A key is ``mpt_`` followed by 32 random bytes (URL-safe base64). The database keeps its first characters
(``prefix``, to find the row and to let the owner tell tokens apart) and the SHA-256 digest of the whole key.
A fast hash is enough: the key is random with 256 bits of entropy, unlike a password, so nothing can be
guessed from the digest; and the comparison is constant-time. Keys are shown once, at creation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from meshportal.audit.events import EventType
from meshportal.audit.services import Actor, audit_record
from meshportal.core.errors import NotFound, ValidationFailed
from meshportal.identity.models import ApiToken, User

KEY_PREFIX = "mpt_"
LOOKUP_LENGTH = len(KEY_PREFIX) + 8
HEADER_KEYWORD = "Token"
# last_used_at is written at most this often per token, so a busy client does not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str = "", expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Issue a new token for ``user``. Returns the row and the key; the key is never available again."""
    name = (name or "").strip() or f"token {timezone.now():%Y-%m-%d %H:%M}"
    if len(name) > ApiToken.NAME_MAX_LENGTH:
        raise ValidationFailed(f"A token name has at most {ApiToken.NAME_MAX_LENGTH} characters.", field="name")
    days = settings.MESHPORTAL_API_TOKEN_DEFAULT_DAYS if expires_in_days is None else expires_in_days
    if not 1 <= days <= settings.MESHPORTAL_API_TOKEN_MAX_DAYS:
        raise ValidationFailed(
            f"A token expires after 1 to {settings.MESHPORTAL_API_TOKEN_MAX_DAYS} days.", field="expires_in_days"
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:LOOKUP_LENGTH],
        digest=_digest(key),
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(
        actor=user,
        event_type=EventType.TOKEN_ISSUED,
        obj=user,
        after={"token_id": token.pk, "name": name, "prefix": token.prefix, "expires_at": token.expires_at.isoformat()},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke a token: it stops working at once. Its owner revokes it (the selector only finds their own)."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        event_type=EventType.TOKEN_REVOKED,
        obj=token.user,
        before={"token_id": token.pk, "name": token.name, "prefix": token.prefix},
    )
    return token


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens that still work (not revoked, not expired), newest first."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())


def api_token_get_for_user(*, user: User, pk: int) -> ApiToken:
    token = api_token_list(user=user).filter(pk=pk).first()
    if token is None:
        raise NotFound("No such API token.")
    return token


def api_token_authenticate(key: str) -> ApiToken | None:
    """The live token whose key this is, or None. Records when it was last used."""
    if not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    digest = _digest(key)
    now = timezone.now()
    for token in ApiToken.objects.filter(prefix=key[:LOOKUP_LENGTH]).select_related("user"):
        if not hmac.compare_digest(token.digest, digest):
            continue
        if token.revoked_at is not None or token.expires_at <= now:
            return None
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token
    return None


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <key>`` with a personal API token."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != HEADER_KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: send 'Token <key>'.")
        try:
            key = parts[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        token = api_token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return HEADER_KEYWORD


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "meshportal.identity.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):  # type: ignore[no-untyped-def]
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix=HEADER_KEYWORD)
