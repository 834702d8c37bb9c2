"""Input shapes the schemathesis gate mixes into what it generates, so every endpoint (today's and those still
to come) meets them: each was a 500 once.

- date-time: instants whose UTC form falls outside years 1–9999 (``0001-01-01T00:00:00+05:00``), offsets Python
  accepts but PostgreSQL refuses (``+23:59``), and the extremes that are valid.
- date: the first and last dates Python can hold, which overflow as soon as code adds a day to them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import schemathesis
from hypothesis import strategies as st

EXTREME_DATE_TIMES = [
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "2026-03-01T09:00:00+23:59",
    "2026-03-01T09:00:00-23:59",
]
EXTREME_DATES = ["0001-01-01", "9999-12-31"]

date_times = st.one_of(
    st.sampled_from(EXTREME_DATE_TIMES),
    st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat),
)
dates = st.one_of(st.sampled_from(EXTREME_DATES), st.dates().map(lambda d: d.isoformat()))


def register() -> None:
    schemathesis.openapi.format("date-time", date_times)
    schemathesis.openapi.format("date", dates)
