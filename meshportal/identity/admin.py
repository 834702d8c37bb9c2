from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record
from meshportal.identity.models import Team, TeamMembership, User
from meshportal.identity.services import ROLE_FIELDS


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_platform_admin", "is_auditor", "is_active")
    list_filter = ("is_platform_admin", "is_auditor", "is_active")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Roles", {"fields": ("is_platform_admin", "is_auditor", "is_active")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # Admin edits are state changes too: keep Django's flags in step with the platform role and
        # write the audit event in the same transaction as the save (ModelAdmin wraps it in atomic).
        before = {f: form.initial.get(f) for f in ROLE_FIELDS} if change else None
        if (
            change
            and obj.pk == request.user.pk
            and before
            and before.get("is_platform_admin")
            and not obj.is_platform_admin
        ):
            # The same rule as identity.services.user_set_roles: nobody removes their own admin role.
            obj.is_platform_admin = True
            messages.error(request, "You cannot remove your own platform-admin role; ask another admin.")
        obj.is_staff = obj.is_superuser = obj.is_platform_admin
        super().save_model(request, obj, form, change)
        after = {f: getattr(obj, f) for f in ROLE_FIELDS}
        if not change:
            audit_record(actor=request.user, event_type=EventType.USER_CREATED, obj=obj, after=after)
        elif before != after:
            audit_record(actor=request.user, event_type=EventType.ROLES_CHANGED, obj=obj, before=before, after=after)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        audit_record(
            actor=request.user,
            event_type=EventType.ROLES_CHANGED,
            obj=obj,
            before={f: getattr(obj, f) for f in ROLE_FIELDS},
            after={"deleted": True},
        )
        super().delete_model(request, obj)


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "kind", "email")
    list_filter = ("kind",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [TeamMembershipInline]

    def save_model(self, request: HttpRequest, obj: Team, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            event_type=EventType.TEAM_UPDATED if change else EventType.TEAM_CREATED,
            obj=obj,
            after={"name": obj.name, "slug": obj.slug, "email": obj.email, "kind": obj.kind},
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Membership decides who approves for a team: every change made here is audited like the services'.
        before = {
            m.user.username: m.role for m in TeamMembership.objects.filter(team=form.instance).select_related("user")
        }
        super().save_formset(request, form, formset, change)
        after = {
            m.user.username: m.role for m in TeamMembership.objects.filter(team=form.instance).select_related("user")
        }
        for username, role in after.items():
            if before.get(username) != role:
                audit_record(
                    actor=request.user,
                    event_type=EventType.TEAM_MEMBER_ADDED,
                    obj=form.instance,
                    after={"user": username, "role": role},
                )
        for username in before.keys() - after.keys():
            audit_record(
                actor=request.user,
                event_type=EventType.TEAM_MEMBER_REMOVED,
                obj=form.instance,
                before={"user": username},
            )
