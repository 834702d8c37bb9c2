"""Reads of the notifications app: a person's own notifications; a team's webhooks and their delivery log."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from meshportal.identity import roles
from meshportal.identity.models import Team
from meshportal.notifications.models import Notification, TeamWebhook, WebhookDeliveryAttempt

DELIVERY_LOG_SIZE = 50


def notification_list(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-id")


def notification_unread_count(*, user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def team_get_for_webhooks(*, user: Any, slug: str) -> Team:
    """The team whose webhooks ``user`` may see: its members, platform admins and auditors (404 otherwise)."""
    team = Team.objects.filter(slug=slug).first()
    if team is None or not (roles.sees_everything(user) or team.pk in roles.team_ids(user)):
        raise Http404("No such team, or you are not a member.")
    return team


def webhook_list(*, team: Team) -> QuerySet[TeamWebhook]:
    return TeamWebhook.objects.filter(team=team).order_by("id")


def webhook_get(*, team: Team, pk: int) -> TeamWebhook:
    webhook = TeamWebhook.objects.filter(team=team, pk=pk).select_related("team").first()
    if webhook is None:
        raise Http404("No such webhook.")
    return webhook


def delivery_log(*, team: Team) -> QuerySet[WebhookDeliveryAttempt]:
    """The delivery attempts to the team's webhooks, newest first, each with its delivery and webhook."""
    return (
        WebhookDeliveryAttempt.objects.filter(delivery__webhook__team=team)
        .select_related("delivery__webhook")
        .defer("delivery__payload")
        .order_by("-id")
    )
