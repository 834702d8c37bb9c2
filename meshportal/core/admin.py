from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest

from meshportal.identity import roles


class MeshPortalAdminSite(admin.AdminSite):
    site_header = "MeshPortal administration"
    site_title = "MeshPortal admin"
    index_title = "Platform administration"

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
        # Tells a lockout (django-axes) apart from a wrong password; logins are audited by identity.login_audit.
        # Imported here: this module loads with the app registry, before models (and so forms) can be imported.
        from meshportal.identity.forms import AdminLoginForm  # noqa: PLC0415

        self.login_form = AdminLoginForm

    def has_permission(self, request: HttpRequest) -> bool:
        # Django admin is for platform admins only, whatever is_staff says.
        return roles.is_platform_admin(request.user)


class MeshPortalAdminConfig(AdminConfig):
    default_site = "meshportal.core.admin.MeshPortalAdminSite"
