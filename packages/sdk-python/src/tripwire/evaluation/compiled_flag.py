"""A flag prepared for evaluation in one environment, and its resolution (the hot path)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Generic, List, Mapping, Optional, Sequence, TypeVar, Union

from .bucket import Allocation, AllocationMemo, allocate_bucket, compute_bucket
from .compile_condition import Matcher
from .js_number import format_js_number
from .murmur3 import HashPrefix

T = TypeVar("T")
DEFAULT_UNIT_ATTRIBUTE = "targetingKey"


@dataclass(frozen=True)
class EvaluationResult(Generic[T]):
    """The outcome of one evaluation, shaped like OpenFeature's resolution details with the
    semantic-conventions (lowercase) reasons and error codes."""

    value: T
    variant: Optional[str]
    reason: str
    error_code: Optional[str] = None
    error_message: Optional[str] = None
    flag_version: Optional[int] = None


class ResolutionFailure:
    """Why a flag could not be resolved; the caller turns it into the code default."""

    __slots__ = ("code", "message")

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message


SharedResult = EvaluationResult[Any]


@dataclass
class CompiledRollout:
    prefix: HashPrefix
    unit_attribute: str
    allocation: Allocation
    results: Sequence[SharedResult]  # one per weight entry, reason split
    outside: SharedResult  # defaultVariant, reason default
    missing_unit: ResolutionFailure
    memo: AllocationMemo  # the config's, whose capacity this rollout's table shares
    table: Dict[str, SharedResult]  # unit key -> its result (one of the above), allocate_unit


@dataclass
class CompiledServe:
    """Exactly one of ``result`` (a fixed variant) or ``rollout`` is set."""

    result: Optional[SharedResult] = None
    rollout: Optional[CompiledRollout] = None


@dataclass
class CompiledRule:
    id: str
    match: Matcher
    serve: CompiledServe


@dataclass
class CompiledPrerequisite:
    flag: CompiledFlag
    variants: frozenset  # type: ignore[type-arg]


@dataclass
class CompiledFlag:
    """Static facts callers may read (key, kind, unit, version…) and the compiled body."""

    key: str
    kind: str
    type: str
    unit: str
    version: int
    default_variant: str
    variants: Sequence[str]
    owner: str
    expires_at: Optional[str]
    off: SharedResult
    enabled: bool = False
    rules: List[CompiledRule] = field(default_factory=list)
    fallthrough: CompiledServe = field(default_factory=CompiledServe)
    prerequisites: List[CompiledPrerequisite] = field(default_factory=list)
    broken: Optional[ResolutionFailure] = None
    #: The flag's ``recordExposures`` (None: the client's ``exposure_reasons`` decide).
    record_exposures: Optional[bool] = None
    #: ``resolve_flag`` for this flag, compiled by ``compile_config`` (flag_resolver.py).
    resolve: Optional[Callable[[Mapping[str, Any]], Outcome]] = field(
        default=None, repr=False, compare=False
    )
    #: Its code, for callers binding their own objects to its results (FlagResolverCode).
    resolver_code: Any = field(default=None, repr=False, compare=False)


def is_compatible_default(kind: str, value: Any) -> bool:
    """Whether a code default fits the flag type (``json`` takes an object, array or None)."""
    if kind == "boolean":
        return value is True or value is False
    if kind == "string":
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return value is None or isinstance(value, (Mapping, list, tuple))


def read_unit_key(context: Mapping[str, Any], attribute: str) -> Optional[str]:
    """A unit key: a non-empty string, or a finite number in JavaScript's decimal form."""
    value = context.get(attribute)
    if type(value) is str or isinstance(value, str):
        return value if value else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return format_js_number(value)
    return None


Outcome = Union[SharedResult, ResolutionFailure]


def allocate_unit(rollout: CompiledRollout, unit_key: str) -> SharedResult:
    """The unit's result in the rollout (its weight entry's, or ``outside`` the coverage),
    memoised in ``rollout.table``."""
    index = allocate_bucket(rollout.allocation, compute_bucket(rollout.prefix, unit_key))
    result = rollout.outside if index < 0 else rollout.results[index]
    table = rollout.table
    if len(table) >= rollout.memo.table_capacity():
        table.clear()
    table[unit_key] = result
    return result


def _resolve_serve(serve: CompiledServe, context: Mapping[str, Any]) -> Outcome:
    if serve.result is not None:
        return serve.result
    rollout = serve.rollout
    assert rollout is not None
    unit_key = context.get(rollout.unit_attribute)
    if type(unit_key) is not str or not unit_key:  # the common case skips the call
        unit_key = read_unit_key(context, rollout.unit_attribute)
        if unit_key is None:
            return rollout.missing_unit
    result = rollout.table.get(unit_key)
    return allocate_unit(rollout, unit_key) if result is None else result


def resolve_flag(flag: CompiledFlag, context: Mapping[str, Any]) -> Outcome:
    """Prerequisites, then the first matching rule, then the fallthrough. Never raises on a
    well-behaved mapping; returns a shared result or a failure. The generic form of what
    ``flag.resolve`` does (``compile_config(…, specialise=False)`` evaluates with this)."""
    if flag.broken is not None:
        return flag.broken
    if not flag.enabled:
        return flag.off
    for prerequisite in flag.prerequisites:
        outcome = resolve_flag(prerequisite.flag, context)
        if isinstance(outcome, ResolutionFailure):
            message = f"prerequisite '{prerequisite.flag.key}': {outcome.message}"
            return ResolutionFailure(outcome.code, message)
        if outcome.variant not in prerequisite.variants:
            return flag.off
    for rule in flag.rules:
        if rule.match(context):
            return _resolve_serve(rule.serve, context)
    return _resolve_serve(flag.fallthrough, context)
