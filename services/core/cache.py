"""A value derived from the database and cached per process: trusted for a few seconds, then rebuilt only
when a cheap version key read from the database has moved (another process may have changed the data)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine

from services.core.db import get_engine

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class _Entry(Generic[K, V]):
    engine: Engine
    key: K
    checked_at: float
    value: V


class VersionedCache(Generic[K, V]):
    def __init__(self, read_key: Callable[[Engine], K], build: Callable[[Engine, K], V], *, recheck_seconds: float):
        self._read_key = read_key
        self._build = build
        self._recheck = recheck_seconds
        self._entry: _Entry[K, V] | None = None
        self._lock = threading.Lock()

    def get(self) -> V:
        engine = get_engine()
        entry = self._entry
        if entry is not None and entry.engine is engine and time.monotonic() - entry.checked_at < self._recheck:
            return entry.value
        with self._lock:
            key = self._read_key(engine)
            entry = self._entry
            if entry is not None and entry.engine is engine and entry.key == key:
                value = entry.value
            else:
                value = self._build(engine, key)
            self._entry = _Entry(engine, key, time.monotonic(), value)
            return value

    def invalidate(self) -> None:
        """Forget the value (called after a committed change in this process)."""
        self._entry = None
