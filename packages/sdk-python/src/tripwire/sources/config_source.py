"""The interface between the client and where its config comes from.

A source delivers raw, unvalidated config JSON: a ConfigSnapshot (it has ``schemaVersion``) or a
ConfigPatch (it has ``removedFlags``), exactly as the delivery endpoints send them. The client
validates and compiles every document; an invalid one is reported through the client's error
handlers and the last known good config is kept. ``version`` is the delivery's version label
(the SSE event id or the HTTP ETag) when there is one.

A source may declare an ``origin`` attribute (``"file"``, ``"static"``, ``"polling"``,
``"stream"``; default ``"custom"``), reported by ``ready()`` and ``status()``. Configs from the
network origins (``polling``, ``stream``) never take the client back to an older version; a
local file may (it is the operator's truth).
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional, Protocol


class ConfigListener(Protocol):
    def on_config(self, document: Mapping[str, Any], version: Optional[str]) -> None: ...

    def on_error(self, error: BaseException) -> None: ...


class ConfigSource(Protocol):
    def start(self, listener: ConfigListener) -> None:
        """Non-blocking; may start a daemon thread."""
        ...

    def close(self) -> None: ...


class ClientConfigListener(ConfigListener, Protocol):
    """What the client actually passes to ``start``: a ConfigListener that also tells sources
    what it holds, so a stream can resume with ``Last-Event-ID`` and resync after a patch
    that did not apply. Sources needing only ConfigListener may ignore it."""

    def applied_version(self) -> Optional[int]:
        """Version of the applied config, or None before the first one. After ``on_config``
        with a patch, a version below the patch's means it was not applied (no base config,
        or it was invalid): the source should fetch a full snapshot."""
        ...

    def on_recover(self) -> None:
        """The source reached its server again (a 200 or 304, or bytes on the stream) after
        an ``on_error``: the client's config is no longer stale."""
        ...


def listener_version(listener: ConfigListener) -> Optional[int]:
    """``applied_version()`` of a ClientConfigListener, None for a plain ConfigListener."""
    applied_version = getattr(listener, "applied_version", None)
    version = applied_version() if callable(applied_version) else None
    return version if isinstance(version, int) else None


def notify_recover(listener: ConfigListener) -> None:
    """``on_recover()`` of a ClientConfigListener; nothing for a plain ConfigListener."""
    on_recover = getattr(listener, "on_recover", None)
    if callable(on_recover):
        on_recover()


def parse_json_object(text: str, where: str) -> Mapping[str, Any]:
    """``text`` as a JSON object; raises ValueError naming ``where``."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ValueError(f"invalid JSON in {where}: {error}") from None
    if not isinstance(document, dict):
        raise ValueError(f"{where} must hold a JSON object, got {type(document).__name__}")
    return document
