from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from meshportal.core.errors import DomainError, NotFound
from meshportal.core.http import AuthenticatedHttpRequest
from meshportal.identity import roles, services, tokens
from meshportal.identity.forms import ApiTokenForm, LoginForm
from meshportal.identity.selectors import user_teams


class LoginView(auth_views.LoginView):
    """Logins and failures are audited by identity.login_audit (Django's login signals), not here."""

    template_name = "identity/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):  # type: ignore[no-untyped-def]
        ctx = super().get_context_data(**kwargs)
        ctx["oidc_enabled"] = settings.OIDC_ENABLED
        ctx["oidc_provider_name"] = settings.OIDC_PROVIDER_NAME
        return ctx


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.session_logout_record(user=request.user)
    return auth_views.LogoutView.as_view()(request)


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's profile and API tokens. POST issues a token: its key is in this response only."""
    form = ApiTokenForm(request.POST or None)
    new_key = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            _, new_key = tokens.api_token_create(
                user=request.user, name=form.cleaned_data["name"], expires_in_days=form.cleaned_data["expires_in_days"]
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.detail)
        else:
            form = ApiTokenForm()
            status = 201
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "identity/profile.html",
        {
            "teams": user_teams(user=request.user),
            "is_producer": roles.is_producer(request.user),
            "tokens": tokens.api_token_list(user=request.user),
            "token_form": form,
            "new_key": new_key,
        },
        status=status,
    )


@require_POST
@login_required
def token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    try:
        token = tokens.api_token_get_for_user(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    tokens.api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"API token “{token.name}” was revoked; it no longer works.")
    return redirect("identity:profile")
