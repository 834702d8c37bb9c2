"""Filter building blocks shared by every FilterSet."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField

from meshportal.core.errors import CoreErrorCode

OUT_OF_RANGE_MESSAGE = "This date-time is out of range: in UTC it must fall between 0001-01-01 and 9999-12-31."


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, normalised to UTC: the same instant, but PostgreSQL refuses offsets that
    Python accepts (anything past ±15:59), which would otherwise surface as a 500. An instant that has no UTC
    form (``0001-01-01T00:00:00+05:00`` is in year 0; ``9999-12-31T23:59:59-01:00`` in year 10000) is invalid
    input, like any other unreadable date."""

    default_error_messages = {"out_of_range": OUT_OF_RANGE_MESSAGE}

    def clean(self, value: Any) -> datetime | None:
        cleaned = super().clean(value)
        if cleaned is None:
            return None
        try:
            return cleaned.astimezone(UTC)
        except OverflowError as exc:
            raise ValidationError(self.error_messages["out_of_range"], code=CoreErrorCode.OUT_OF_RANGE) from exc


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
