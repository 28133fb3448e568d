"""The one table from ``source={"type": ...}`` options to source classes."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional

from ..errors import TripwireError
from .config_source import ConfigSource
from .file_source import FileSource
from .http_get import SDK_CONFIG_PATH, SDK_STREAM_PATH, check_http_url, sdk_url
from .polling_source import PollingSource
from .static_source import StaticSource
from .stream_source import StreamSource


@dataclass(frozen=True)
class SourceSettings:
    """Client options a source may need besides its own ``source`` mapping."""

    sdk_key: Optional[str] = None
    random: Callable[[], float] = field(default=random.random)


SourceFactory = Callable[[Mapping[str, Any], SourceSettings], ConfigSource]


def invalid_source(message: str) -> TripwireError:
    return TripwireError("TRIPWIRE_INVALID_OPTIONS", f"create_client: source{message}")


def _positive(options: Mapping[str, Any], name: str, where: str = "") -> Optional[float]:
    value = options.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1e9:
        raise invalid_source(f"{where}.{name} must be a positive number of seconds, got {value!r}")
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


def _base_url(options: Mapping[str, Any]) -> str:
    base_url = options.get("base_url")
    try:
        if not isinstance(base_url, str):
            raise ValueError("not a string")
        check_http_url(base_url)
    except ValueError:
        raise invalid_source(
            f".base_url must be an absolute http(s) URL of the analysis service, got {base_url!r}"
        ) from None
    return base_url


def _given(**values: Optional[float]) -> Dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _create_polling(options: Mapping[str, Any], settings: SourceSettings) -> ConfigSource:
    url = sdk_url(_base_url(options), SDK_CONFIG_PATH)
    timing = _given(
        interval_s=_positive(options, "interval_s"), timeout_s=_positive(options, "timeout_s")
    )
    return PollingSource(url, sdk_key=settings.sdk_key, **timing)


def _create_stream(options: Mapping[str, Any], settings: SourceSettings) -> ConfigSource:
    base_url = _base_url(options)
    backoff = options.get("backoff", {})
    if not isinstance(backoff, Mapping):
        raise invalid_source(".backoff must be a mapping such as {'base_s': 0.5, 'max_s': 30}")
    failures = options.get("fallback_after_failures")
    if failures is not None and (
        isinstance(failures, bool) or not isinstance(failures, int) or failures < 1
    ):
        raise invalid_source(f".fallback_after_failures must be an integer >= 1, got {failures!r}")
    tuning = _given(
        backoff_base_s=_positive(backoff, "base_s", ".backoff"),
        backoff_max_s=_positive(backoff, "max_s", ".backoff"),
        fallback_poll_interval_s=_positive(options, "fallback_poll_interval_s"),
        idle_timeout_s=_positive(options, "idle_timeout_s"),
    )
    if failures is not None:
        tuning["fallback_after_failures"] = failures
    return StreamSource(
        sdk_url(base_url, SDK_STREAM_PATH),
        sdk_url(base_url, SDK_CONFIG_PATH),
        sdk_key=settings.sdk_key,
        random=settings.random,
        **tuning,
    )


SOURCE_TYPES: Dict[str, SourceFactory] = {
    "static": _create_static,
    "file": _create_file,
    "polling": _create_polling,
    "stream": _create_stream,
}

NETWORK_SOURCE_TYPES = ("polling", "stream")


def create_source(options: Mapping[str, Any], settings: SourceSettings) -> ConfigSource:
    """Builds the source ``options`` describe; raises TripwireError naming a bad option."""
    kind = options.get("type")
    factory = SOURCE_TYPES.get(kind) if isinstance(kind, str) else None
    if factory is None:
        names = ", ".join(sorted(SOURCE_TYPES))
        raise invalid_source(f".type must be one of {names}, got {kind!r}")
    return factory(options, settings)
