"""What ``ready()`` and ``status()`` report, and the listener the client gives its source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Optional

from .config_store import ConfigProblem

if TYPE_CHECKING:
    from .client import TripwireClient


@dataclass(frozen=True)
class ReadyResult:
    """Where the config came from, or that none arrived in time."""

    ready: bool  # a config (from the source, or the bootstrap) is applied
    origin: Optional[str]
    version: Optional[int]
    timed_out: bool  # the timeout passed before the source delivered a config
    last_problem: Optional[ConfigProblem]


@dataclass(frozen=True)
class ClientStatus:
    origin: Optional[str]
    version: Optional[int]
    generated_at: Optional[str]
    stale: bool  # the source's most recent attempt failed (the config may be out of date)
    last_problem: Optional[ConfigProblem]
    closed: bool


class SourceListener:
    """The ClientConfigListener a client passes to its source (see sources.config_source)."""

    def __init__(self, client: TripwireClient, origin: str) -> None:
        self._client = client
        self._origin = origin

    def on_config(self, document: Mapping[str, Any], version: Optional[str]) -> None:
        self._client._receive(document, self._origin)

    def on_error(self, error: BaseException) -> None:
        self._client._source_failed(error, self._origin)

    def on_recover(self) -> None:
        self._client._source_recovered(self._origin)

    def applied_version(self) -> Optional[int]:
        return self._client._store.applied_version()
