"""One HTTP GET on ``http.client`` that another thread can abort (``close()`` of a source)."""

from __future__ import annotations

import http.client
import socket
import threading
from typing import Dict, Mapping, Optional
from urllib.parse import urljoin, urlsplit

SDK_CONFIG_PATH = "/sdk/v1/config"
SDK_STREAM_PATH = "/sdk/v1/stream"
USER_AGENT = "tripwire-sdk-python"


def sdk_url(base_url: str, path: str) -> str:
    """``path`` resolved against the service's base URL, as ``new URL(path, base)`` does."""
    return urljoin(base_url, path)


def check_http_url(url: str) -> None:
    """Raises ValueError unless ``url`` is an absolute http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an absolute http: or https: URL, got {url!r}")


def request_headers(accept: str, sdk_key: Optional[str]) -> Dict[str, str]:
    headers = {"Accept": accept, "User-Agent": USER_AGENT}
    if sdk_key is not None:
        headers["Authorization"] = f"Bearer {sdk_key}"
    return headers


class SourceRequestError(Exception):
    """A failed GET (network, status, timeout or body), naming the URL."""


class HttpGet:
    """Sends ``GET url``; ``timeout_s`` bounds connecting and every read (an idle timeout)."""

    def __init__(self, url: str, headers: Mapping[str, str], timeout_s: float) -> None:
        self.url = url
        self._headers = dict(headers)
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._connection: Optional[http.client.HTTPConnection] = None
        self._sock: Optional[socket.socket] = None
        self._aborted = False

    @property
    def aborted(self) -> bool:
        return self._aborted

    def open(self) -> http.client.HTTPResponse:
        """The response (any status); raises SourceRequestError on a network failure."""
        parts = urlsplit(self.url)
        secure = parts.scheme == "https"
        kind = http.client.HTTPSConnection if secure else http.client.HTTPConnection
        connection = kind(parts.hostname or "", parts.port, timeout=self._timeout_s)
        with self._lock:
            if self._aborted:
                raise SourceRequestError(f"GET {self.url} aborted")
            self._connection = connection
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        try:
            connection.connect()
            with self._lock:
                # getresponse() forgets the socket of a response that closes the connection
                self._sock = connection.sock
            if self._aborted:
                raise SourceRequestError(f"GET {self.url} aborted")
            connection.request("GET", target, headers=self._headers)
            return connection.getresponse()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise self.describe(error) from error

    def describe(self, error: BaseException) -> SourceRequestError:
        if isinstance(error, socket.timeout):
            return SourceRequestError(f"no data from {self.url} for {self._timeout_s:g} s")
        return SourceRequestError(f"GET {self.url} failed: {error!r}")

    def abort(self) -> None:
        """Unblocks a thread waiting on this request (the socket is shut down). Idempotent."""
        with self._lock:
            self._aborted = True
            connection, sock = self._connection, self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if connection is not None:
            connection.close()

    def finish(self) -> None:
        """Releases the connection after a completed exchange."""
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
