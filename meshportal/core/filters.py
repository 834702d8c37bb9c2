"""Filter building blocks shared by every FilterSet."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, normalised to UTC: the same instant, but PostgreSQL refuses offsets that
    Python accepts (anything past ±15:59), which would otherwise surface as a 500."""

    def clean(self, value: Any) -> datetime | None:
        cleaned = super().clean(value)
        return cleaned.astimezone(UTC) if cleaned is not None else None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
