"""Each flag's resolution compiled at load into one Python function: its rules' conditions
inlined as expressions, its rollouts' memo lookups inlined, its results prebuilt, so resolving
a flag is one Python call (each call costs ~50 ns) instead of one per rule and condition.

The source is put together from the fixed templates below. Nothing from the config is ever
written into it: every attribute name, operand, matcher and result enters the function as a
global bound to a generated name (``_c3``). A flag whose source cannot be generated or compiled
(conditions nested past ``MAX_DEPTH``) keeps the generic ``resolve_flag``: same results.
"""

from __future__ import annotations

import functools
from types import CodeType
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from .compile_condition import (
    ConditionScope,
    compile_condition,
    compile_value_test,
    negated_value_test,
    positive_value_test,
)
from .compiled_flag import (
    CompiledFlag,
    CompiledRollout,
    CompiledServe,
    ResolutionFailure,
    SharedResult,
    allocate_unit,
    read_unit_key,
)

MAX_DEPTH = 40
"""Deepest condition tree inlined (Python's parser allows 200 nested parentheses)."""

_EQUALITY_OPS = ("equals", "in", "not_equals", "not_in")
_NEGATED_OPS = ("not_equals", "not_in")
Resolver = Callable[[Mapping[str, Any]], Any]
#: A rollout -> (its memo: unit key -> what the resolver returns, the miss function).
RolloutBinder = Callable[[CompiledRollout], Tuple[Mapping[str, Any], Callable[[str], Any]]]


class _TooDeep(Exception):
    pass


class ResolverNames:
    """The globals of one generated resolver: constants, the prebuilt results and the rollouts'
    tables (kept apart so each user of the code can bind its own objects to them, see
    ``FlagResolverCode.build``)."""

    def __init__(self) -> None:
        self.constants: Dict[str, Any] = {}
        self.results: Dict[str, SharedResult] = {}
        #: Per rollout, by its number n: the memo's name is ``_mn``, its miss function ``_fn``.
        self.rollouts: List[CompiledRollout] = []
        self._result_names: Dict[int, str] = {}

    def constant(self, value: Any) -> str:
        name = f"_c{len(self.constants)}"
        self.constants[name] = value
        return name

    def result(self, result: SharedResult) -> str:
        name = self._result_names.get(id(result))
        if name is None:
            name = self._result_names[id(result)] = f"_r{len(self.results)}"
            self.results[name] = result
        return name

    def rollout(self, rollout: CompiledRollout) -> int:
        self.rollouts.append(rollout)
        return len(self.rollouts) - 1

    def every_result(self) -> List[SharedResult]:
        rows = [r for rollout in self.rollouts for r in (*rollout.results, rollout.outside)]
        return list({id(r): r for r in [*self.results.values(), *rows]}.values())


def condition_expression(
    condition: Any, scope: ConditionScope, names: ResolverNames, depth: int = 0
) -> str:
    """A Python expression, over the local ``context``, true when ``condition`` matches it: the
    matcher ``compile_condition`` builds, with ``all``/``any``/``not`` and string equality
    inlined. Compile the condition with ``compile_condition`` first (it reports the errors)."""
    if depth > MAX_DEPTH:
        raise _TooDeep()
    if not isinstance(condition, Mapping):  # compile_condition rejected it already
        return f"{names.constant(compile_condition(condition, scope))}(context)"
    if "attribute" in condition:
        return _attribute_expression(condition, scope, names)
    for shape, joiner, empty in (("all", " and ", "True"), ("any", " or ", "False")):
        if shape in condition:
            parts = [condition_expression(c, scope, names, depth + 1) for c in condition[shape]]
            return f"({joiner.join(parts)})" if parts else empty
    if "not" in condition:
        return f"(not {condition_expression(condition['not'], scope, names, depth + 1)})"
    return f"{names.constant(compile_condition(condition, scope))}(context)"


def _attribute_expression(
    condition: Mapping[str, Any], scope: ConditionScope, names: ResolverNames
) -> str:
    op = condition["op"]
    attribute = names.constant(condition["attribute"])
    if op == "exists":
        return f"(context.get({attribute}) is not None)"
    if op == "not_exists":
        return f"(context.get({attribute}) is None)"
    if op not in _EQUALITY_OPS:
        return f"{names.constant(compile_condition(condition, scope))}(context)"
    values = condition.get("values") or []
    test = compile_value_test(op, values, scope)
    strings = names.constant(frozenset(v for v in values if type(v) is str))
    # a str value (the common case) is a set lookup; any other value goes through the test
    if op in _NEGATED_OPS:
        other = names.constant(negated_value_test(test))
        inline = f"_v not in {strings}"
    else:
        other = names.constant(positive_value_test(test))
        inline = f"_v in {strings}"
    return f"({inline} if type(_v := context.get({attribute})) is str else {other}(_v))"


def _serve_lines(serve: CompiledServe, names: ResolverNames, indent: str) -> List[str]:
    if serve.result is not None:
        return [f"{indent}return {names.result(serve.result)}"]
    rollout = serve.rollout
    assert rollout is not None
    unit = names.constant(rollout.unit_attribute)
    n = names.rollout(rollout)  # _mn: unit key -> result (memo); _fn(unit key): a miss
    return [
        f"{indent}_k = context.get({unit})",
        f"{indent}if type(_k) is not str or not _k:",
        f"{indent}    _k = _read_unit_key(context, {unit})",
        f"{indent}    if _k is None:",
        f"{indent}        return {names.constant(rollout.missing_unit)}",
        f"{indent}_s = _m{n}.get(_k)",
        f"{indent}return _f{n}(_k) if _s is None else _s",
    ]


def _prerequisite_failed(flag_key: str, outcome: ResolutionFailure) -> ResolutionFailure:
    return ResolutionFailure(outcome.code, f"prerequisite '{flag_key}': {outcome.message}")


def _resolver_source(
    flag: CompiledFlag, conditions: Sequence[Any], scope: ConditionScope, names: ResolverNames
) -> str:
    """The source of ``resolve(context)``: ``resolve_flag``'s steps for this flag."""
    lines = ["def resolve(context):"]
    if flag.broken is not None:
        return f"{lines[0]}\n    return {names.constant(flag.broken)}\n"
    off = names.result(flag.off)
    if not flag.enabled:
        return f"{lines[0]}\n    return {off}\n"
    for prerequisite in flag.prerequisites:
        key = names.constant(prerequisite.flag.key)
        lines += [
            f"    _o = _resolvers[{key}](context)",
            "    if type(_o) is _Failure:",
            f"        return _prerequisite_failed({key}, _o)",
            f"    if _o.variant not in {names.constant(prerequisite.variants)}:",
            f"        return {off}",
        ]
    for rule, condition in zip(flag.rules, conditions):
        lines.append(f"    if {condition_expression(condition, scope, names)}:")
        lines += _serve_lines(rule.serve, names, "        ")
    lines += _serve_lines(flag.fallthrough, names, "    ")
    return "\n".join(lines) + "\n"


@functools.lru_cache(maxsize=512)
def _compile_source(source: str) -> CodeType:
    """Flags of the same shape share a source (the names differ only in their values)."""
    code: CodeType = compile(source, "<tripwire flag resolver>", "exec")
    return code


class FlagResolverCode:
    """A flag's compiled resolver, to be bound once per user of it (``build``)."""

    def __init__(self, code: CodeType, names: ResolverNames) -> None:
        self.code = code
        self.names = names

    def build(
        self,
        wrap: Callable[[SharedResult], Any],
        resolvers: Mapping[str, Resolver],
        bind_rollout: Optional[RolloutBinder] = None,
    ) -> Resolver:
        """The function: it returns ``wrap(result)`` for each prebuilt result (failures as they
        are) and resolves prerequisites through ``resolvers`` (flag key -> resolver). Each
        rollout looks the unit up in the memo ``bind_rollout`` gives, calling its miss function
        (the unit key -> what to return) when not found; by default the rollout's own table and
        ``allocate_unit``, for a ``wrap`` that returns the result itself."""
        names = self.names
        scope: Dict[str, Any] = {
            "_Failure": ResolutionFailure,
            "_read_unit_key": read_unit_key,
            "_prerequisite_failed": _prerequisite_failed,
            "_resolvers": resolvers,
            **names.constants,
        }
        for name, result in names.results.items():
            scope[name] = wrap(result)
        for n, rollout in enumerate(names.rollouts):
            if bind_rollout is None:
                scope[f"_m{n}"] = rollout.table
                scope[f"_f{n}"] = functools.partial(allocate_unit, rollout)
            else:
                scope[f"_m{n}"], scope[f"_f{n}"] = bind_rollout(rollout)
        exec(self.code, scope)  # the code of _resolver_source: templates and generated names
        resolver: Resolver = scope["resolve"]
        return resolver


def generate_resolver(
    flag: CompiledFlag, conditions: Sequence[Any], scope: ConditionScope
) -> Optional[FlagResolverCode]:
    """The resolver of a compiled flag (its rules' raw ``when`` in ``conditions``), or None
    when its conditions nest too deep to inline (the caller keeps ``resolve_flag``)."""
    names = ResolverNames()
    try:
        source = _resolver_source(flag, conditions, scope, names)
        return FlagResolverCode(_compile_source(source), names)
    except (_TooDeep, RecursionError, SyntaxError, MemoryError):
        return None
