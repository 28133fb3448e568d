"""``TripwireProvider``: OpenFeature resolution backed by a Tripwire client (local evaluation,
exposure spans, attribution and conversions exactly as with the client)."""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, TypeVar, Union

from openfeature.evaluation_context import EvaluationContext
from openfeature.event import ProviderEventDetails
from openfeature.exception import ErrorCode, GeneralError
from openfeature.flag_evaluation import FlagResolutionDetails, FlagValueType
from openfeature.provider import AbstractProvider, Metadata
from openfeature.track import TrackingEventDetails

from ..client import TripwireClient
from ..config_store import ConfigChange, ConfigProblem
from ..evaluation.compiled_flag import EvaluationResult
from ..schema.telemetry import PROVIDER_NAME

T = TypeVar("T")
ObjectValue = Union[Sequence[FlagValueType], Mapping[str, FlagValueType]]


def to_error_code(code: str) -> ErrorCode:
    """OpenFeature's upper-case error code for a semconv lower-case one."""
    try:
        return ErrorCode(code.upper())
    except ValueError:
        return ErrorCode.GENERAL


def to_context(context: Optional[EvaluationContext]) -> Dict[str, Any]:
    """A Tripwire context: OpenFeature's attributes plus ``targetingKey``."""
    if context is None:
        return {}
    out: Dict[str, Any] = dict(context.attributes or {})
    if context.targeting_key is not None:
        out["targetingKey"] = context.targeting_key
    return out


class TripwireProvider(AbstractProvider):
    """Reasons and error codes are OpenFeature's upper-case spellings; ``flag_metadata``
    carries ``flagSetId``, ``version`` and ``contextId`` (the hashed unit), as OpenFeature's
    appendix D names them. Events: PROVIDER_CONFIGURATION_CHANGED (with the changed flag keys)
    on every applied config, PROVIDER_STALE while the source fails, PROVIDER_READY when it is
    back or the first config arrives after ``initialize`` failed."""

    def __init__(
        self, client: TripwireClient, *, ready_timeout: float = 5.0, owns_client: bool = False
    ) -> None:
        super().__init__()
        self.client = client
        self._ready_timeout = ready_timeout
        self._owns_client = owns_client
        self._stale = False
        self._not_ready = False
        self._unsubscribe: List[Callable[[], None]] = [
            client.on("change", self._on_change),
            client.on("recover", self._on_recover),
            client.on("error", self._on_error),
        ]

    def get_metadata(self) -> Metadata:
        return Metadata(name=PROVIDER_NAME)

    def initialize(self, evaluation_context: EvaluationContext) -> None:
        """Waits for the first config; raises (provider status ERROR) if none arrives in time."""
        ready = self.client.ready(self._ready_timeout)
        if not ready.ready:
            self._not_ready = True
            why = f": {ready.last_problem.message}" if ready.last_problem is not None else ""
            raise GeneralError(f"no Tripwire config within {self._ready_timeout} s{why}")

    def shutdown(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        if self._owns_client:
            self.client.close()

    def _on_change(self, change: ConfigChange) -> None:
        if self._stale or self._not_ready:  # back from ERROR or STALE: OpenFeature needs READY
            self.emit_provider_ready(
                ProviderEventDetails(message=f"config {change.version} applied")
            )
        self._stale = False
        self._not_ready = False
        self.emit_provider_configuration_changed(
            ProviderEventDetails(flags_changed=list(change.changed_flags))
        )

    def _on_recover(self, payload: Mapping[str, str]) -> None:
        if self._stale:
            self.emit_provider_ready(
                ProviderEventDetails(message=f"{payload.get('origin')} source is back")
            )
        self._stale = False

    def _on_error(self, problem: ConfigProblem) -> None:
        if problem.code != "TRIPWIRE_SOURCE_FAILED" or self.client.status().version is None:
            return
        if not self._stale:
            self.emit_provider_stale(ProviderEventDetails(message=problem.message))
        self._stale = True

    def resolve_boolean_details(
        self,
        flag_key: str,
        default_value: bool,
        evaluation_context: Optional[EvaluationContext] = None,
    ) -> FlagResolutionDetails[bool]:
        return self._resolve(
            flag_key, default_value, evaluation_context, lambda v: isinstance(v, bool)
        )

    def resolve_string_details(
        self,
        flag_key: str,
        default_value: str,
        evaluation_context: Optional[EvaluationContext] = None,
    ) -> FlagResolutionDetails[str]:
        return self._resolve(
            flag_key, default_value, evaluation_context, lambda v: isinstance(v, str)
        )

    def resolve_integer_details(
        self,
        flag_key: str,
        default_value: int,
        evaluation_context: Optional[EvaluationContext] = None,
    ) -> FlagResolutionDetails[int]:
        details = self._resolve(flag_key, default_value, evaluation_context, _is_integral)
        if details.error_code is None and not isinstance(details.value, int):
            details.value = int(details.value)
        return details

    def resolve_float_details(
        self,
        flag_key: str,
        default_value: float,
        evaluation_context: Optional[EvaluationContext] = None,
    ) -> FlagResolutionDetails[float]:
        details = self._resolve(flag_key, default_value, evaluation_context, _is_number)
        details.value = float(details.value)
        return details

    def resolve_object_details(
        self,
        flag_key: str,
        default_value: ObjectValue,
        evaluation_context: Optional[EvaluationContext] = None,
    ) -> FlagResolutionDetails[ObjectValue]:
        return self._resolve(
            flag_key, default_value, evaluation_context, lambda v: isinstance(v, (Mapping, list))
        )

    def track(
        self,
        tracking_event_name: str,
        evaluation_context: Optional[EvaluationContext] = None,
        tracking_event_details: Optional[TrackingEventDetails] = None,
    ) -> None:
        unit_key = evaluation_context.targeting_key if evaluation_context is not None else None
        value = tracking_event_details.value if tracking_event_details is not None else None
        self.client.track(tracking_event_name, unit_key=unit_key, value=value)

    def _resolve(
        self,
        flag_key: str,
        default: T,
        context: Optional[EvaluationContext],
        fits: Callable[[Any], bool],
    ) -> FlagResolutionDetails[T]:
        tripwire_context = to_context(context)
        result: EvaluationResult[T] = self.client.assign(flag_key, tripwire_context, default)
        if result.error_code is None and not fits(result.value):
            message = (
                f"flag '{flag_key}' gave a {type(result.value).__name__}, not the requested type"
            )
            result = EvaluationResult(
                default, None, "error", "type_mismatch", message, result.flag_version
            )
        metadata: Dict[str, Union[bool, int, float, str]] = {"flagSetId": self.client.environment}
        if result.flag_version is not None:
            metadata["version"] = str(result.flag_version)
        unit_key = tripwire_context.get("targetingKey")
        if isinstance(unit_key, str) and unit_key != "":
            metadata["contextId"] = self.client.hash_unit(unit_key)
        return FlagResolutionDetails(
            value=result.value,
            error_code=None if result.error_code is None else to_error_code(result.error_code),
            error_message=result.error_message,
            reason=result.reason.upper(),
            variant=result.variant,
            flag_metadata=metadata,
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_integral(value: Any) -> bool:
    return _is_number(value) and math.isfinite(value) and float(value).is_integer()
