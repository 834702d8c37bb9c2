"""One FilterSet per list, shared by the HTML page and the API list (STYLE.md §4)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from access_requests.models import AccessRequest, Grant
from meshportal.core.filters import UtcIsoDateTimeFilter


class AccessRequestFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=AccessRequest.Status.choices)
    product = django_filters.CharFilter(field_name="product__slug", label="Product (slug)")
    port = django_filters.NumberFilter(field_name="port_id", label="Output port id", min_value=1, max_value=2**63 - 1)
    requester = django_filters.CharFilter(field_name="requester__username", label="Requester (username)")
    principal = django_filters.CharFilter(field_name="principal_arn", label="Principal ARN")
    mine = django_filters.BooleanFilter(method="filter_mine", label="Only my own requests")
    q = django_filters.CharFilter(method="filter_q", label="Search", help_text="Product name, purpose or principal.")

    class Meta:
        model = AccessRequest
        fields = ["status", "product", "port", "requester", "principal", "mine", "q"]

    def filter_mine(self, queryset: QuerySet[AccessRequest], name: str, value: bool | None) -> QuerySet[AccessRequest]:
        user = getattr(self.request, "user", None)
        if value is None or user is None:
            return queryset
        return queryset.filter(requester=user) if value else queryset.exclude(requester=user)

    def filter_q(self, queryset: QuerySet[AccessRequest], name: str, value: str) -> QuerySet[AccessRequest]:
        return queryset.filter(
            Q(product__name__icontains=value) | Q(purpose__icontains=value) | Q(principal_arn__icontains=value)
        )


class GrantFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Grant.Status.choices)
    product = django_filters.CharFilter(field_name="product__slug", label="Product (slug)")
    principal = django_filters.CharFilter(field_name="principal_arn", label="Principal ARN")
    account = django_filters.CharFilter(field_name="consumer_account__account_id", label="Consumer account")
    expires_before = UtcIsoDateTimeFilter(
        field_name="expires_at", lookup_expr="lt", label="Ends before", help_text="ISO 8601 date-time."
    )

    class Meta:
        model = Grant
        fields = ["status", "product", "principal", "account", "expires_before"]
