"""``create_test_client``: a real client over an in-memory config, flags pinned by overrides,
for unit tests of host code (no network, no files)."""

from __future__ import annotations

import copy
from typing import Any, Dict, Mapping, Optional, Union

from ..client import TripwireClient
from ..create_client import create_client
from ..errors import TripwireError
from ..sources.static_source import StaticSource

FlagOverride = Union[str, Mapping[str, Any]]
"""A variant key of a flag in the config, or ``{"value": …}`` for a flag the config does not
have (a one-variant flag whose variant is ``override``)."""

TEST_HASH_KEY = "tripwire-test-hash-key"
Document = Dict[str, Any]


def _invalid(message: str) -> TripwireError:
    return TripwireError("TRIPWIRE_INVALID_OPTIONS", message)


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    return "json"


def _synthesize_flag(key: str, value: Any, environment: str) -> Document:
    return {
        "key": key,
        "kind": "release",
        "type": _type_of(value),
        "variants": [{"key": "override", "value": value}],
        "defaultVariant": "override",
        "salt": key,
        "metadata": {"owner": "test", "createdAt": "2026-01-01T00:00:00Z"},
        "environments": {
            environment: {"enabled": True, "rules": [], "fallthrough": {"variant": "override"}}
        },
        "version": 0,
    }


def _pin_flag(flag: Document, variant: str, environment: str) -> Document:
    """The flag pinned to ``variant`` in ``environment`` (enabled, no rules, no prerequisites)."""
    known = [v.get("key") for v in flag.get("variants", [])]
    if variant not in known:
        raise _invalid(
            f"overrides.{flag['key']}: no variant {variant!r} (has {', '.join(map(str, known))})"
        )
    state = {"enabled": True, "rules": [], "fallthrough": {"variant": variant}}
    return {
        **flag,
        "prerequisites": [],
        "environments": {**flag.get("environments", {}), environment: state},
    }


def apply_overrides(
    config: Optional[Mapping[str, Any]] = None,
    overrides: Optional[Mapping[str, FlagOverride]] = None,
    *,
    environment: Optional[str] = None,
) -> Document:
    """The config a test client evaluates: ``config`` (default: empty, environment ``test``)
    with ``overrides`` applied; ``config`` itself is not modified."""
    env = environment or (config or {}).get("environment") or "test"
    base: Document = (
        copy.deepcopy(dict(config))
        if config is not None
        else {
            "schemaVersion": 1,
            "environment": env,
            "version": 0,
            "generatedAt": "1970-01-01T00:00:00.000Z",
            "flags": [],
            "segments": [],
        }
    )
    flags: Dict[str, Document] = {flag["key"]: flag for flag in base.get("flags", [])}
    for key, override in (overrides or {}).items():
        if isinstance(override, str):
            if key not in flags:
                raise _invalid(
                    f"overrides.{key}: the config has no flag {key!r}; pass {{'value': …}} "
                    "to create one"
                )
            flags[key] = _pin_flag(flags[key], override, env)
        elif isinstance(override, Mapping) and "value" in override:
            flags[key] = _synthesize_flag(key, override["value"], env)
        else:
            raise _invalid(f"overrides.{key}: a variant key or {{'value': …}}, got {override!r}")
    return {**base, "environment": env, "flags": list(flags.values())}


def create_test_client(
    *,
    config: Optional[Mapping[str, Any]] = None,
    overrides: Optional[Mapping[str, FlagOverride]] = None,
    environment: Optional[str] = None,
    **client_options: Any,
) -> TripwireClient:
    """A real client over ``apply_overrides(config, overrides)``, ready at once. Other keyword
    arguments go to ``create_client`` (``tracer``, ``meter``, ``exposure_reasons`` …; the hash
    key defaults to a fixed test key, the logger to none). Raises TripwireError
    (``TRIPWIRE_INVALID_OPTIONS``) for an unknown flag or variant or an invalid config."""
    snapshot = apply_overrides(config, overrides, environment=environment)
    client_options.setdefault("hash_key", TEST_HASH_KEY)
    client_options.setdefault("logger", None)
    client = create_client(
        environment=snapshot["environment"], source=StaticSource(snapshot), **client_options
    )
    status = client.status()
    if status.version is None:
        client.close()
        why = status.last_problem.message if status.last_problem is not None else "unknown"
        raise _invalid(f"create_test_client: the config is invalid: {why}")
    return client
