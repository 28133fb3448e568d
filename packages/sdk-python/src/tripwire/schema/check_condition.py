"""What the JSON Schema cannot check about a condition: values fit the operator, bounded depth."""

from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from ..evaluation.regex import RegexError, compile_regex
from ..evaluation.semver import parse_semver
from .json_schema import is_json_number
from .validation_issue import ValidationIssue

MAX_CONDITION_DEPTH = 16
"""Deepest allowed nesting of all/any/not, so evaluators never recurse without bound."""

SegmentVisitor = Callable[[str, str], None]

# op -> (how many values: none | one | many, what kind of value)
VALUE_RULES: Dict[str, Tuple[str, str]] = {
    "equals": ("one", "scalar"),
    "not_equals": ("one", "scalar"),
    "in": ("many", "scalar"),
    "not_in": ("many", "scalar"),
    "lt": ("one", "number"),
    "lte": ("one", "number"),
    "gt": ("one", "number"),
    "gte": ("one", "number"),
    "semver_eq": ("one", "semver"),
    "semver_lt": ("one", "semver"),
    "semver_lte": ("one", "semver"),
    "semver_gt": ("one", "semver"),
    "semver_gte": ("one", "semver"),
    "starts_with": ("many", "string"),
    "ends_with": ("many", "string"),
    "contains": ("many", "string"),
    "matches": ("many", "regex"),
    "exists": ("none", "scalar"),
    "not_exists": ("none", "scalar"),
}


def describe_bad_value(value: Any, kind: str) -> Optional[str]:
    """Why ``value`` cannot be used with an operator of this kind, or None."""
    if kind == "scalar":
        return "must be finite" if is_json_number(value) and not math.isfinite(value) else None
    if kind == "number":
        return None if is_json_number(value) and math.isfinite(value) else "must be a finite number"
    if kind == "string":
        return None if isinstance(value, str) else "must be a string"
    if kind == "semver":
        if isinstance(value, str) and parse_semver(value) is not None:
            return None
        return "must be a SemVer 2.0.0 version such as 1.4.0 or 2.0.0-rc.1"
    if not isinstance(value, str):
        return "must be a regular expression string"
    try:
        compile_regex(value)
    except RegexError as error:
        return f"is not a valid regular expression: {error}"
    return None


def _check_values(condition: Mapping[str, Any], path: str, issues: List[ValidationIssue]) -> None:
    op = condition["op"]
    count, kind = VALUE_RULES[op]
    values = condition.get("values") or []
    if count == "none" and values:
        issues.append(ValidationIssue(f"{path}/values", f"op '{op}' takes no values"))
    elif count == "one" and len(values) != 1:
        issues.append(ValidationIssue(f"{path}/values", f"op '{op}' takes exactly one value"))
    elif count == "many" and not values:
        issues.append(ValidationIssue(f"{path}/values", f"op '{op}' needs at least one value"))
    for index, value in enumerate(values):
        problem = describe_bad_value(value, kind)
        if problem is not None:
            issues.append(ValidationIssue(f"{path}/values/{index}", f"value for '{op}' {problem}"))


def check_condition(
    condition: Mapping[str, Any],
    path: str,
    issues: List[ValidationIssue],
    on_segment: Optional[SegmentVisitor] = None,
    depth: int = 0,
) -> None:
    """Checks a schema-valid condition; calls ``on_segment(key, path)`` per segment reference."""
    if depth > MAX_CONDITION_DEPTH:
        issues.append(
            ValidationIssue(path, f"conditions nest deeper than {MAX_CONDITION_DEPTH} levels")
        )
        return
    if "attribute" in condition:
        _check_values(condition, path, issues)
    elif "all" in condition or "any" in condition:
        name = "all" if "all" in condition else "any"
        for index, child in enumerate(condition[name]):
            check_condition(child, f"{path}/{name}/{index}", issues, on_segment, depth + 1)
    elif "not" in condition:
        check_condition(condition["not"], f"{path}/not", issues, on_segment, depth + 1)
    elif on_segment is not None:
        on_segment(condition["segment"], f"{path}/segment")
