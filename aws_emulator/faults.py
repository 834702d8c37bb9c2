"""Fault injection: throttling, errors and latency for chosen operations.

A rule matches by service and operation (``"*"`` for any). It returns its error for the next ``count``
matching calls, or for a ``rate`` share of them, or always when neither is given; ``latency_ms``
delays each matching call (before the error, if any). Rules are checked in the order they were added;
the first live match applies, except that a ``rate`` rule that does not fire lets the later rules try.
Everything happens under one lock and costs a list scan, so it is safe
for threaded benchmarks.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import asdict, dataclass
from typing import Any

from .wire import Operation

# HTTP status AWS uses for these codes when a rule does not name one.
# https://docs.aws.amazon.com/lake-formation/latest/APIReference/CommonErrors.html
DEFAULT_STATUS = {
    "ThrottlingException": 400,
    "Throttling": 400,
    "TooManyRequestsException": 429,
    "RequestLimitExceeded": 400,
    "ConcurrentModificationException": 400,
    "InternalServerError": 500,
    "InternalServiceException": 500,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
    "ServiceUnavailableException": 503,
}
_CODE_WITH_STATUS = re.compile(r"^(?P<code>[A-Za-z.]+)\((?P<status>\d{3})\)$")
MAX_LATENCY_MS = 60_000


class FaultSpecError(ValueError):
    """A fault rule that cannot be applied; the control endpoint answers 400 with its message."""


@dataclass
class FaultRule:
    id: int
    service: str
    operation: str
    error: str | None
    status: int
    message: str
    count: int | None
    rate: float | None
    latency_ms: int
    matched: int = 0
    injected: int = 0
    delayed: int = 0

    @property
    def live(self) -> bool:
        if self.count is None:
            return True
        # An error rule is used up by the errors it returned, a latency-only rule by the calls it delayed.
        used = self.injected if self.error is not None else self.delayed
        return used < self.count

    def describe(self) -> dict[str, Any]:
        return {**asdict(self), "live": self.live}


def _int_field(spec: dict[str, Any], key: str, low: int, high: int) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FaultSpecError(f"{key} must be an integer between {low} and {high}")
    return value


class FaultInjector:
    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next_id = 1
        self._random = random.Random(seed)  # noqa: S311 - samples faults, not secrets

    def add(self, spec: dict[str, Any]) -> FaultRule:
        service = spec.get("service")
        if not isinstance(service, str) or not service:
            raise FaultSpecError("service is required, e.g. 'lakeformation'")
        operation = spec.get("operation") or "*"
        error, status = self._error(spec)
        latency = _int_field(spec, "latency_ms", 0, MAX_LATENCY_MS) or 0
        if error is None and not latency:
            raise FaultSpecError("give an error, a latency_ms, or both")
        count = _int_field(spec, "count", 1, 1_000_000)
        rate = spec.get("rate")
        is_number = isinstance(rate, int | float) and not isinstance(rate, bool)
        if rate is not None and not (is_number and 0 < rate <= 1):
            raise FaultSpecError("rate must be a number in (0, 1]")
        if "seed" in spec:
            self._random.seed(spec["seed"])
        with self._lock:
            rule = FaultRule(
                id=self._next_id,
                service=service.lower(),
                operation=str(operation),
                error=error,
                status=status,
                message=str(spec.get("message") or (f"Injected fault: {error}" if error else "")),
                count=count,
                rate=float(rate) if rate is not None else None,
                latency_ms=latency,
            )
            self._next_id += 1
            self._rules.append(rule)
        return rule

    @staticmethod
    def _error(spec: dict[str, Any]) -> tuple[str | None, int]:
        error = spec.get("error")
        if error is None:
            return None, 0
        if not isinstance(error, str) or not error:
            raise FaultSpecError("error must be an AWS error code such as 'ThrottlingException'")
        match = _CODE_WITH_STATUS.match(error)
        code = match.group("code") if match else error
        default = DEFAULT_STATUS.get(code, 500 if "Internal" in code else 400)
        status = int(match.group("status")) if match else default
        explicit = _int_field(spec, "status", 400, 599)
        return code, explicit or status

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            rules = [rule.describe() for rule in self._rules]
        return {
            "rules": rules,
            "injected_total": sum(rule["injected"] for rule in rules),
            "delayed_total": sum(rule["delayed"] for rule in rules),
        }

    def decide(self, operation: Operation) -> tuple[float, FaultRule | None]:
        """(seconds to wait, rule whose error to return or None) for one incoming call."""
        if not self._rules:  # fast path, no lock: a racing add() applies from the next call
            return 0.0, None
        with self._lock:
            for rule in self._rules:
                if rule.service not in ("*", operation.service) or rule.operation not in ("*", operation.name):
                    continue
                if not rule.live:
                    continue
                rule.matched += 1
                delay = rule.latency_ms / 1000
                if delay:
                    rule.delayed += 1
                if rule.error is None:
                    return delay, None
                if rule.rate is not None and self._random.random() >= rule.rate:
                    # Not this time: later rules still get their chance, so rules with rates compose
                    # (20% throttling then 12.5% of the rest ≈ 10% of all calls as another error).
                    continue
                rule.injected += 1
                return delay, rule
        return 0.0, None
