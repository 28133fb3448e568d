"""The client's "a config was delivered" signal, awaited by threads and by asyncio tasks."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Callable, List


class ReadySignal:
    """Set once the source delivers a config (a bootstrap does not count) or the client
    closes; ``wait`` blocks a thread, ``wait_async`` waits without blocking the event loop."""

    def __init__(self) -> None:
        self._delivered = threading.Event()
        self._lock = threading.Lock()
        self._wakers: List[Callable[[], None]] = []

    def is_set(self) -> bool:
        return self._delivered.is_set()

    def set(self) -> None:
        self._delivered.set()
        self.wake_all()

    def wait(self, timeout: float) -> bool:
        """True when delivered within ``timeout`` seconds."""
        return self._delivered.wait(timeout)

    async def wait_async(self, timeout: float) -> bool:
        """True when delivered (or woken by ``wake_all``) within ``timeout`` seconds."""
        if self._delivered.is_set():
            return True
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()

        def resolve() -> None:
            if not future.done():
                future.set_result(None)

        def wake() -> None:
            loop.call_soon_threadsafe(resolve)

        with self._lock:
            self._wakers.append(wake)
        if self._delivered.is_set():
            wake()
        try:
            await asyncio.wait_for(future, timeout)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            with self._lock, contextlib.suppress(ValueError):
                self._wakers.remove(wake)

    def wake_all(self) -> None:
        """Wakes every ``wait_async`` (on delivery, and on close)."""
        with self._lock:
            wakers = list(self._wakers)
        for wake in wakers:
            with contextlib.suppress(RuntimeError):  # the waiting loop may be closed
                wake()
