"""The assignment client: local evaluation, exposures and attribution. Never raises into host
code after construction."""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import metrics, trace
from opentelemetry.metrics import Meter
from opentelemetry.trace import Tracer

from .client_events import EVENTS, ClientEvents, Listener
from .client_state import ClientStatus, ReadyResult, SourceListener
from .config_store import ConfigProblem, ConfigStore
from .evaluation.compiled_flag import (
    CompiledFlag,
    EvaluationResult,
)
from .fast_path import BOOLEAN, NUMBER, STRING, Served, prepare_fast_tables
from .ready_signal import ReadySignal
from .sources.config_source import ConfigSource
from .telemetry.active_context import current_context
from .telemetry.assignment_baggage import create_assignment_context
from .telemetry.conversion_span import record_conversion
from .telemetry.exposure_recorder import (
    DEFAULT_EXPOSURE_REASONS,
    ExposureRecorder,
)
from .telemetry.sdk_metrics import register_sdk_metrics
from .telemetry.tracing_registered import PROVIDER_FROM_ENVIRONMENT
from .telemetry.unit_cache import DEFAULT_UNIT_CACHE_SIZE, UnitCache

T = TypeVar("T")
DEFAULT_LOGGER = logging.getLogger("tripwire")
INSTRUMENTATION_NAME = "tripwire"


def _error_result(default: T, code: str, message: str) -> EvaluationResult[T]:
    return EvaluationResult(default, None, "error", code, message)


def _is_boolean(value: Any) -> bool:
    return value is True or value is False


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class TripwireClient(ClientEvents):
    """Create with :func:`create_client`. Thread-safe; evaluation never blocks on I/O."""

    def __init__(
        self,
        *,
        environment: str,
        hash_key: str,
        source: ConfigSource,
        bootstrap: Optional[Mapping[str, Any]] = None,
        tracer: Optional[Tracer] = None,
        meter: Optional[Meter] = None,
        exposure_reasons: Optional[Sequence[str]] = None,
        unit_cache_size: Optional[int] = None,
        logger: Optional[logging.Logger] = DEFAULT_LOGGER,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.environment = environment
        self._source = source
        self._logger = logger
        self._units = UnitCache(hash_key, unit_cache_size or DEFAULT_UNIT_CACHE_SIZE)
        self._tracer = tracer or trace.get_tracer(INSTRUMENTATION_NAME)
        self._recorder = ExposureRecorder(
            tracer=self._tracer,
            environment=environment,
            units=self._units,
            exposure_reasons=DEFAULT_EXPOSURE_REASONS
            if exposure_reasons is None
            else exposure_reasons,
            tracing_live=tracer is not None,
        )
        self._listeners: Dict[str, List[Listener]] = {event: [] for event in EVENTS}
        self._delivered = ReadySignal()
        self._stale = False
        self._last_problem: Optional[ConfigProblem] = None
        self._last_logged: Optional[str] = None
        self._closed = False
        self._counts = self._recorder.evaluations.local  # the hot path's per-thread shard
        self._store = ConfigStore(
            environment,
            self._on_change,
            self._on_problem,
            lambda engine: prepare_fast_tables(engine, self._recorder),
        )
        self._unregister_metrics = register_sdk_metrics(
            meter or metrics.get_meter(INSTRUMENTATION_NAME),
            evaluations=self._recorder.evaluations,
            exposures=self._recorder.exposures,
            environment=environment,
            applied_config=self._applied_config_info,
            now=now,
        )
        if bootstrap is not None:
            self._store.receive(bootstrap, "bootstrap")
        origin = getattr(source, "origin", "custom")
        try:
            source.start(SourceListener(self, origin if isinstance(origin, str) else "custom"))
        except Exception as error:  # a source that fails to start is a source failure
            self._source_failed(error, origin if isinstance(origin, str) else "custom")

    # ---------------------------------------------------------------- evaluation

    def assign(
        self, flag_key: str, context: Mapping[str, Any], default_value: T
    ) -> EvaluationResult[T]:
        """Evaluates a flag and records the evaluation, the exposure and the attribution."""
        return self._evaluate(flag_key, context, default_value, None)

    def get_boolean_details(
        self, flag_key: str, context: Mapping[str, Any], default_value: bool
    ) -> EvaluationResult[bool]:
        if default_value is True or default_value is False:
            served = self._serve(BOOLEAN, flag_key, context)
            if served is not None:
                return served.result
        return self._evaluate(flag_key, context, default_value, _is_boolean)

    def get_string_details(
        self, flag_key: str, context: Mapping[str, Any], default_value: str
    ) -> EvaluationResult[str]:
        if isinstance(default_value, str):
            served = self._serve(STRING, flag_key, context)
            if served is not None:
                return served.result
        return self._evaluate(flag_key, context, default_value, _is_string)

    def get_number_details(
        self, flag_key: str, context: Mapping[str, Any], default_value: float
    ) -> EvaluationResult[float]:
        if _is_number(default_value):
            served = self._serve(NUMBER, flag_key, context)
            if served is not None:
                return served.result
        return self._evaluate(flag_key, context, default_value, _is_number)

    def get_object_details(
        self, flag_key: str, context: Mapping[str, Any], default_value: T
    ) -> EvaluationResult[T]:
        return self._evaluate(flag_key, context, default_value, None)

    def get_boolean_value(
        self, flag_key: str, context: Mapping[str, Any], default_value: bool
    ) -> bool:
        if default_value is True or default_value is False:
            served = self._serve(BOOLEAN, flag_key, context)
            if served is not None:
                return served.value  # type: ignore[no-any-return]
        return self._evaluate(flag_key, context, default_value, _is_boolean).value

    def get_string_value(
        self, flag_key: str, context: Mapping[str, Any], default_value: str
    ) -> str:
        if isinstance(default_value, str):
            served = self._serve(STRING, flag_key, context)
            if served is not None:
                return served.value  # type: ignore[no-any-return]
        return self._evaluate(flag_key, context, default_value, _is_string).value

    def get_number_value(
        self, flag_key: str, context: Mapping[str, Any], default_value: float
    ) -> float:
        if _is_number(default_value):
            served = self._serve(NUMBER, flag_key, context)
            if served is not None:
                return served.value  # type: ignore[no-any-return]
        return self._evaluate(flag_key, context, default_value, _is_number).value

    def get_object_value(self, flag_key: str, context: Mapping[str, Any], default_value: T) -> T:
        return self._evaluate(flag_key, context, default_value, None).value

    def _serve(self, kind: int, flag_key: str, context: Any) -> Optional[Served]:
        """The hot path of the typed getters (the default already fits the type): the flag's
        resolver bound to this client (fast_path.py), the evaluation counted, the exposure
        recorded. None sends the call down ``_evaluate``, which gives what this path would
        have and also handles errors: no config, an unknown or broken flag, a context that
        is not a plain dict, a failure (e.g. no unit key)."""
        applied = self._store.applied
        if applied is None or type(context) is not dict:
            return None
        resolve = applied.prepared[kind].get(flag_key)
        if resolve is None:
            return None
        try:
            served = resolve(context)
        except Exception:  # a plain dict cannot make it raise; _evaluate would report it
            return None
        if type(served) is not Served:
            return None
        try:
            self._counts.counts[served.slot] += 1
        except (AttributeError, IndexError):  # this thread's first count, or a new series
            self._recorder.evaluations.add(served.slot)
        if served.exposes:
            # ExposureRecorder.expose's answers for the commonest calls, without the call.
            recorder = self._recorder
            if served.repeat:
                # A rollout memo's repeat twin: this client's log of the flag held the unit's
                # exposure to this variant when the twin went in, and every change of the
                # unit's variant in the log drops its twins (both under the log's lock,
                # ExposureLog). This read takes no lock: a dict lookup is atomic under the
                # GIL, and a call racing a switch is ordered before it (the unit was exposed
                # to this variant already). Left to check: a context with nothing to stamp.
                if current_context() is recorder.inert:
                    return served
            elif recorder.tracing_live:
                # a repeat of an exposure not (yet) a twin in a memo (a fixed result, or the
                # unit's first call since a config change): the flag's log, then the same
                unit_key: Any = context.get(served.unit)  # a str, or not found in the log
                try:
                    if (
                        served.log.recent.get(unit_key) == served.variant
                        and current_context() is recorder.inert
                    ):
                        if served.twin is not None:
                            served.log.remember_repeat(unit_key, served)
                        return served
                except TypeError:  # an unhashable value: not a unit key
                    pass
            elif not PROVIDER_FROM_ENVIRONMENT and getattr(trace, "_TRACER_PROVIDER", 1) is None:
                return served  # no OTel SDK yet: nothing to record
            self._expose(flag_key, served, context)
        return served

    def _expose(self, flag_key: str, served: Served, context: Any) -> None:
        """``_serve``'s exposures that take ExposureRecorder.expose; once the flag's log holds
        the exposure, the memos that gave ``served`` give its repeat twin."""
        try:
            exposed = self._recorder.expose(
                flag_key,
                served.unit,
                served.variant,
                served.reason,
                served.result.flag_version,
                context,
            )
            if exposed is not None and served.twin is not None:
                served.log.remember_repeat(exposed, served)
        except Exception:  # telemetry never changes a flag's value
            pass

    def _evaluate(
        self,
        flag_key: str,
        context: Mapping[str, Any],
        default: T,
        fits: Optional[Callable[[Any], bool]],
    ) -> EvaluationResult[T]:
        """The one evaluation path: the flag looked up once, evaluated, recorded, and its
        value checked against the requested type (``fits``; None: any value)."""
        applied = self._store.applied
        if applied is None:
            return _error_result(default, "provider_not_ready", "no config applied yet")
        try:
            engine = applied.engine
            flag = engine.get_flag(flag_key)
            result = engine.evaluate_flag(flag_key, flag, context, default)
        except Exception as error:  # the core never raises; this guards against hostile input
            return _error_result(default, "general", f"evaluation failed: {error}")
        try:
            self._recorder.record(flag_key, flag, context, result)
        except Exception:  # telemetry never changes a flag's value
            pass
        if fits is None or fits(result.value):
            return result
        return _error_result(
            default,
            "type_mismatch",
            f"flag '{flag_key}' did not give a value of the default's type",
        )

    # ---------------------------------------------------------------- telemetry

    def track(
        self,
        event_name: str,
        *,
        context: Optional[Mapping[str, Any]] = None,
        unit_key: Optional[str] = None,
        value: Optional[float] = None,
    ) -> None:
        """Records a ``tripwire.conversion`` span attributed to the unit (never raises)."""
        try:
            record_conversion(
                tracer=self._tracer,
                units=self._units,
                environment=self.environment,
                event_name=event_name,
                context=context,
                unit_key=unit_key,
                value=value,
            )
        except Exception:  # tracking must never break the caller
            pass

    @contextlib.contextmanager
    def with_assignments(self) -> Iterator[otel_context.Context]:
        """A scope whose baggage carries every assignment made inside it (``tripwire.unit``,
        ``tripwire.assignments``), so outbound requests and later spans are attributed."""
        token = otel_context.attach(create_assignment_context(otel_context.get_current()))
        try:
            yield otel_context.get_current()
        finally:
            otel_context.detach(token)

    def assignment_context(
        self, parent: Optional[otel_context.Context] = None
    ) -> otel_context.Context:
        """The same scope as a Context derived from ``parent``, for frameworks that take one."""
        return create_assignment_context(
            parent if parent is not None else otel_context.get_current()
        )

    def hash_unit(self, unit_key: str) -> str:
        """The keyed hash under which ``unit_key`` appears in telemetry (cached)."""
        return self._units.id_for(unit_key)

    def get_flag_info(self, flag_key: str) -> Optional[CompiledFlag]:
        """Static facts about a flag in the applied config (kind, unit, version, variants…)."""
        applied = self._store.applied
        return None if applied is None else applied.engine.get_flag(flag_key)

    # ---------------------------------------------------------------- lifecycle

    def status(self) -> ClientStatus:
        applied = self._store.applied
        return ClientStatus(
            origin=None if applied is None else applied.origin,
            version=None if applied is None else int(applied.snapshot["version"]),
            generated_at=None if applied is None else str(applied.snapshot["generatedAt"]),
            stale=self._stale,
            last_problem=self._last_problem,
            closed=self._closed,
        )

    def on(self, event: str, listener: Listener) -> Callable[[], None]:
        """Subscribes to ``change`` (ConfigChange), ``error`` (ConfigProblem) or ``recover``
        ({"origin": …}); returns a function that unsubscribes."""
        if event not in self._listeners:
            raise ValueError(f"unknown event {event!r}; one of {', '.join(EVENTS)}")
        self._listeners[event].append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners[event].remove(listener)

        return unsubscribe

    def ready(self, timeout: float = 5.0) -> ReadyResult:
        """Blocks until the source delivered a config or ``timeout`` seconds passed."""
        delivered = self._closed or self._delivered.wait(timeout)
        return self._ready_result(timed_out=not delivered)

    async def ready_async(self, timeout: float = 5.0) -> ReadyResult:
        """``ready`` for asyncio code: waits without blocking the event loop."""
        delivered = self._closed or await self._delivered.wait_async(timeout)
        return self._ready_result(timed_out=not delivered)

    def close(self) -> None:
        """Stops the source and the metric callbacks. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._unregister_metrics()
        self._delivered.wake_all()
        try:
            self._source.close()
        except Exception as error:
            self._warn(f"closing the config source failed: {error}")
        for listeners in self._listeners.values():
            listeners.clear()

    def __enter__(self) -> TripwireClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
