"""HTTP polling of ``GET /sdk/v1/config`` with ETag / If-None-Match."""

from __future__ import annotations

import http.client
import threading
from typing import Optional

from .config_source import ConfigListener, notify_recover, parse_json_object
from .http_get import HttpGet, SourceRequestError, request_headers


class PollingSource:
    """Fetches ``url`` at start and every ``interval_s`` seconds from a daemon thread; an
    unchanged config costs a 304 and no parsing. ``timeout_s`` bounds connecting and each read.
    A failure (network, status, bad JSON) is reported and the applied config kept. With
    ``on_demand`` it fetches only when ``request_poll()`` is called (the stream's resync)."""

    origin = "polling"

    def __init__(
        self,
        url: str,
        *,
        sdk_key: Optional[str] = None,
        interval_s: float = 30.0,
        timeout_s: float = 10.0,
        on_demand: bool = False,
    ) -> None:
        self.url = url
        self._sdk_key = sdk_key
        self._interval_s = interval_s
        self._timeout_s = timeout_s
        self._on_demand = on_demand
        self._etag: Optional[str] = None
        self._closed = threading.Event()
        self._wake = threading.Event()
        self._fetch_lock = threading.Lock()
        self._thread_lock = threading.Lock()
        self._request: Optional[HttpGet] = None
        self._listener: Optional[ConfigListener] = None
        self._thread: Optional[threading.Thread] = None

    def start(self, listener: ConfigListener) -> None:
        self._listener = listener
        if not self._on_demand:
            self._start_thread()

    def request_poll(self) -> None:
        """Asks the source's thread for one fetch now (returns at once). An on-demand source
        starts its thread on the first request, so an idle stream holds one thread, not two."""
        self._wake.set()
        if self._thread is None and self._listener is not None:
            self._start_thread()

    def _start_thread(self) -> None:
        with self._thread_lock:
            if self._thread is not None or self._closed.is_set():
                return
            self._thread = threading.Thread(
                target=self._run, name="tripwire-polling-source", daemon=True
            )
            self._thread.start()

    def poll_now(self) -> None:
        """Fetches once in the calling thread; never raises (failures go to the listener)."""
        listener = self._listener
        if listener is None:
            return
        with self._fetch_lock:
            if self._closed.is_set():
                return
            try:
                self._fetch(listener)
            except Exception as error:  # never into host code: the listener hears of it
                if not self._closed.is_set():
                    listener.on_error(error)

    def close(self) -> None:
        """Stops the thread and aborts a request in flight. Idempotent."""
        self._closed.set()
        self._wake.set()
        request = self._request
        if request is not None:
            request.abort()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)

    def _run(self) -> None:
        if not self._on_demand:
            self.poll_now()
        while not self._closed.is_set():
            self._wake.wait(None if self._on_demand else self._interval_s)
            self._wake.clear()
            self.poll_now()

    def _fetch(self, listener: ConfigListener) -> None:
        headers = request_headers("application/json", self._sdk_key)
        if self._etag is not None:
            headers["If-None-Match"] = self._etag
        request = HttpGet(self.url, headers, self._timeout_s)
        self._request = request
        if self._closed.is_set():
            request.abort()  # close() may have run before the request was visible to it
        try:
            response = request.open()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            raise request.describe(error) from error
        finally:
            request.finish()
            self._request = None
        if response.status == 304:
            notify_recover(listener)
            return
        if not 200 <= response.status <= 299:
            raise SourceRequestError(f"GET {self.url} answered {response.status}")
        document = parse_json_object(body.decode("utf-8", "replace"), f"the body of {self.url}")
        # Kept even when the client rejects the config: the same ETag means the same bad config.
        self._etag = response.getheader("ETag")
        notify_recover(listener)
        listener.on_config(document, self._etag)
