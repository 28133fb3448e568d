"""Prepares a config snapshot for evaluation: each flag validated and compiled once."""

from __future__ import annotations

import functools
from typing import Any, Callable, Dict, List, Mapping, Optional, Set, Tuple, Union

from ..schema.validate import validate_flag, validate_segment
from .bucket import AllocationMemo, create_allocation, create_bucketing_prefix
from .compile_condition import (
    ConditionCompileError,
    ConditionScope,
    Context,
    Matcher,
    compile_condition,
)
from .compiled_config import CompiledConfig
from .compiled_flag import (
    DEFAULT_UNIT_ATTRIBUTE,
    CompiledFlag,
    CompiledPrerequisite,
    CompiledRollout,
    CompiledRule,
    CompiledServe,
    EvaluationResult,
    ResolutionFailure,
    SharedResult,
    read_unit_key,
    resolve_flag,
)
from .flag_resolver import generate_resolver
from .semver import SemverCache

ResultTable = Callable[[str, str], SharedResult]


def _compile_segment(segment: Mapping[str, Any], scope: ConditionScope) -> Matcher:
    """Membership: ``excluded`` wins, then ``included``, then ``when`` (if any)."""
    unit = segment.get("unit", DEFAULT_UNIT_ATTRIBUTE)
    included = frozenset(segment["included"])
    excluded = frozenset(segment["excluded"])
    when = compile_condition(segment["when"], scope) if "when" in segment else None

    def is_member(ctx: Context) -> bool:
        key = read_unit_key(ctx, unit)
        if key is not None:
            if key in excluded:
                return False
            if key in included:
                return True
        return when is not None and when(ctx)

    return is_member


class _Scope(ConditionScope):
    """Compiles segments on first reference, once each; rejects unknown keys and cycles."""

    def __init__(self, segments: List[Mapping[str, Any]]) -> None:
        self.semver = SemverCache()
        self.allocations = AllocationMemo()
        self._sources = {s.get("key"): s for s in segments if isinstance(s, Mapping)}
        self._compiled: Dict[str, Union[Matcher, ConditionCompileError]] = {}
        self._in_progress: Set[str] = set()

    def resolve_segment(self, key: str) -> Matcher:
        done = self._compiled.get(key)
        if isinstance(done, ConditionCompileError):
            raise done
        if done is not None:
            return done
        source = self._sources.get(key)
        if source is None:
            raise ConditionCompileError(f"unknown segment '{key}'")
        if key in self._in_progress:
            raise ConditionCompileError(f"segment '{key}' references itself")
        self._in_progress.add(key)
        try:
            issues = validate_segment(source)
            if issues:
                raise ConditionCompileError(f"segment '{key}' is invalid: {issues[0].describe()}")
            matcher = _compile_segment(source, self)
            self._compiled[key] = matcher
            return matcher
        except ConditionCompileError as error:
            self._compiled[key] = error
            raise
        finally:
            self._in_progress.discard(key)


def _create_result_table(flag: Mapping[str, Any]) -> ResultTable:
    table: Dict[str, SharedResult] = {}
    values = {v["key"]: v["value"] for v in flag["variants"]}

    def result(variant: str, reason: str) -> SharedResult:
        found = table.get(variant + "\0" + reason)
        if found is None:
            found = EvaluationResult(values[variant], variant, reason, flag_version=flag["version"])
            table[variant + "\0" + reason] = found
        return found

    return result


def _compile_serve(
    flag: Mapping[str, Any],
    serve: Mapping[str, Any],
    reason: str,
    *,
    results: ResultTable,
    memo: AllocationMemo,
) -> CompiledServe:
    if "variant" in serve:
        return CompiledServe(result=results(serve["variant"], reason))
    rollout = serve["rollout"]
    unit = rollout.get("bucketBy") or flag.get("unit") or DEFAULT_UNIT_ATTRIBUTE
    code = "targeting_key_missing" if unit == DEFAULT_UNIT_ATTRIBUTE else "invalid_context"
    message = (
        f"flag '{flag['key']}' buckets by context attribute '{unit}', "
        "which is missing or not a non-empty string"
    )
    return CompiledServe(
        rollout=CompiledRollout(
            prefix=create_bucketing_prefix(flag["salt"], rollout.get("seed", 0)),
            unit_attribute=unit,
            allocation=create_allocation(
                [w["weight"] for w in rollout["weights"]], rollout["coverage"]
            ),
            results=[results(w["variant"], "split") for w in rollout["weights"]],
            outside=results(flag["defaultVariant"], "default"),
            missing_unit=ResolutionFailure(code, message),
            memo=memo,
            table=memo.new_table(),
        )
    )


def _environment_state(flag: Mapping[str, Any], environment: str) -> Optional[Mapping[str, Any]]:
    if flag.get("archived") is True:
        return None
    state: Optional[Mapping[str, Any]] = flag["environments"].get(environment)
    return state


def _create_shell(flag: Mapping[str, Any], results: ResultTable, environment: str) -> CompiledFlag:
    state = _environment_state(flag, environment)
    metadata = flag.get("metadata") or {}
    return CompiledFlag(
        key=flag["key"],
        kind=flag["kind"],
        type=flag["type"],
        unit=flag.get("unit", DEFAULT_UNIT_ATTRIBUTE),
        record_exposures=flag.get("recordExposures"),
        version=flag["version"],
        default_variant=flag["defaultVariant"],
        variants=[v["key"] for v in flag["variants"]],
        owner=metadata.get("owner", "") if isinstance(metadata.get("owner"), str) else "",
        expires_at=metadata.get("expiresAt")
        if isinstance(metadata.get("expiresAt"), str)
        else None,
        off=results((state or {}).get("offVariant", flag["defaultVariant"]), "disabled"),
        enabled=bool(state and state["enabled"]),
    )


def _compile_body(
    flag: Mapping[str, Any],
    shell: CompiledFlag,
    environment: str,
    scope: _Scope,
    results: ResultTable,
    shells: Mapping[str, CompiledFlag],
) -> None:
    state = _environment_state(flag, environment)
    if not state or not state["enabled"]:
        return
    shell.rules = [
        CompiledRule(
            rule["id"],
            compile_condition(rule["when"], scope),
            _compile_serve(
                flag, rule["serve"], "targeting_match", results=results, memo=scope.allocations
            ),
        )
        for rule in state["rules"]
    ]
    fallthrough_reason = "default" if state["rules"] else "static"
    shell.fallthrough = _compile_serve(
        flag, state["fallthrough"], fallthrough_reason, results=results, memo=scope.allocations
    )
    for prerequisite in flag.get("prerequisites") or []:
        target = shells.get(prerequisite["flag"])
        if target is None:
            message = (
                f"flag '{flag['key']}' needs prerequisite flag '{prerequisite['flag']}', "
                "which is not in the config"
            )
            shell.broken = ResolutionFailure("flag_not_found", message)
            return
        shell.prerequisites.append(
            CompiledPrerequisite(target, frozenset(prerequisite["variants"]))
        )


_BROKEN_OFF: SharedResult = EvaluationResult(None, "", "error", flag_version=0)

#: Problems confined to these parts do not affect evaluation, so they do not break a flag.
_NON_EVALUATION_PATHS = ("/metadata", "/guardrails")


def _check_evaluable(raw: Mapping[str, Any]) -> Optional[ResolutionFailure]:
    fatal = [
        issue
        for issue in validate_flag(raw)
        if not any(
            issue.instance_path == p or issue.instance_path.startswith(p + "/")
            for p in _NON_EVALUATION_PATHS
        )
    ]
    if not fatal:
        return None
    return ResolutionFailure(
        "parse_error", f"flag '{raw['key']}' is invalid at {fatal[0].describe()}"
    )


def _broken_shell(raw: Mapping[str, Any], failure: ResolutionFailure) -> CompiledFlag:
    version = raw.get("version")
    return CompiledFlag(
        key=str(raw["key"]),
        kind="release",
        type="json",
        unit=DEFAULT_UNIT_ATTRIBUTE,
        version=version if isinstance(version, int) and not isinstance(version, bool) else 0,
        default_variant="",
        variants=[],
        owner="",
        expires_at=None,
        off=_BROKEN_OFF,
        broken=failure,
    )


def _break_prerequisite_cycles(flags: List[CompiledFlag]) -> None:
    """Marks every flag on a prerequisite cycle broken (validation rejects cycles; a backstop)."""
    state: Dict[int, str] = {}
    stack: List[CompiledFlag] = []

    def visit(flag: CompiledFlag) -> None:
        if state.get(id(flag)) == "done":
            return
        if state.get(id(flag)) == "visiting":
            cycle = stack[stack.index(flag) :]
            path = " -> ".join(f.key for f in cycle + [flag])
            for member in cycle:
                member.broken = ResolutionFailure(
                    "parse_error", f"prerequisites form a cycle: {path}"
                )
            return
        state[id(flag)] = "visiting"
        stack.append(flag)
        for prerequisite in flag.prerequisites:
            visit(prerequisite.flag)
        stack.pop()
        state[id(flag)] = "done"

    for flag in flags:
        visit(flag)


def _attach_resolvers(
    shells: Dict[str, CompiledFlag],
    bodies: List[Tuple[Mapping[str, Any], CompiledFlag, ResultTable]],
    environment: str,
    scope: _Scope,
    specialise: bool,
) -> None:
    """Each flag's ``resolve``: its generated resolver, or the generic ``resolve_flag``."""
    conditions: Dict[str, List[Any]] = {}
    for raw, shell, _ in bodies:
        state = _environment_state(raw, environment)
        if shell.rules and state:
            conditions[shell.key] = [rule["when"] for rule in state["rules"]]
    resolvers: Dict[str, Callable[[Mapping[str, Any]], Any]] = {}
    for shell in shells.values():
        code = None
        if specialise:
            code = generate_resolver(shell, conditions.get(shell.key, []), scope)
        shell.resolver_code = code
        shell.resolve = (
            functools.partial(resolve_flag, shell) if code is None else code.build(_same, resolvers)
        )
        resolvers[shell.key] = shell.resolve


def _same(result: SharedResult) -> SharedResult:
    return result


def compile_config(snapshot: Mapping[str, Any], *, specialise: bool = True) -> CompiledConfig:
    """Compiles every flag of a snapshot; never raises: a flag that cannot compile stays in
    the config as broken (evaluating it gives the code default with ``parse_error``). Validate
    the whole snapshot first before trusting it as last known good. ``specialise=False``
    evaluates every flag through the generic ``resolve_flag`` instead of a generated resolver
    (flag_resolver.py): the same results, for tests that compare the two."""
    environment = snapshot.get("environment", "")
    segments = snapshot.get("segments")
    scope = _Scope(segments if isinstance(segments, list) else [])
    shells: Dict[str, CompiledFlag] = {}
    bodies: List[Tuple[Mapping[str, Any], CompiledFlag, ResultTable]] = []
    raw_flags = snapshot.get("flags")
    for raw in raw_flags if isinstance(raw_flags, list) else []:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("key"), str):
            continue
        failure = _check_evaluable(raw)
        if failure is not None:
            shells[raw["key"]] = _broken_shell(raw, failure)
            continue
        results = _create_result_table(raw)
        shell = _create_shell(raw, results, environment)
        shells[shell.key] = shell
        bodies.append((raw, shell, results))
    for raw, shell, results in bodies:
        try:
            _compile_body(raw, shell, environment, scope, results, shells)
        except ConditionCompileError as error:
            shell.broken = ResolutionFailure(
                "parse_error", f"flag '{raw['key']}' cannot be compiled: {error}"
            )
    _break_prerequisite_cycles(list(shells.values()))
    _attach_resolvers(shells, bodies, environment, scope, specialise)
    return CompiledConfig(
        environment=environment,
        version=snapshot.get("version", 0),
        generated_at=snapshot.get("generatedAt", ""),
        flags=shells,
    )
