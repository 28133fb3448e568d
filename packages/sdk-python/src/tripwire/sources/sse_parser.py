"""An incremental Server-Sent Events parser (WHATWG "event stream interpretation")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, List, Optional

_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class ServerSentEvent:
    type: str  # the ``event:`` field, "message" when absent
    data: str
    last_event_id: str  # the last ``id:`` seen on the stream so far, "" when none


class SseParser:
    """Lines end in CRLF, LF or CR (also split across chunks); ``:`` lines are comments
    (heartbeats); ``data`` lines join with LF; an ``id`` holding NUL is ignored; a blank line
    dispatches; a valid ``retry:`` (milliseconds) goes to ``on_retry``. Every character is
    scanned once: a line split across chunks waits as pieces and is joined when its end arrives."""

    def __init__(
        self,
        on_event: Callable[[ServerSentEvent], None],
        on_retry: Optional[Callable[[int], None]] = None,
    ) -> None:
        self._on_event = on_event
        self._on_retry: Callable[[int], None] = on_retry or (lambda _ms: None)
        self._partial: List[str] = []
        self._pending_cr = False
        self._type = ""
        self._data: List[str] = []
        self._last_event_id = ""

    def push(self, chunk: str) -> None:
        """Feeds decoded text: complete lines are processed now, a partial line waits."""
        if self._pending_cr and chunk.startswith("\n"):
            chunk = chunk[1:]
        self._pending_cr = False
        if "\n" not in chunk and "\r" not in chunk:
            if chunk:
                self._partial.append(chunk)
            return
        if self._partial:
            self._partial.append(chunk)
            chunk = "".join(self._partial)
            self._partial = []
        lines = _LINE_END.split(chunk)
        # A CR at the very end may be the first half of a CRLF split across chunks.
        self._pending_cr = chunk.endswith("\r")
        rest = lines.pop()
        if rest:
            self._partial.append(rest)
        for line in lines:
            self._process_line(line)

    def _process_line(self, line: str) -> None:
        if line == "":
            self._dispatch()
            return
        if line.startswith(":"):
            return
        field, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if field == "event":
            self._type = value
        elif field == "data":
            self._data.append(value)
        elif field == "id":
            if "\0" not in value:
                self._last_event_id = value
        elif field == "retry" and value.isascii() and value.isdigit():
            self._on_retry(int(value))

    def _dispatch(self) -> None:
        data, kind = self._data, self._type
        self._type = ""
        if not data:
            return
        self._data = []
        self._on_event(ServerSentEvent(kind or "message", "\n".join(data), self._last_event_id))
