"""The SSE stream ``GET /sdk/v1/stream``: reconnects with backoff, resumes with Last-Event-ID."""

from __future__ import annotations

import codecs
import http.client
import random as random_module
import threading
from typing import Callable, Optional

from .backoff import compute_backoff_delay
from .config_source import ConfigListener, listener_version, notify_recover, parse_json_object
from .http_get import HttpGet, SourceRequestError, request_headers
from .polling_source import PollingSource
from .sse_parser import ServerSentEvent, SseParser

SDK_STREAM_HEARTBEAT_S = 15.0
STREAM_EVENTS = ("put", "patch")
_READ_SIZE = 65536


class StreamSource:
    """``event: put`` carries a full snapshot, ``event: patch`` an incremental update, ``id:``
    the config version (sent back as ``Last-Event-ID`` on reconnect), comment lines are
    heartbeats. A daemon thread holds the connection and reconnects after
    ``compute_backoff_delay`` (``backoff_base_s``·2^attempt capped at ``backoff_max_s``, equal
    jitter; a server ``retry:`` raises the base); after ``fallback_after_failures`` failures in a
    row it also polls ``config_url`` until the stream is back. A patch that does not apply
    triggers one fetch of ``config_url``; ``idle_timeout_s`` of silence counts as a dead link."""

    origin = "stream"

    def __init__(
        self,
        url: str,
        config_url: str,
        *,
        sdk_key: Optional[str] = None,
        backoff_base_s: float = 0.5,
        backoff_max_s: float = 30.0,
        fallback_after_failures: int = 2,
        fallback_poll_interval_s: float = 30.0,
        idle_timeout_s: float = 3 * SDK_STREAM_HEARTBEAT_S,
        random: Callable[[], float] = random_module.random,
    ) -> None:
        self.url = url
        self.config_url = config_url
        self._sdk_key = sdk_key
        self._backoff = (backoff_base_s, backoff_max_s)
        self._fallback_after = fallback_after_failures
        self._fallback_interval_s = fallback_poll_interval_s
        self._idle_timeout_s = idle_timeout_s
        self._random = random
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._failures = 0
        self._retry_floor_s = 0.0
        self._request: Optional[HttpGet] = None
        self._fallback: Optional[PollingSource] = None
        self._resync = PollingSource(config_url, sdk_key=sdk_key, on_demand=True)
        self._listener: Optional[ConfigListener] = None
        self._thread: Optional[threading.Thread] = None

    def start(self, listener: ConfigListener) -> None:
        self._listener = listener
        self._resync.start(listener)
        self._thread = threading.Thread(
            target=self._run, args=(listener,), name="tripwire-stream-source", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        """Stops the thread, drops the connection and the pollers. Idempotent."""
        self._closed.set()
        with self._lock:
            request, fallback, self._fallback = self._request, self._fallback, None
        if request is not None:
            request.abort()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)
        if fallback is not None:
            fallback.close()
        self._resync.close()

    def _run(self, listener: ConfigListener) -> None:
        while not self._closed.is_set():
            error: BaseException
            try:
                self._connect_once(listener)
                error = SourceRequestError(f"stream {self.url} ended")
            except Exception as failure:  # any failure is a disconnect, never the host's problem
                error = failure
            if self._closed.is_set():
                return
            try:
                self._on_disconnect(listener, error)
            except Exception:  # a listener that raises must not end the reconnect loop
                self._closed.wait(self._backoff[1])

    def _connect_once(self, listener: ConfigListener) -> None:
        """One connection: returns when the server ends it (or on close), raises on failure."""
        headers = request_headers("text/event-stream", self._sdk_key)
        version = listener_version(listener)
        if version is not None:
            headers["Last-Event-ID"] = str(version)
        request = HttpGet(self.url, headers, self._idle_timeout_s)
        with self._lock:
            self._request = request
        if self._closed.is_set():
            return
        try:
            response = request.open()
            if not 200 <= response.status <= 299:
                raise SourceRequestError(f"GET {self.url} answered {response.status}")
            self._read_events(listener, request, response)
        finally:
            request.finish()

    def _read_events(
        self, listener: ConfigListener, request: HttpGet, response: http.client.HTTPResponse
    ) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        parser = SseParser(lambda event: self._on_event(listener, event), self._on_retry)
        received_any = False
        while True:
            try:
                chunk = response.read1(_READ_SIZE)
            except (OSError, http.client.HTTPException) as error:
                if request.aborted:
                    return
                raise request.describe(error) from error
            if not chunk:
                return
            # Healthy once bytes arrive (an event or a heartbeat): a 200 that drops at once fails.
            if not received_any:
                received_any = True
                self._on_connected(listener)
            parser.push(decoder.decode(chunk))

    def _on_retry(self, ms: int) -> None:
        self._retry_floor_s = ms / 1000

    def _on_connected(self, listener: ConfigListener) -> None:
        self._failures = 0
        notify_recover(listener)
        with self._lock:
            fallback, self._fallback = self._fallback, None
        if fallback is not None:
            fallback.close()

    def _on_event(self, listener: ConfigListener, event: ServerSentEvent) -> None:
        if event.type not in STREAM_EVENTS:
            return
        try:
            document = parse_json_object(event.data, f"'{event.type}' event of {self.url}")
        except ValueError as error:
            listener.on_error(error)
            return
        listener.on_config(document, event.last_event_id or None)
        if event.type == "patch":
            version = document.get("version")
            applied = listener_version(listener)
            if isinstance(version, int) and (applied is None or applied < version):
                self._resync.request_poll()  # the patch did not apply: fetch a full snapshot

    def _on_disconnect(self, listener: ConfigListener, error: BaseException) -> None:
        self._failures += 1
        listener.on_error(error)
        with self._lock:
            wanted = self._failures >= self._fallback_after and not self._closed.is_set()
            if wanted and self._fallback is None:
                self._fallback = PollingSource(
                    self.config_url, sdk_key=self._sdk_key, interval_s=self._fallback_interval_s
                )
                self._fallback.start(listener)
        base_s, max_s = self._backoff
        delay = compute_backoff_delay(
            attempt=self._failures - 1,
            base_s=max(base_s, self._retry_floor_s),
            max_s=max_s,
            random=self._random(),
        )
        self._closed.wait(delay)
