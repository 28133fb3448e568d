"""A local stand-in for the analysis service's SDK delivery routes, for the network sources."""

from __future__ import annotations

import json
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Mapping, Optional, Tuple

from fixtures import make_snapshot

Recorded = Tuple[str, Dict[str, str]]


def sse(event: str, data: Any, event_id: Optional[int] = None) -> bytes:
    """One SSE event as the service writes it (``data`` is JSON-encoded unless a str)."""
    text = data if isinstance(data, str) else json.dumps(data)
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {text}\n\n".encode()


class DeliveryStub:
    """``GET /sdk/v1/config`` answers the current snapshot with its ETag (304 on a match) or
    ``config_status``; ``GET /sdk/v1/stream`` answers ``stream_status`` or a ``put`` of the
    snapshot, then whatever ``send()`` queues (and heartbeats), until ``drop()``. Every
    request is recorded."""

    def __init__(self) -> None:
        self.snapshot: Dict[str, Any] = make_snapshot()
        self.config_body: Optional[bytes] = None  # overrides the snapshot's JSON when set
        self.config_status = 200
        self.stream_status = 200
        self.requests: List[Recorded] = []
        self._streams: List[queue.Queue[Optional[bytes]]] = []
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                return None

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                stub._record(self.path, dict(self.headers.items()))
                if self.path == "/sdk/v1/config":
                    stub._serve_config(self)
                elif self.path == "/sdk/v1/stream":
                    stub._serve_stream(self)
                else:
                    self.send_error(404)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def etag(self) -> str:
        return f'"v{self.snapshot["version"]}"'

    def requests_to(self, path: str) -> List[Dict[str, str]]:
        with self._lock:
            return [headers for got, headers in self.requests if got == path]

    def open_streams(self) -> int:
        with self._lock:
            return len(self._streams)

    def send(self, payload: bytes) -> None:
        """Writes ``payload`` to every open stream."""
        with self._lock:
            for stream in self._streams:
                stream.put(payload)

    def drop(self) -> None:
        """Ends every open stream (the server closes the connection)."""
        with self._lock:
            streams, self._streams = self._streams, []
        for stream in streams:
            stream.put(None)

    def close(self) -> None:
        self.drop()
        self.server.shutdown()
        self.server.server_close()

    def _record(self, path: str, headers: Mapping[str, str]) -> None:
        with self._lock:
            self.requests.append((path, {k.lower(): v for k, v in headers.items()}))

    def _serve_config(self, handler: BaseHTTPRequestHandler) -> None:
        if self.config_status != 200:
            handler.send_error(self.config_status)
            return
        if handler.headers.get("If-None-Match") == self.etag:
            handler.send_response(304)
            handler.send_header("ETag", self.etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        body = self.config_body or json.dumps(self.snapshot).encode()
        handler.send_response(200)
        handler.send_header("ETag", self.etag)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _serve_stream(self, handler: BaseHTTPRequestHandler) -> None:
        if self.stream_status != 200:
            handler.send_error(self.stream_status)
            return
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True
        pending: queue.Queue[Optional[bytes]] = queue.Queue()
        with self._lock:
            self._streams.append(pending)
        payload: Optional[bytes] = sse("put", self.snapshot, self.snapshot["version"])
        try:
            while payload is not None:
                handler.wfile.write(payload)
                handler.wfile.flush()
                try:
                    payload = pending.get(timeout=0.05)
                except queue.Empty:
                    payload = b":\n"  # a heartbeat, which also notices a client that left
        except OSError:
            pass
        finally:
            with self._lock:
                if pending in self._streams:
                    self._streams.remove(pending)
