"""A small thread-safe LRU map for immutable values (objects named by their hash).

Bounded by entries and, when given a ``weigh`` function, by total weight (bytes of text,
say), so that a process's caches are sized by settings, never by the data behind them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """Keeps the most recently used entries: at most ``maxsize`` and ``max_weight`` in all."""

    def __init__(
        self, maxsize: int, *, max_weight: int = 0, weigh: Callable[[V], int] | None = None
    ) -> None:
        self.maxsize = maxsize
        self.max_weight = max_weight if weigh else 0
        self.weigh = weigh
        self.weight = 0
        self._data: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            item = self._data.get(key)
            if item is None:
                return None
            self._data.move_to_end(key)
            return item[0]

    def put(self, key: K, value: V) -> None:
        if self.maxsize <= 0:
            return
        weight = self.weigh(value) if self.weigh else 0
        if self.max_weight and weight > self.max_weight:
            return  # larger than the whole cache: not kept
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.weight -= old[1]
            self._data[key] = (value, weight)
            self.weight += weight
            while len(self._data) > self.maxsize or (
                self.max_weight and self.weight > self.max_weight
            ):
                _, (_, dropped) = self._data.popitem(last=False)
                self.weight -= dropped

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.weight = 0

    def __len__(self) -> int:
        return len(self._data)
