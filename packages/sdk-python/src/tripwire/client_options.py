"""Checks ``create_client`` options; the only place the SDK raises (TripwireError)."""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any, Mapping, Optional, Sequence, Tuple, Union

from .errors import TripwireError
from .schema.telemetry import EVALUATION_REASONS, FLAG_KEY_PATTERN
from .schema.validate import validate_config_snapshot
from .sources.config_source import ConfigSource

MIN_HASH_KEY_LENGTH = 16
LOCAL_ENVIRONMENT = "development"
LOCAL_SOURCE_ORIGINS = ("file", "static")
SourceOption = Union[ConfigSource, Mapping[str, Any]]


def invalid(message: str) -> TripwireError:
    return TripwireError("TRIPWIRE_INVALID_OPTIONS", f"create_client: {message}")


def is_local_source(source: Any) -> bool:
    """A file or static source (a mapping naming one, or a source object of that origin)."""
    kind = source.get("type") if isinstance(source, Mapping) else getattr(source, "origin", None)
    return kind in LOCAL_SOURCE_ORIGINS


def resolve_local_defaults(
    *,
    environment: Optional[str],
    hash_key: Optional[str],
    source: Any,
    logger: Optional[logging.Logger],
) -> Tuple[Any, Any]:
    """What a local (file/static) client may leave out, as ``@tripwire/sdk`` fills it: the
    environment (``development``) and a random per-process hash key, with a warning. Network
    clients get both back unchanged (the checks then name what is missing)."""
    if not is_local_source(source):
        return environment, hash_key
    if hash_key is None:
        hash_key = secrets.token_hex(16)
        if logger is not None:
            logger.warning(
                "[tripwire] no hash_key given, so unit ids are hashed with a random key for this "
                "process only and will not match across services or restarts. Set hash_key (the "
                "same secret of 16+ characters in every service) before you send telemetry to "
                "Tripwire."
            )
    return (LOCAL_ENVIRONMENT if environment is None else environment), hash_key


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
            f"hash_key must be a secret string of at least {MIN_HASH_KEY_LENGTH} characters "
            "(only a local file or static client may leave it out)"
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
