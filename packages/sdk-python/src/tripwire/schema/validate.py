"""Validation of flags, segments, snapshots and patches: the shipped JSON Schemas (exported
from @tripwire/schema), then the same semantic and referential checks as its validators."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set

from .check_condition import check_condition
from .check_flag import check_flag
from .validation_issue import ValidationIssue

_validators: Dict[str, Any] = {}


def load_schema(name: str) -> Mapping[str, Any]:
    """One shipped JSON Schema (``config-snapshot``, ``config-patch``, ``flag``, ``segment``)."""
    text = resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    schema: Mapping[str, Any] = json.loads(text)
    return schema


def _check_schema(name: str, value: Any) -> List[ValidationIssue]:
    from .json_schema import SchemaValidator

    validator = _validators.get(name)
    if validator is None:
        validator = _validators[name] = SchemaValidator(load_schema(name))
    issues: List[ValidationIssue] = validator.validate(value)
    seen: Set[ValidationIssue] = set()
    return [i for i in issues if not (i in seen or seen.add(i))]  # type: ignore[func-returns-value]


def _prefix(issues: Sequence[ValidationIssue], path: str) -> List[ValidationIssue]:
    return [ValidationIssue(path + i.instance_path, i.message) for i in issues]


def validate_flag(value: Any) -> List[ValidationIssue]:
    """Every problem with one flag; empty when it is valid."""
    issues = _check_schema("flag", value)
    return issues if issues else check_flag(value)


def _check_segment(segment: Mapping[str, Any], on_segment: Any = None) -> List[ValidationIssue]:
    issues: List[ValidationIssue] = []
    if "when" in segment:
        check_condition(segment["when"], "/when", issues, on_segment)
    return issues


def validate_segment(value: Any) -> List[ValidationIssue]:
    """Every problem with one segment; empty when it is valid."""
    issues = _check_schema("segment", value)
    return issues if issues else _check_segment(value)


def find_cycle(edges: Mapping[str, Sequence[str]]) -> Optional[List[str]]:
    """One cycle's nodes (first repeated at the end) in a directed graph, or None."""
    state: Dict[str, str] = {}
    stack: List[str] = []

    def visit(node: str) -> Optional[List[str]]:
        if state.get(node) == "done":
            return None
        if state.get(node) == "visiting":
            return stack[stack.index(node) :] + [node]
        state[node] = "visiting"
        stack.append(node)
        for following in edges.get(node, ()):
            cycle = visit(following)
            if cycle is not None:
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for start in edges:
        found = visit(start)
        if found is not None:
            return found
    return None


def _check_segments(
    segments: Sequence[Mapping[str, Any]], known: Set[str], issues: List[ValidationIssue]
) -> None:
    edges: Dict[str, List[str]] = {}
    for index, segment in enumerate(segments):
        refs: List[str] = []
        edges[segment["key"]] = refs

        def on_segment(key: str, path: str, refs: List[str] = refs, index: int = index) -> None:
            refs.append(key)
            if key not in known:
                issues.append(
                    ValidationIssue(f"/segments/{index}{path}", f"unknown segment '{key}'")
                )

        issues.extend(_prefix(_check_segment(segment, on_segment), f"/segments/{index}"))
    cycle = find_cycle(edges)
    if cycle is not None:
        issues.append(
            ValidationIssue(
                "/segments", f"segments reference each other in a cycle: {' -> '.join(cycle)}"
            )
        )


def _check_prerequisites(
    flag: Mapping[str, Any],
    at: str,
    flags: Mapping[str, Mapping[str, Any]],
    issues: List[ValidationIssue],
) -> None:
    for j, prerequisite in enumerate(flag.get("prerequisites") or []):
        target = flags.get(prerequisite["flag"])
        where = f"{at}/prerequisites/{j}"
        if target is None:
            issues.append(
                ValidationIssue(
                    f"{where}/flag", f"unknown prerequisite flag '{prerequisite['flag']}'"
                )
            )
            continue
        keys = {variant["key"] for variant in target["variants"]}
        for k, variant in enumerate(prerequisite["variants"]):
            if variant not in keys:
                message = f"flag '{prerequisite['flag']}' has no variant '{variant}'"
                issues.append(ValidationIssue(f"{where}/variants/{k}", message))


def _check_delivery(snapshot: Mapping[str, Any]) -> List[ValidationIssue]:
    issues: List[ValidationIssue] = []
    flags = {flag["key"]: flag for flag in snapshot["flags"]}
    known_segments = {segment["key"] for segment in snapshot["segments"]}
    _check_segments(snapshot["segments"], known_segments, issues)
    edges: Dict[str, List[str]] = {}
    for i, flag in enumerate(snapshot["flags"]):

        def on_segment(key: str, path: str, i: int = i) -> None:
            if key not in known_segments:
                issues.append(ValidationIssue(f"/flags/{i}{path}", f"unknown segment '{key}'"))

        issues.extend(_prefix(check_flag(flag, on_segment), f"/flags/{i}"))
        edges[flag["key"]] = [p["flag"] for p in flag.get("prerequisites") or []]
        _check_prerequisites(flag, f"/flags/{i}", flags, issues)
    cycle = find_cycle(edges)
    if cycle is not None:
        issues.append(
            ValidationIssue("/flags", f"prerequisites form a cycle: {' -> '.join(cycle)}")
        )
    return issues


def _check_unique_keys(items: Sequence[Mapping[str, Any]], path: str) -> List[ValidationIssue]:
    seen: Set[str] = set()
    issues: List[ValidationIssue] = []
    for index, item in enumerate(items):
        if item["key"] in seen:
            issues.append(ValidationIssue(f"{path}/{index}/key", f"duplicate key '{item['key']}'"))
        seen.add(item["key"])
    return issues


def validate_config_snapshot(value: Any) -> List[ValidationIssue]:
    """Schema, each flag and segment, unique keys, and referential integrity (segments and
    prerequisite flags and variants exist; no cycles). Empty when valid."""
    issues = _check_schema("config-snapshot", value)
    if issues:
        return issues
    issues = _check_unique_keys(value["flags"], "/flags") + _check_unique_keys(
        value["segments"], "/segments"
    )
    return issues + _check_delivery(value)


def validate_config_patch(value: Any) -> List[ValidationIssue]:
    """Schema, each flag and segment, unique keys; references outside the patch are checked
    after applying it (``apply_config_patch`` then ``validate_config_snapshot``)."""
    issues = _check_schema("config-patch", value)
    if issues:
        return issues
    issues = _check_unique_keys(value["flags"], "/flags") + _check_unique_keys(
        value["segments"], "/segments"
    )
    for i, flag in enumerate(value["flags"]):
        issues.extend(_prefix(check_flag(flag), f"/flags/{i}"))
    for i, segment in enumerate(value["segments"]):
        issues.extend(_prefix(_check_segment(segment), f"/segments/{i}"))
    return issues


def apply_config_patch(snapshot: Mapping[str, Any], patch: Mapping[str, Any]) -> Mapping[str, Any]:
    """The snapshot with the patch applied (pure); unchanged when the patch is not newer."""
    if patch["version"] <= snapshot["version"]:
        return snapshot
    removed_flags = set(patch["removedFlags"])
    removed_segments = set(patch.get("removedSegments") or [])
    flags = {f["key"]: f for f in snapshot["flags"] if f["key"] not in removed_flags}
    segments = {s["key"]: s for s in snapshot["segments"] if s["key"] not in removed_segments}
    flags.update((f["key"], f) for f in patch["flags"])
    segments.update((s["key"], s) for s in patch["segments"])
    return {
        **snapshot,
        "version": patch["version"],
        "flags": list(flags.values()),
        "segments": list(segments.values()),
    }
