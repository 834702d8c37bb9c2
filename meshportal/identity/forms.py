"""Login forms: Django's, with the lockout told apart from a wrong password."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from meshportal.identity.errors import IdentityErrorCode
from meshportal.identity.models import ApiToken
from meshportal.identity.throttling import LOCKED_OUT_MESSAGE, is_locked_out


class LockoutAwareMixin:
    """``authenticate()`` answers None both for a wrong password and for a login axes refused; say which."""

    def get_invalid_login_error(self) -> forms.ValidationError:
        request = getattr(self, "request", None)
        if request is not None and is_locked_out(request):
            return forms.ValidationError(LOCKED_OUT_MESSAGE, code=IdentityErrorCode.LOCKED_OUT)
        return super().get_invalid_login_error()  # type: ignore[misc]


class LoginForm(LockoutAwareMixin, AuthenticationForm):
    pass


class AdminLoginForm(LockoutAwareMixin, AdminAuthenticationForm):
    pass


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=ApiToken.NAME_MAX_LENGTH, required=False, help_text="What it is for.")
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=settings.MESHPORTAL_API_TOKEN_MAX_DAYS, initial=90, label="Expires after (days)"
    )
