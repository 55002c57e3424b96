"""Recently used cases kept deserialised, trusted only while their row version matches the database."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

T = TypeVar("T")
K = TypeVar("K")


class VersionedCache(Generic[T]):
    """An LRU map from id to (row version, value).

    `take` removes the entry: a step mutates the value in place, so while one step works on it no
    other thread may see it; the step puts it back only after its commit succeeded.
    """

    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[int, tuple[int, T]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: int, row_version: int) -> T | None:
        with self._lock:
            entry = self._entries.pop(key, None)
        if entry is None or entry[0] != row_version:
            return None
        return entry[1]

    def put(self, key: int, row_version: int, value: T) -> None:
        with self._lock:
            self._entries[key] = (row_version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)

    def discard(self, key: int) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class LruMap(Generic[K, T]):
    """A thread-safe map that forgets its least recently used entries beyond `capacity`."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[K, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> T | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: T) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
