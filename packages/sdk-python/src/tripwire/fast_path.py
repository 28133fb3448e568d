"""The client's hot path: per applied config, each flag's generated resolver bound to this
client's records of its results (``Served``: value, counter slot, whether it is an exposure),
so ``get_boolean_value`` and its siblings are the getter, ``TripwireClient._serve`` and the
resolver: three Python calls, with counting a list increment."""

from __future__ import annotations

import copy
import functools
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from .evaluation.compiled_config import CompiledConfig
from .evaluation.compiled_flag import CompiledFlag, CompiledRollout, SharedResult, allocate_unit
from .evaluation.flag_resolver import FlagResolverCode, Resolver
from .telemetry.exposure_recorder import ExposureRecorder
from .telemetry.unit_cache import ExposureLog


def _is_boolean(value: Any) -> bool:
    return value is True or value is False


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


BOOLEAN, STRING, NUMBER = 0, 1, 2
#: Per fast kind (the index): the flag type it serves and the check of a value of that type.
FAST_KINDS: Tuple[Tuple[str, Callable[[Any], bool]], ...] = (
    ("boolean", _is_boolean),
    ("string", _is_string),
    ("number", _is_number),
)
FastTables = Tuple[Dict[str, Resolver], ...]
NO_FAST_TABLES: FastTables = tuple({} for _ in FAST_KINDS)
Resolvers = Dict[str, Resolver]


_NOT_LOGGED = ExposureLog(1)  # the log of results that are not exposures: unused


class Served:
    """One prebuilt result of one flag as one client serves it. An exposure that a rollout can
    serve has a ``twin``: the same record with ``repeat`` set, which the client's rollout
    memos give instead once the flag's log holds the unit's exposure to it (ExposureLog)."""

    __slots__ = (
        "exposes",
        "flag_key",
        "log",
        "reason",
        "repeat",
        "result",
        "slot",
        "twin",
        "unit",
        "value",
        "variant",
    )

    def __init__(
        self,
        flag: CompiledFlag,
        result: SharedResult,
        recorder: ExposureRecorder,
        in_rollout: bool,
    ) -> None:
        self.result = result
        self.value = result.value
        self.variant: str = result.variant or ""  # exposes only when there is one
        self.reason = result.reason
        self.flag_key = flag.key
        self.unit = flag.unit
        self.slot = recorder.evaluations.slot_of(flag.key, self.variant, result.reason)
        self.exposes = result.variant is not None and recorder.is_exposure(flag, result.reason)
        # the client's log of the flag's exposures, kept across configs
        self.log = recorder.units.log_for(flag.key) if self.exposes else _NOT_LOGGED
        self.repeat = False
        self.twin: Optional[Served] = None
        if self.exposes and in_rollout:
            twin = copy.copy(self)
            twin.repeat = True
            self.twin = twin


def _fast_kind(flag: CompiledFlag, code: FlagResolverCode) -> Optional[int]:
    """The table a flag goes in: its type's, when every result it can serve has a value of
    that type (so the getter's type check holds without looking); None: the generic path."""
    if flag.broken is not None:
        return None
    for kind, (flag_type, fits) in enumerate(FAST_KINDS):
        if flag.type == flag_type:
            ok = all(fits(result.value) for result in code.names.every_result())
            return kind if ok else None
    return None


def _remember(
    rollout: CompiledRollout, memo: Dict[str, Served], served: Mapping[int, Served], unit_key: str
) -> Served:
    """A miss in the client's memo of a rollout: the unit's result (the config's memo, or its
    allocation), whose record goes into the memo, bounded like the config's table."""
    result = rollout.table.get(unit_key)
    if result is None:
        result = allocate_unit(rollout, unit_key)
    record = served[id(result)]
    if len(memo) >= rollout.memo.table_capacity():
        memo.clear()
    memo[unit_key] = record
    return record


def _bind_flag(
    flag: CompiledFlag, code: FlagResolverCode, recorder: ExposureRecorder, resolvers: Resolvers
) -> Resolver:
    """The flag's resolver for this client: its records per result, its own memo per rollout
    (which the flag's exposure log knows, for the repeat twins), prerequisites through
    ``resolvers``."""
    in_rollouts = {id(r) for ro in code.names.rollouts for r in (*ro.results, ro.outside)}
    served = {
        id(result): Served(flag, result, recorder, id(result) in in_rollouts)
        for result in code.names.every_result()
    }
    memos: List[Dict[str, Served]] = []

    def bind(rollout: CompiledRollout) -> Tuple[Dict[str, Served], Callable[[str], Served]]:
        memo: Dict[str, Served] = {}
        memos.append(memo)
        return memo, functools.partial(_remember, rollout, memo, served)

    resolve = code.build(lambda result: served[id(result)], resolvers, bind)
    if any(record.twin is not None for record in served.values()):
        # this config's memos replace the last one's (whose resolvers are being replaced)
        recorder.units.log_for(flag.key).memos = tuple(memos)
    return resolve


def prepare_fast_tables(engine: CompiledConfig, recorder: ExposureRecorder) -> FastTables:
    """The client's resolvers of a config, per fast kind (flag key -> resolver). Prerequisites
    resolve through the client's resolvers too (a flag without generated code through the
    core's: a prerequisite only reads the variant)."""
    flags: List[CompiledFlag] = []
    for key in engine.list_flag_keys():
        flag = engine.get_flag(key)
        if flag is not None:
            flags.append(flag)
    resolvers: Resolvers = {}
    tables: FastTables = tuple({} for _ in FAST_KINDS)
    for flag in flags:
        code = flag.resolver_code
        if not isinstance(code, FlagResolverCode):
            if flag.resolve is not None:
                resolvers[flag.key] = flag.resolve
            continue
        resolvers[flag.key] = resolve = _bind_flag(flag, code, recorder, resolvers)
        kind = _fast_kind(flag, code)
        if kind is not None:
            tables[kind][flag.key] = resolve
    return tables
