"""What a client does when its config source reports: a config applied or refused, the source
failed or recovered; the listeners it tells, and the warnings it logs (one line per distinct
problem). The base of :class:`TripwireClient`, kept apart from the evaluation hot path."""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Dict, List, Optional

from .client_state import ReadyResult
from .config_store import ConfigChange, ConfigProblem, ConfigStore
from .ready_signal import ReadySignal
from .schema.date_time import parse_date_time

Listener = Callable[[Any], None]
EVENTS = ("change", "error", "recover")


class ClientEvents:
    """The client's state that source events change; :class:`TripwireClient` sets it up."""

    _store: ConfigStore
    _logger: Optional[logging.Logger]
    _listeners: Dict[str, List[Listener]]
    _delivered: ReadySignal
    _stale: bool
    _last_problem: Optional[ConfigProblem]
    _last_logged: Optional[str]
    _closed: bool

    def _receive(self, document: Any, origin: str) -> None:
        if self._closed:
            return
        try:
            self._store.receive(document, origin)
        except Exception as error:  # a bug must not kill the source's thread
            self._on_problem(
                ConfigProblem(
                    "TRIPWIRE_INVALID_CONFIG", origin, f"config could not be applied: {error!r}"
                )
            )

    def _source_failed(self, error: BaseException, origin: str) -> None:
        if not self._closed:
            self._store.fail(error, origin)

    def _source_recovered(self, origin: str) -> None:
        if not self._stale or self._closed:
            return
        self._stale = False
        self._last_logged = None
        self._emit("recover", {"origin": origin})

    def _on_change(self, change: ConfigChange) -> None:
        if change.origin != "bootstrap":
            self._stale = False
            self._delivered.set()
        self._last_logged = None
        self._emit("change", change)

    def _on_problem(self, problem: ConfigProblem) -> None:
        if self._closed:
            return
        self._last_problem = problem
        if problem.code == "TRIPWIRE_SOURCE_FAILED":
            self._stale = True
        if (
            problem.message != self._last_logged
        ):  # one line per distinct problem: outages do not flood logs
            self._last_logged = problem.message
            self._warn(f"{problem.code}: {problem.message}")
        self._emit("error", problem)

    def _emit(self, event: str, payload: Any) -> None:
        for listener in list(self._listeners[event]):
            try:
                listener(payload)
            except Exception as error:
                self._warn(f"a {event} listener raised: {error!r}")

    def _warn(self, message: str) -> None:
        if self._logger is not None:
            self._logger.warning("[tripwire] %s", message)

    def _ready_result(self, *, timed_out: bool) -> ReadyResult:
        applied = self._store.applied
        return ReadyResult(
            ready=applied is not None,
            origin=None if applied is None else applied.origin,
            version=None if applied is None else int(applied.snapshot["version"]),
            timed_out=timed_out,
            last_problem=self._last_problem,
        )

    def _applied_config_info(self) -> Optional[tuple]:  # type: ignore[type-arg]
        applied = self._store.applied
        if applied is None:
            return None
        generated = parse_date_time(str(applied.snapshot["generatedAt"]))
        return (
            int(applied.snapshot["version"]),
            generated.timestamp() if generated else time.time(),
        )
