"""A JSON Schema validator for exactly the keywords @tripwire/schema emits (see the ``*.json``
files beside this module, exported by test/export-python-schema.ts). Integers and numbers
follow JSON (a bool is never a number), string lengths count UTF-16 code units and patterns
use JavaScript's ``RegExp`` semantics for the constructs they contain, as the Node SDK's
validator does. An unknown keyword is an error, so a schema change cannot pass silently."""

from __future__ import annotations

import math
import re
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Tuple

from .validation_issue import ValidationIssue, escape_pointer

_DATE_TIME = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)\Z", re.IGNORECASE
)
_ANNOTATIONS = frozenset({"description", "default", "$id", "$defs", "title"})


def is_json_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_json_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def utf16_length(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def compile_js_pattern(pattern: str) -> re.Pattern[str]:
    """A JavaScript RegExp source (no flags) as a Python pattern: ``$`` only at the very end,
    ASCII ``\\d`` and ``\\w``."""
    out: List[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        out.append("\\Z" if ch == "$" and not in_class else ch)
        i += 1
    return re.compile("".join(out), re.ASCII)


def _type_ok(kind: str, value: Any) -> bool:
    checks: Dict[str, Callable[[Any], bool]] = {
        "object": lambda v: isinstance(v, Mapping),
        "array": lambda v: isinstance(v, (list, tuple)),
        "string": lambda v: isinstance(v, str),
        "boolean": lambda v: isinstance(v, bool),
        "number": lambda v: is_json_number(v) and math.isfinite(v),
        "integer": is_json_integer,
        "null": lambda v: v is None,
    }
    return checks[kind](value)


class _Walk(NamedTuple):
    root: Mapping[str, Any]
    issues: List[ValidationIssue]


class SchemaValidator:
    """Validates values against one root schema (with ``$defs`` and local ``$ref``s)."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self._patterns: Dict[str, re.Pattern[str]] = {}

    def validate(self, value: Any) -> List[ValidationIssue]:
        walk = _Walk(self.root, [])
        self._check(self.root, value, "", walk)
        return walk.issues

    def _pattern(self, source: str) -> re.Pattern[str]:
        compiled = self._patterns.get(source)
        if compiled is None:
            compiled = self._patterns[source] = compile_js_pattern(source)
        return compiled

    def _check(self, schema: Mapping[str, Any], value: Any, path: str, walk: _Walk) -> None:
        for keyword in schema:
            if keyword not in _KEYWORDS and keyword not in _ANNOTATIONS:
                raise ValueError(f"unsupported JSON Schema keyword {keyword!r} at {path or '/'}")
        if "$ref" in schema:
            self._check(self._resolve(schema["$ref"]), value, path, walk)
        if "anyOf" in schema:
            self._check_any_of(schema["anyOf"], value, path, walk)
        kind = schema.get("type")
        if kind is not None and not _type_ok(kind, value):
            walk.issues.append(ValidationIssue(path, f"must be {kind}"))
            return
        if "enum" in schema and not any(_same(value, item) for item in schema["enum"]):
            allowed = ", ".join(repr(item) for item in schema["enum"])
            walk.issues.append(ValidationIssue(path, f"must be one of {allowed}"))
        if "const" in schema and not _same(value, schema["const"]):
            walk.issues.append(ValidationIssue(path, f"must be {schema['const']!r}"))
        if isinstance(value, str):
            self._check_string(schema, value, path, walk)
        elif is_json_number(value):
            _check_number(schema, value, path, walk)
        elif isinstance(value, (list, tuple)):
            self._check_array(schema, value, path, walk)
        elif isinstance(value, Mapping):
            self._check_object(schema, value, path, walk)

    def _resolve(self, ref: str) -> Mapping[str, Any]:
        prefix = "#/$defs/"
        if not ref.startswith(prefix):
            raise ValueError(f"unsupported $ref {ref!r}")
        resolved: Mapping[str, Any] = self.root["$defs"][ref[len(prefix) :]]
        return resolved

    def _check_any_of(self, branches: List[Any], value: Any, path: str, walk: _Walk) -> None:
        best: Optional[List[ValidationIssue]] = None
        for branch in branches:
            trial = _Walk(walk.root, [])
            self._check(branch, value, path, trial)
            if not trial.issues:
                return
            if best is None or _score(trial.issues) > _score(best):
                best = trial.issues
        walk.issues.extend(best or [ValidationIssue(path, "must match a schema in anyOf")])

    def _check_string(self, schema: Mapping[str, Any], value: str, path: str, walk: _Walk) -> None:
        length = utf16_length(value)
        if "minLength" in schema and length < schema["minLength"]:
            walk.issues.append(
                ValidationIssue(path, f"must have at least {schema['minLength']} characters")
            )
        if "maxLength" in schema and length > schema["maxLength"]:
            walk.issues.append(
                ValidationIssue(path, f"must have at most {schema['maxLength']} characters")
            )
        pattern = schema.get("pattern")
        if pattern is not None and self._pattern(pattern).search(value) is None:
            walk.issues.append(ValidationIssue(path, f"must match pattern {pattern}"))
        if schema.get("format") == "date-time" and not is_date_time(value):
            walk.issues.append(ValidationIssue(path, "must be an RFC 3339 date-time"))

    def _check_array(self, schema: Mapping[str, Any], value: Any, path: str, walk: _Walk) -> None:
        if "minItems" in schema and len(value) < schema["minItems"]:
            walk.issues.append(
                ValidationIssue(path, f"must have at least {schema['minItems']} items")
            )
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            walk.issues.append(
                ValidationIssue(path, f"must have at most {schema['maxItems']} items")
            )
        items = schema.get("items")
        if items is not None:
            for index, item in enumerate(value):
                self._check(items, item, f"{path}/{index}", walk)

    def _check_object(
        self, schema: Mapping[str, Any], value: Mapping[str, Any], path: str, walk: _Walk
    ) -> None:
        for name in schema.get("required", []):
            if name not in value:
                walk.issues.append(ValidationIssue(path, f"must have required property '{name}'"))
        names = schema.get("propertyNames")
        if names is not None:
            for name in value:
                self._check(names, str(name), f"{path}/{escape_pointer(str(name))}", walk)
        properties: Mapping[str, Any] = schema.get("properties", {})
        patterns: Mapping[str, Any] = schema.get("patternProperties", {})
        for name, item in value.items():
            at = f"{path}/{escape_pointer(str(name))}"
            known = False
            if name in properties:
                known = True
                self._check(properties[name], item, at, walk)
            for source, sub in patterns.items():
                if isinstance(name, str) and self._pattern(source).search(name) is not None:
                    known = True
                    self._check(sub, item, at, walk)
            if not known and schema.get("additionalProperties") is False:
                message = f"must not have additional property '{name}'"
                walk.issues.append(ValidationIssue(path, message))


def _check_number(schema: Mapping[str, Any], value: float, path: str, walk: _Walk) -> None:
    bounds: Tuple[Tuple[str, Callable[[float], bool], str], ...] = (
        ("minimum", lambda limit: value >= limit, "must be >="),
        ("maximum", lambda limit: value <= limit, "must be <="),
        ("exclusiveMinimum", lambda limit: value > limit, "must be >"),
        ("exclusiveMaximum", lambda limit: value < limit, "must be <"),
    )
    for keyword, holds, text in bounds:
        if keyword in schema and not holds(schema[keyword]):
            walk.issues.append(ValidationIssue(path, f"{text} {schema[keyword]}"))


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b or (is_json_number(a) and is_json_number(b) and a == b)


def _score(issues: List[ValidationIssue]) -> int:
    """The union branch that got furthest into the value explains the failure best."""
    depth = max(issue.instance_path.count("/") for issue in issues)
    return depth * 1000 - len(issues)


def is_date_time(text: str) -> bool:
    """RFC 3339 date-time with a valid calendar date and time."""
    if _DATE_TIME.match(text) is None:
        return False
    from .date_time import parse_date_time

    return parse_date_time(text) is not None


_KEYWORDS = frozenset(
    {
        "$ref",
        "anyOf",
        "type",
        "enum",
        "const",
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minItems",
        "maxItems",
        "items",
        "required",
        "properties",
        "patternProperties",
        "propertyNames",
        "additionalProperties",
    }
)
