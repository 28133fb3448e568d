"""``create_client``: checks the options, builds the source they name, creates the client."""

from __future__ import annotations

import logging
import random as random_module
import time
from typing import Any, Callable, Mapping, Optional, Sequence

from opentelemetry.metrics import Meter
from opentelemetry.trace import Tracer

from .client import DEFAULT_LOGGER, TripwireClient
from .client_options import SourceOption, check_client_options, resolve_local_defaults
from .sources.source_types import SourceSettings, create_source


def create_client(
    *,
    source: SourceOption,
    environment: Optional[str] = None,
    hash_key: Optional[str] = None,
    sdk_key: Optional[str] = None,
    bootstrap: Optional[Mapping[str, Any]] = None,
    tracer: Optional[Tracer] = None,
    meter: Optional[Meter] = None,
    exposure_reasons: Optional[Sequence[str]] = None,
    unit_cache_size: Optional[int] = None,
    logger: Optional[logging.Logger] = DEFAULT_LOGGER,
    now: Callable[[], float] = time.time,
    random: Callable[[], float] = random_module.random,
) -> TripwireClient:
    """Creates a client. Raises TripwireError (``TRIPWIRE_INVALID_OPTIONS``) on invalid
    options only. ``source`` is a ConfigSource or a mapping naming one, such as
    ``{"type": "stream", "base_url": ...}`` or ``{"type": "file", "path": "flags.json"}`` (see
    ``tripwire.sources.SOURCE_TYPES``). ``environment`` and ``hash_key`` are required with the
    network sources; a local (file/static) client defaults to ``development`` and a random
    per-process hash key (with a warning)."""
    environment, hash_key = resolve_local_defaults(
        environment=environment, hash_key=hash_key, source=source, logger=logger
    )
    check_client_options(
        environment=environment,
        hash_key=hash_key,
        source=source,
        sdk_key=sdk_key,
        bootstrap=bootstrap,
        exposure_reasons=exposure_reasons,
        unit_cache_size=unit_cache_size,
    )
    built = (
        create_source(source, SourceSettings(sdk_key=sdk_key, random=random))
        if isinstance(source, Mapping)
        else source
    )
    return TripwireClient(
        environment=environment,
        hash_key=hash_key,
        source=built,
        bootstrap=bootstrap,
        tracer=tracer,
        meter=meter,
        exposure_reasons=exposure_reasons,
        unit_cache_size=unit_cache_size,
        logger=logger,
        now=now,
    )
