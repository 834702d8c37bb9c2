"""Per-operation call counters, read by benchmarks (e.g. AWS calls per grant) through ``/_emulator/stats``."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from .wire import Operation


class CallStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: Counter[tuple[str, str]] = Counter()

    def record(self, operation: Operation) -> None:
        with self._lock:
            self._calls[(operation.service, operation.name)] += 1

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()

    def describe(self) -> dict[str, Any]:
        with self._lock:
            calls = dict(self._calls)
        services: dict[str, dict[str, int]] = {}
        for (service, name), count in sorted(calls.items()):
            services.setdefault(service, {})[name] = count
        return {"total": sum(calls.values()), "services": services}
