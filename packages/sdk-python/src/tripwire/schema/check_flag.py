"""Semantic checks on a schema-valid flag (what JSON Schema cannot say)."""

from __future__ import annotations

import math
from typing import Any, List, Mapping, Optional, Set

from .check_condition import SegmentVisitor, check_condition
from .date_time import parse_date_time
from .json_schema import is_json_number
from .validation_issue import ValidationIssue, escape_pointer


def _describe_value_mismatch(value: Any, kind: str) -> Optional[str]:
    if kind == "boolean":
        return None if isinstance(value, bool) else "must be a boolean for a boolean flag"
    if kind == "string":
        return None if isinstance(value, str) else "must be a string for a string flag"
    if kind == "number":
        ok = is_json_number(value) and math.isfinite(value)
        return None if ok else "must be a finite number for a number flag"
    return None


def _check_serve(
    serve: Mapping[str, Any], path: str, variants: Set[str], issues: List[ValidationIssue]
) -> None:
    if "variant" in serve:
        if serve["variant"] not in variants:
            issues.append(
                ValidationIssue(f"{path}/variant", f"unknown variant '{serve['variant']}'")
            )
        return
    seen: Set[str] = set()
    total = 0
    for index, weight in enumerate(serve["rollout"]["weights"]):
        at = f"{path}/rollout/weights/{index}/variant"
        if weight["variant"] not in variants:
            issues.append(ValidationIssue(at, f"unknown variant '{weight['variant']}'"))
        if weight["variant"] in seen:
            issues.append(ValidationIssue(at, f"variant '{weight['variant']}' is weighted twice"))
        seen.add(weight["variant"])
        total += weight["weight"]
    if total <= 0:
        issues.append(ValidationIssue(f"{path}/rollout/weights", "weights must sum to more than 0"))


def _check_environment(
    state: Mapping[str, Any],
    path: str,
    variants: Set[str],
    issues: List[ValidationIssue],
    on_segment: Optional[SegmentVisitor],
) -> None:
    off = state.get("offVariant")
    if off is not None and off not in variants:
        issues.append(ValidationIssue(f"{path}/offVariant", f"unknown variant '{off}'"))
    rule_ids: Set[str] = set()
    for index, rule in enumerate(state["rules"]):
        at = f"{path}/rules/{index}"
        if rule["id"] in rule_ids:
            issues.append(ValidationIssue(f"{at}/id", f"duplicate rule id '{rule['id']}'"))
        rule_ids.add(rule["id"])
        check_condition(rule["when"], f"{at}/when", issues, on_segment)
        _check_serve(rule["serve"], f"{at}/serve", variants, issues)
    _check_serve(state["fallthrough"], f"{path}/fallthrough", variants, issues)


def _check_variants(flag: Mapping[str, Any], issues: List[ValidationIssue]) -> Set[str]:
    keys: Set[str] = set()
    for index, variant in enumerate(flag["variants"]):
        if variant["key"] in keys:
            issues.append(
                ValidationIssue(
                    f"/variants/{index}/key", f"duplicate variant key '{variant['key']}'"
                )
            )
        keys.add(variant["key"])
        problem = _describe_value_mismatch(variant["value"], flag["type"])
        if problem is not None:
            issues.append(ValidationIssue(f"/variants/{index}/value", f"value {problem}"))
    if flag["defaultVariant"] not in keys:
        issues.append(
            ValidationIssue("/defaultVariant", f"unknown variant '{flag['defaultVariant']}'")
        )
    return keys


def _check_guardrails(flag: Mapping[str, Any], issues: List[ValidationIssue]) -> None:
    ids: Set[str] = set()
    for index, guardrail in enumerate(flag.get("guardrails") or []):
        if guardrail["id"] in ids:
            issues.append(
                ValidationIssue(
                    f"/guardrails/{index}/id", f"duplicate guardrail id '{guardrail['id']}'"
                )
            )
        ids.add(guardrail["id"])
        if guardrail["metric"] == "conversion" and "conversionEvent" not in guardrail:
            issues.append(
                ValidationIssue(
                    f"/guardrails/{index}/conversionEvent",
                    "a 'conversion' guardrail needs conversionEvent",
                )
            )


def check_flag(
    flag: Mapping[str, Any], on_segment: Optional[SegmentVisitor] = None
) -> List[ValidationIssue]:
    """Unique variant keys, values of the flag's type, referenced variants exist, weights sum
    > 0, condition values fit their operators, no self-prerequisite, unique rule and guardrail
    ids, expiry after creation. Paths are JSON pointers relative to the flag."""
    issues: List[ValidationIssue] = []
    variants = _check_variants(flag, issues)
    for env, state in flag["environments"].items():
        _check_environment(
            state, f"/environments/{escape_pointer(env)}", variants, issues, on_segment
        )
    for index, prerequisite in enumerate(flag.get("prerequisites") or []):
        if prerequisite["flag"] == flag["key"]:
            issues.append(
                ValidationIssue(
                    f"/prerequisites/{index}/flag", "a flag cannot be its own prerequisite"
                )
            )
    _check_guardrails(flag, issues)
    metadata = flag["metadata"]
    created = parse_date_time(metadata["createdAt"])
    expires = parse_date_time(metadata["expiresAt"]) if "expiresAt" in metadata else None
    if created is not None and expires is not None and expires <= created:
        issues.append(ValidationIssue("/metadata/expiresAt", "expiresAt must be after createdAt"))
    return issues
