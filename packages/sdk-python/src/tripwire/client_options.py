"""Checks ``create_client`` options; the only place the SDK raises (TripwireError)."""

from __future__ import annotations

import re
from typing import Any, Mapping, Optional, Sequence, Union

from .errors import TripwireError
from .schema.telemetry import EVALUATION_REASONS, FLAG_KEY_PATTERN
from .schema.validate import validate_config_snapshot
from .sources.config_source import ConfigSource

MIN_HASH_KEY_LENGTH = 16
SourceOption = Union[ConfigSource, Mapping[str, Any]]


def invalid(message: str) -> TripwireError:
    return TripwireError("TRIPWIRE_INVALID_OPTIONS", f"create_client: {message}")


def check_client_options(
    *,
    environment: Any,
    hash_key: Any,
    source: Any,
    sdk_key: Any,
    bootstrap: Optional[Any],
    exposure_reasons: Optional[Sequence[Any]],
    unit_cache_size: Optional[Any],
) -> None:
    """Raises a TripwireError naming the first invalid option."""
    if (
        not isinstance(environment, str)
        or re.match(FLAG_KEY_PATTERN.replace("$", r"\Z"), environment) is None
    ):
        raise invalid(f"environment must match {FLAG_KEY_PATTERN}, got {environment!r}")
    if not isinstance(hash_key, str) or len(hash_key) < MIN_HASH_KEY_LENGTH:
        raise invalid(
            f"hash_key must be a secret string of at least {MIN_HASH_KEY_LENGTH} characters"
        )
    if sdk_key is not None and not isinstance(sdk_key, str):
        raise invalid("sdk_key must be a string")
    for reason in exposure_reasons or ():
        if reason not in EVALUATION_REASONS:
            raise invalid(f"exposure_reasons: unknown reason {reason!r}")
    if unit_cache_size is not None and (
        isinstance(unit_cache_size, bool)
        or not isinstance(unit_cache_size, int)
        or unit_cache_size < 2
    ):
        raise invalid(f"unit_cache_size must be an integer >= 2, got {unit_cache_size!r}")
    if bootstrap is not None:
        issues = validate_config_snapshot(bootstrap)
        if issues:
            raise invalid(f"bootstrap is not a valid config snapshot: {issues[0].describe()}")
    if not isinstance(source, Mapping) and not (
        callable(getattr(source, "start", None)) and callable(getattr(source, "close", None))
    ):
        raise invalid(
            "source must be a ConfigSource or a mapping such as {'type': 'file', 'path': ...}"
        )
