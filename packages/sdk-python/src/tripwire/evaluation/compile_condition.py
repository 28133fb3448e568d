"""Compiles targeting conditions into matcher functions, once per config."""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Mapping, Sequence, Tuple

from .regex import RegexError, compile_regex
from .semver import SemverCache, compare_semver, parse_semver

Context = Mapping[str, Any]
Matcher = Callable[[Context], bool]
ValueTest = Callable[[Any], bool]


class ConditionCompileError(Exception):
    """Raised only while compiling a config (never while evaluating); breaks the flag."""


class ConditionScope:
    """What compiling a condition needs from the rest of the config."""

    semver: SemverCache

    def resolve_segment(self, key: str) -> Matcher:  # pragma: no cover - interface
        raise NotImplementedError


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def equality_key(value: Any) -> Tuple[str, Any]:
    """A key equal for values JavaScript's ``===`` holds equal (a bool is not a number)."""
    if isinstance(value, bool):
        return ("b", value)
    if is_number(value):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    return ("o", id(value))


def _compile_equality(values: Sequence[Any]) -> ValueTest:
    keys = frozenset(equality_key(v) for v in values)
    strings = frozenset(v for v in values if type(v) is str)

    def test(v: Any) -> bool:
        if type(v) is str:  # the common case, without building an equality key
            return v in strings
        return equality_key(v) in keys

    return test


def _compile_string_test(values: Sequence[Any], test: Callable[[str, str], bool]) -> ValueTest:
    operands = [str(v) for v in values]
    return lambda v: isinstance(v, str) and any(test(v, operand) for operand in operands)


def _compile_regex_test(values: Sequence[Any]) -> ValueTest:
    try:
        patterns = [compile_regex(str(source)) for source in values]
    except RegexError as error:
        raise ConditionCompileError(f"invalid regular expression: {error}") from error
    return lambda v: isinstance(v, str) and any(p.search(v) for p in patterns)


_NUMBER_TESTS: Dict[str, Callable[[Any, Any], bool]] = {
    "lt": lambda v, o: v < o,
    "lte": lambda v, o: v <= o,
    "gt": lambda v, o: v > o,
    "gte": lambda v, o: v >= o,
}
_SEMVER_ACCEPTS: Dict[str, Callable[[int], bool]] = {
    "semver_eq": lambda o: o == 0,
    "semver_lt": lambda o: o < 0,
    "semver_lte": lambda o: o <= 0,
    "semver_gt": lambda o: o > 0,
    "semver_gte": lambda o: o >= 0,
}


def _compile_number_test(op: str, values: Sequence[Any]) -> ValueTest:
    operand: Any = values[0] if values else None
    if not is_number(operand) or not math.isfinite(operand):
        raise ConditionCompileError(f"op '{op}' needs one finite number")
    compare = _NUMBER_TESTS[op]
    return lambda v: is_number(v) and compare(v, operand)


def _compile_semver_test(op: str, values: Sequence[Any], cache: SemverCache) -> ValueTest:
    operand = values[0] if values else None
    target = parse_semver(operand) if isinstance(operand, str) else None
    if target is None:
        raise ConditionCompileError(f"op '{op}' needs one SemVer 2.0.0 version, got {operand!r}")
    accepts = _SEMVER_ACCEPTS[op]

    def test(v: Any) -> bool:
        parsed = cache.parse(v) if isinstance(v, str) else None
        return parsed is not None and accepts(compare_semver(parsed, target))

    return test


def compile_value_test(op: str, values: Sequence[Any], scope: ConditionScope) -> ValueTest:
    """The test an attribute condition applies to its value (raises ConditionCompileError)."""
    if op in ("equals", "not_equals", "in", "not_in"):
        if not values:
            raise ConditionCompileError(f"op '{op}' needs at least one value")
        return _compile_equality(values)
    if op in _NUMBER_TESTS:
        return _compile_number_test(op, values)
    if op in _SEMVER_ACCEPTS:
        return _compile_semver_test(op, values, scope.semver)
    if op == "starts_with":
        return _compile_string_test(values, str.startswith)
    if op == "ends_with":
        return _compile_string_test(values, str.endswith)
    if op == "contains":
        return _compile_string_test(values, lambda v, s: s in v)
    if op == "matches":
        return _compile_regex_test(values)
    raise ConditionCompileError(f"unknown op {op!r}")


def _test_attribute(test: ValueTest, value: Any) -> bool:
    """An array attribute matches a positive op when any element does."""
    if isinstance(value, (list, tuple)):
        return any(test(item) for item in value)
    return test(value)


def positive_value_test(test: ValueTest) -> ValueTest:
    """A positive op on an attribute's value: a missing one fails, an array matches when any
    element does (the ``positive`` matcher below, on the value)."""

    def positive(value: Any) -> bool:
        return value is not None and _test_attribute(test, value)

    return positive


def negated_value_test(test: ValueTest) -> ValueTest:
    """A negated op (``not_equals``, ``not_in``) on an attribute's value: a missing one fails."""

    def negated(value: Any) -> bool:
        return value is not None and not _test_attribute(test, value)

    return negated


def _compile_attribute(condition: Mapping[str, Any], scope: ConditionScope) -> Matcher:
    """A missing attribute (absent or None) fails every op but ``not_exists``, negated ones too."""
    attribute = condition["attribute"]
    op = condition["op"]
    if op == "exists":
        return lambda ctx: ctx.get(attribute) is not None
    if op == "not_exists":
        return lambda ctx: ctx.get(attribute) is None
    test = compile_value_test(op, condition.get("values") or [], scope)
    if op in ("not_equals", "not_in"):

        def negated(ctx: Context) -> bool:
            value = ctx.get(attribute)
            return value is not None and not _test_attribute(test, value)

        return negated

    def positive(ctx: Context) -> bool:
        value = ctx.get(attribute)
        if value is None:
            return False
        if isinstance(value, (list, tuple)):
            return any(test(item) for item in value)
        return test(value)

    return positive


def _compile_all(matchers: List[Matcher]) -> Matcher:
    if len(matchers) == 1:
        return matchers[0]
    return lambda ctx: all(m(ctx) for m in matchers)


def _compile_any(matchers: List[Matcher]) -> Matcher:
    if len(matchers) == 1:
        return matchers[0]
    return lambda ctx: any(m(ctx) for m in matchers)


def compile_condition(condition: Any, scope: ConditionScope) -> Matcher:
    """One matcher for a condition tree; raises ConditionCompileError on unusable input."""
    if not isinstance(condition, Mapping):
        raise ConditionCompileError("a condition must be an object")
    if "attribute" in condition:
        return _compile_attribute(condition, scope)
    if "all" in condition:
        return _compile_all([compile_condition(c, scope) for c in condition["all"]])
    if "any" in condition:
        return _compile_any([compile_condition(c, scope) for c in condition["any"]])
    if "not" in condition:
        inner = compile_condition(condition["not"], scope)
        return lambda ctx: not inner(ctx)
    if "segment" in condition:
        return scope.resolve_segment(condition["segment"])
    raise ConditionCompileError("unknown condition shape")
