"""The hand-written flags file shorthand, expanded exactly as ``@tripwire/schema`` does.

A flags file has ``flags`` as an object of flag keys to shorthands (and optionally
``version``); a document with ``schemaVersion`` is a full config snapshot and is left alone::

    {"flags": {"new-checkout": {"variants": [False, True], "split": [50, 50]},
               "banner": {"variants": {"old": "Hi", "new": "Hello"},
                          "rules": {"when": {"attribute": "plan", "op": "eq", "values": "pro"},
                                    "serve": "new"}}}}

Each flag: ``variants`` (a list of values, keys derived from them, or ``{key: value}``; the first
is the default unless ``default`` names one), ``split`` (weights aligned with the variants or
``{key: weight}``: an experiment over the full coverage), ``rules`` (one or a list of
``{"id"?, "when", "serve"}``, serve by variant key or value; ``values: x`` means ``[x]``),
``kind``, ``enabled``, ``unit``, ``owner``, ``description``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Mapping, NoReturn, Sequence, Tuple

from ..evaluation.js_number import format_js_number
from .telemetry import FLAG_KEY_PATTERN, SCHEMA_VERSION
from .validate import validate_config_snapshot
from .validation_issue import ValidationIssue, escape_pointer

_KEY = re.compile(FLAG_KEY_PATTERN.replace("$", r"\Z"))
CREATED_AT = "1970-01-01T00:00:00Z"
Document = Dict[str, Any]


class _FlagsFileError(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.issue = ValidationIssue(path, message)


def _fail(path: str, message: str) -> NoReturn:
    raise _FlagsFileError(path, message)


def is_flags_file(document: Any) -> bool:
    """True when ``document`` is a flags file rather than a full config snapshot."""
    return (
        isinstance(document, Mapping)
        and "schemaVersion" not in document
        and isinstance(document.get("flags"), Mapping)
    )


def js_entries(mapping: Mapping[str, Any]) -> List[Tuple[str, Any]]:
    """``Object.entries`` order: integer-like keys ascending first, then insertion order."""

    def index(key: str) -> int:
        if key.isdigit() and key.isascii() and str(int(key)) == key and int(key) < 2**32 - 1:
            return int(key)
        return -1

    numeric = sorted((k for k in mapping if index(k) >= 0), key=index)
    return [(k, mapping[k]) for k in numeric] + [(k, v) for k, v in mapping.items() if index(k) < 0]


def js_json(value: Any) -> str:
    """``JSON.stringify`` of a JSON value (numbers as JavaScript writes them)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        text = format_js_number(value)
        return text if text not in ("NaN", "Infinity", "-Infinity") else "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        parts = (f"{js_json(str(k))}:{js_json(v)}" for k, v in js_entries(value))
        return "{" + ",".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(js_json(item) for item in value) + "]"
    return "null"


def _type_of(values: Sequence[Any], path: str) -> str:
    def kind(value: Any) -> str:
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, (int, float)):
            return "number"
        return "string" if isinstance(value, str) else "json"

    kinds = {kind(value) for value in values}
    if len(kinds) != 1:
        _fail(path, "variants must all have the same type")
    return kinds.pop()


def _derived_key(value: Any, index: int) -> str:
    if value is None or isinstance(value, (dict, list)):
        return f"variant-{index}"
    if isinstance(value, bool):
        key = "true" if value else "false"
    elif isinstance(value, (int, float)):
        key = format_js_number(value)
    else:
        key = str(value)
    return key if _KEY.match(key) else f"variant-{index}"


def _expand_variants(given: Any, path: str) -> List[Document]:
    if isinstance(given, list):
        if not given:
            _fail(path, "variants must not be empty")
        return [{"key": _derived_key(value, i), "value": value} for i, value in enumerate(given)]
    if not isinstance(given, Mapping):
        _fail(path, "variants must be a list of values or an object of variant keys to values")
    entries = js_entries(given)
    if not entries:
        _fail(path, "variants must not be empty")
    for key, _ in entries:
        if not _KEY.match(key):
            _fail(f"{path}/{escape_pointer(key)}", f"variant key must match {FLAG_KEY_PATTERN}")
    return [{"key": key, "value": value} for key, value in entries]


def _expand_split(split: Any, variants: List[Document], path: str) -> Document:
    pairs: List[Document] = []
    if isinstance(split, list):
        for i, weight in enumerate(split):
            if i >= len(variants):
                _fail(f"{path}/{i}", "more weights than variants")
            pairs.append({"variant": variants[i]["key"], "weight": weight})
    elif isinstance(split, Mapping):
        for variant, weight in js_entries(split):
            if not any(v["key"] == variant for v in variants):
                _fail(f"{path}/{escape_pointer(variant)}", f'no variant "{variant}"')
            pairs.append({"variant": variant, "weight": weight})
    else:
        _fail(path, "split must be a list of weights or an object of variant keys to weights")
    return {"rollout": {"coverage": 10_000, "weights": pairs}}


def _expand_condition(when: Any) -> Any:
    """``values: x`` → ``values: [x]``, through ``all``/``any``/``not``."""
    if not isinstance(when, Mapping):
        return when
    if isinstance(when.get("all"), list):
        return {"all": [_expand_condition(c) for c in when["all"]]}
    if isinstance(when.get("any"), list):
        return {"any": [_expand_condition(c) for c in when["any"]]}
    if "not" in when:
        return {"not": _expand_condition(when["not"])}
    if "values" in when and not isinstance(when["values"], list):
        return {**when, "values": [when["values"]]}
    return dict(when)


def _find_variant(serve: Any, variants: List[Document], path: str) -> str:
    for variant in variants:
        if variant["key"] == serve:
            return str(variant["key"])
    wanted = js_json(serve)
    for variant in variants:
        if js_json(variant["value"]) == wanted:
            return str(variant["key"])
    _fail(path, f"no variant has the key or value {wanted}")


def _expand_rules(rules: Any, variants: List[Document], path: str) -> List[Document]:
    listed = rules if isinstance(rules, list) else ([] if rules is None else [rules])
    expanded: List[Document] = []
    for i, rule in enumerate(listed):
        at = f"{path}/rules/{i}" if isinstance(rules, list) else f"{path}/rules"
        if not isinstance(rule, Mapping) or "serve" not in rule:
            _fail(at, 'a rule needs "when" and "serve"')
        out: Document = {"id": rule.get("id") if rule.get("id") is not None else f"rule-{i + 1}"}
        if "when" in rule:
            out["when"] = _expand_condition(rule["when"])
        out["serve"] = {"variant": _find_variant(rule["serve"], variants, f"{at}/serve")}
        expanded.append(out)
    return expanded


def _expand_flag(key: str, shorthand: Any, environment: str) -> Document:
    path = f"/flags/{escape_pointer(key)}"
    if not isinstance(shorthand, Mapping):
        _fail(path, "a flag must be an object")
    variants = _expand_variants(shorthand.get("variants"), f"{path}/variants")
    default = shorthand.get("default")
    default_variant = default if default is not None else variants[0]["key"]
    split = shorthand.get("split")
    fallthrough = (
        {"variant": default_variant}
        if split is None
        else _expand_split(split, variants, f"{path}/split")
    )
    metadata: Document = {"owner": _given(shorthand, "owner", "local"), "createdAt": CREATED_AT}
    if shorthand.get("description") is not None:
        metadata["description"] = shorthand["description"]
    flag: Document = {
        "key": key,
        "kind": _given(shorthand, "kind", "release" if split is None else "experiment"),
        "type": _type_of([v["value"] for v in variants], f"{path}/variants"),
        "variants": variants,
        "defaultVariant": default_variant,
        "salt": key,
        "metadata": metadata,
        "environments": {
            environment: {
                "enabled": _given(shorthand, "enabled", True),
                "rules": _expand_rules(shorthand.get("rules"), variants, path),
                "fallthrough": fallthrough,
            }
        },
        "version": 1,
    }
    if shorthand.get("unit") is not None:
        flag["unit"] = shorthand["unit"]
    return flag


def _given(shorthand: Mapping[str, Any], name: str, default: Any) -> Any:
    value = shorthand.get(name)
    return default if value is None else value


def expand_flags_file(
    document: Mapping[str, Any], *, environment: str
) -> Tuple[Document, List[ValidationIssue]]:
    """The config snapshot of ``environment`` a flags file stands for, and the problems found:
    JSON pointers into the file, or past the shorthand into the expanded snapshot. Never
    raises; the snapshot is meaningful only when the list is empty."""
    try:
        flags = [_expand_flag(k, v, environment) for k, v in js_entries(document["flags"])]
    except _FlagsFileError as error:
        return {}, [error.issue]
    snapshot: Document = {
        "schemaVersion": SCHEMA_VERSION,
        "environment": environment,
        "version": _given(document, "version", 1),
        "generatedAt": CREATED_AT,
        "flags": flags,
        "segments": [],
    }
    return snapshot, validate_config_snapshot(snapshot)
