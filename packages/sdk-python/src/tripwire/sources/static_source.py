"""A config given as a mapping (a bootstrap, a test fixture); delivered once at start."""

from __future__ import annotations

from typing import Any, Mapping

from .config_source import ConfigListener


class StaticSource:
    """Delivers ``config`` to the listener once, synchronously, on ``start``."""

    origin = "static"

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = config

    def start(self, listener: ConfigListener) -> None:
        listener.on_config(self._config, None)

    def close(self) -> None:
        return None
