"""The FilterSets of the audit console. Each one serves the page, the export and the API alike."""

from __future__ import annotations

from datetime import UTC, datetime

import django_filters
from django import forms
from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone

from access_requests.models import Grant
from catalog.models import DataProduct
from meshportal.audit.events import EventType
from meshportal.audit.models import AuditEvent
from meshportal.core.filters import UtcIsoDateTimeFilter

_DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"})
_AS_OF_MESSAGE = "Enter as_of as an ISO 8601 date-time, for example 2026-03-01T09:00:00Z (a bare date means 00:00 UTC)."


def _first_id_at_or_after(moment: datetime) -> Subquery:
    return Subquery(AuditEvent.objects.filter(occurred_at__gte=moment).order_by("occurred_at", "id").values("id")[:1])


def _last_id_before(moment: datetime) -> Subquery:
    return Subquery(AuditEvent.objects.filter(occurred_at__lt=moment).order_by("-occurred_at", "-id").values("id")[:1])


class AuditEventFilter(django_filters.FilterSet):
    """Filters for the audit log. Every filter is an equality or a range on an indexed column, so the keyset
    page (``ORDER BY id DESC LIMIT n``) walks one index backwards and stops early, at any table size."""

    # distinct=False: no join can duplicate a row, and DISTINCT over every column would sort the whole match.
    event_type = django_filters.MultipleChoiceFilter(choices=EventType.choices, distinct=False)
    actor = django_filters.CharFilter(field_name="actor", help_text="Username, or system:<task>.")
    product = django_filters.NumberFilter(field_name="product_id", help_text="Data product id.")
    product_slug = django_filters.CharFilter(
        method="filter_product_slug", label="Product (slug)", help_text="Data product slug, e.g. sales-orders."
    )
    principal = django_filters.CharFilter(field_name="principal", help_text="IAM principal ARN.")
    account = django_filters.CharFilter(field_name="account_id", help_text="AWS account id (12 digits).")
    object_type = django_filters.CharFilter(field_name="object_type")
    object_id = django_filters.CharFilter(field_name="object_id")
    since = UtcIsoDateTimeFilter(
        method="filter_since", widget=_DATETIME_WIDGET, help_text="ISO 8601 date-time, inclusive."
    )
    until = UtcIsoDateTimeFilter(
        method="filter_until", widget=_DATETIME_WIDGET, help_text="ISO 8601 date-time, exclusive."
    )

    class Meta:
        model = AuditEvent
        fields = [
            "event_type",
            "actor",
            "product",
            "product_slug",
            "principal",
            "account",
            "object_type",
            "object_id",
            "since",
            "until",
        ]

    def filter_product_slug(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        # Events keep the product id by value; resolve the slug in the same query.
        return queryset.filter(product_id=Subquery(DataProduct.objects.filter(slug=value).order_by().values("id")[:1]))

    # Time bounds are also turned into id bounds: ``audit_record`` stamps events with non-decreasing times in
    # chain order, so "occurred at or after T" is "id at or after the first such event". The time condition
    # stays for exactness; the id bound lets the keyset walk start at the right place in the primary key
    # instead of skipping millions of newer rows.
    def filter_since(self, queryset: QuerySet[AuditEvent], name: str, value: datetime) -> QuerySet[AuditEvent]:
        return queryset.filter(occurred_at__gte=value, id__gte=_first_id_at_or_after(value))

    def filter_until(self, queryset: QuerySet[AuditEvent], name: str, value: datetime) -> QuerySet[AuditEvent]:
        return queryset.filter(occurred_at__lt=value, id__lte=_last_id_before(value))


class EntitlementFilter(django_filters.FilterSet):
    """Who could read what at one instant (``as_of``, default now), narrowed by product, principal, account
    or domain. A grant is an entitlement at T when its permissions were in place in AWS at T:
    ``granted_at <= T`` and (``ended_at`` is empty or ``ended_at > T``)."""

    as_of = UtcIsoDateTimeFilter(
        method="filter_as_of",
        widget=_DATETIME_WIDGET,
        label="As of",
        error_messages={"invalid": _AS_OF_MESSAGE},
        help_text="ISO 8601 date-time; default now.",
    )
    product = django_filters.CharFilter(field_name="product__slug", label="Product (slug)")
    table = django_filters.CharFilter(
        method="filter_table",
        label="Table",
        help_text="The output port's Glue table, as database.table (or a database).",
    )
    principal = django_filters.CharFilter(field_name="principal_arn", label="Principal ARN")
    account = django_filters.CharFilter(
        field_name="consumer_account__account_id", label="Consumer account", help_text="AWS account id (12 digits)."
    )
    domain = django_filters.CharFilter(field_name="product__domain__slug", label="Domain (slug)")

    class Meta:
        model = Grant
        fields = ["as_of", "product", "table", "principal", "account", "domain"]

    @property
    def moment(self) -> datetime:
        """The instant asked about: ``as_of`` when given and valid, else now."""
        data = getattr(self.form, "cleaned_data", None) or {}
        given = data.get("as_of")
        # In UTC: PostgreSQL refuses offsets Python accepts (e.g. +19:25), and the instant is the same.
        return given.astimezone(UTC) if given else self.__dict__.setdefault("_now", timezone.now())

    def filter_table(self, queryset: QuerySet[Grant], name: str, value: str) -> QuerySet[Grant]:
        database, _, table = value.partition(".")
        return queryset.filter(port__database_name=database, port__table_name=table)

    def filter_as_of(self, queryset: QuerySet[Grant], name: str, value: datetime) -> QuerySet[Grant]:
        return queryset  # applied in filter_queryset, so that an empty as_of still means "now"

    def filter_queryset(self, queryset: QuerySet[Grant]) -> QuerySet[Grant]:
        return grants_active_at(super().filter_queryset(queryset), self.moment)


def grants_active_at(queryset: QuerySet[Grant], moment: datetime) -> QuerySet[Grant]:
    return queryset.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=moment), granted_at__lte=moment)
