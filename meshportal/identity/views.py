from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from meshportal.core.http import AuthenticatedHttpRequest
from meshportal.identity import services
from meshportal.identity.selectors import user_teams


class LoginView(auth_views.LoginView):
    template_name = "identity/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        services.session_login_record(user=form.get_user(), method="password")
        return response

    def form_invalid(self, form):  # type: ignore[no-untyped-def]
        username = self.request.POST.get("username", "")
        if username:
            services.session_login_failed_record(username=username, method="password")
        return super().form_invalid(form)

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
    token = None
    if request.method == "POST":
        token = services.token_rotate(user=request.user)
        messages.success(request, "A new API token was issued; the old one no longer works.")
        return redirect("identity:profile")
    token = Token.objects.filter(user=request.user).first()
    return render(
        request,
        "identity/profile.html",
        {
            "teams": user_teams(user=request.user),
            "token": token,
        },
    )
