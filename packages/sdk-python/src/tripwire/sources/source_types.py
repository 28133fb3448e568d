"""The one table from ``source={"type": ...}`` options to source classes."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional

from ..errors import TripwireError
from .config_source import ConfigSource
from .file_source import FileSource
from .static_source import StaticSource


@dataclass(frozen=True)
class SourceSettings:
    """Client options a source may need besides its own ``source`` mapping."""

    sdk_key: Optional[str] = None
    random: Callable[[], float] = field(default=random.random)


SourceFactory = Callable[[Mapping[str, Any], SourceSettings], ConfigSource]


def invalid_source(message: str) -> TripwireError:
    return TripwireError("TRIPWIRE_INVALID_OPTIONS", f"create_client: source{message}")


def _positive(options: Mapping[str, Any], name: str) -> Optional[float]:
    value = options.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise invalid_source(f".{name} must be a positive number, got {value!r}")
    return float(value)


def _create_static(options: Mapping[str, Any], _settings: SourceSettings) -> ConfigSource:
    config = options.get("config")
    if not isinstance(config, Mapping):
        raise invalid_source(".config must be a config snapshot mapping")
    return StaticSource(config)


def _create_file(options: Mapping[str, Any], _settings: SourceSettings) -> ConfigSource:
    path = options.get("path")
    if not isinstance(path, str) or path == "":
        raise invalid_source(".path must be a file path")
    watch = options.get("watch", True)
    if not isinstance(watch, bool):
        raise invalid_source(".watch must be a boolean")
    interval_s = _positive(options, "interval_s")
    if interval_s is None:
        return FileSource(path, watch=watch)
    return FileSource(path, watch=watch, interval_s=interval_s)


SOURCE_TYPES: Dict[str, SourceFactory] = {
    "static": _create_static,
    "file": _create_file,
}


def create_source(options: Mapping[str, Any], settings: SourceSettings) -> ConfigSource:
    """Builds the source ``options`` describe; raises TripwireError naming a bad option."""
    kind = options.get("type")
    factory = SOURCE_TYPES.get(kind) if isinstance(kind, str) else None
    if factory is None:
        names = ", ".join(sorted(SOURCE_TYPES))
        raise invalid_source(f".type must be one of {names}, got {kind!r}")
    return factory(options, settings)
