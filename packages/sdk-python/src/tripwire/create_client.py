"""``create_client``: checks the options, builds the source they name, creates the client."""

from __future__ import annotations

import logging
import random as random_module
import time
from typing import Any, Callable, Mapping, Optional, Sequence

from opentelemetry.metrics import Meter
from opentelemetry.trace import Tracer

from .client import DEFAULT_LOGGER, TripwireClient
from .client_options import SourceOption, check_client_options
from .sources.source_types import SourceSettings, create_source


def create_client(
    *,
    environment: str,
    hash_key: str,
    source: SourceOption,
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
    ``{"type": "file", "path": "flags.json"}`` (see ``tripwire.sources.SOURCE_TYPES``)."""
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
