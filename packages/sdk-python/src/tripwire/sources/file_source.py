"""A local JSON config file, re-read when it changes."""

from __future__ import annotations

import json
import os
import threading
from typing import Any, Optional, Tuple

from .config_source import ConfigListener

Stamp = Tuple[int, int, int]


class FileSource:
    """Reads ``path`` at start and, with ``watch`` (default), checks it every ``interval_s``
    seconds from a daemon thread; a changed file (by mtime, size or inode, so replacement by
    rename is followed) is re-read and delivered when its text differs."""

    origin = "file"

    def __init__(self, path: str, *, watch: bool = True, interval_s: float = 0.5) -> None:
        self.path = os.path.abspath(path)
        self._watch = watch
        self._interval_s = interval_s
        self._closed = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._last_stamp: Optional[Stamp] = None
        self._last_text: Optional[str] = None
        self._failing = False

    def start(self, listener: ConfigListener) -> None:
        self._load(listener)
        if not self._watch:
            return
        self._thread = threading.Thread(
            target=self._run, args=(listener,), name="tripwire-file-source", daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._closed.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2)

    def _run(self, listener: ConfigListener) -> None:
        while not self._closed.wait(self._interval_s):
            try:
                if self._stamp() != self._last_stamp:
                    self._load(listener)
            except OSError:
                self._load(listener)

    def _stamp(self) -> Stamp:
        info = os.stat(self.path)
        return (info.st_mtime_ns, info.st_size, info.st_ino)

    def _load(self, listener: ConfigListener) -> None:
        try:
            stamp = self._stamp()
            with open(self.path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as error:
            self._last_stamp = None
            if not self._failing:
                self._failing = True
                listener.on_error(OSError(f"cannot read config file {self.path}: {error}"))
            return
        self._last_stamp = stamp
        self._failing = False
        if self._closed.is_set() or text == self._last_text:
            return
        self._last_text = text
        try:
            document: Any = json.loads(text)
        except ValueError as error:
            listener.on_error(ValueError(f"invalid JSON in {self.path}: {error}"))
            return
        if not isinstance(document, dict):
            listener.on_error(ValueError(f"{self.path} must hold a JSON object"))
            return
        listener.on_config(document, None)
