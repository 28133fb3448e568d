"""The flags and users every contender of the benchmarks is given: a 50/50 experiment ``exp``
and a targeting flag ``target`` (on for ``country`` in NL or DE) over 10,000 rotating users,
the same as packages/sdk/bench/evaluate-contenders.ts."""

from __future__ import annotations

from typing import Any, Callable, Dict, List

USER_COUNT = 10_000
USERS: List[str] = [f"user-{i}" for i in range(USER_COUNT)]
COUNTRIES = ("NL", "FR", "DE", "US")
TARGETED = ("NL", "DE")
HASH_KEY = "bench-hash-key-0123456789"

Subject = Callable[[int], Any]
"""One call of a contender for the i-th call of a loop (it picks user ``i % USER_COUNT``)."""


def country_of(i: int) -> str:
    return COUNTRIES[i % len(COUNTRIES)]


def create_tripwire_snapshot() -> Dict[str, Any]:
    """The same two flags as a Tripwire config snapshot (``target`` is a permission flag, so
    it records no exposure by default, as in the Node bench)."""

    def flag(key: str, kind: str, production: Dict[str, Any]) -> Dict[str, Any]:
        return {
            "key": key,
            "kind": kind,
            "type": "boolean",
            "variants": [{"key": "off", "value": False}, {"key": "on", "value": True}],
            "defaultVariant": "off",
            "salt": "exp",
            "metadata": {"owner": "bench", "createdAt": "2026-01-01T00:00:00Z"},
            "version": 1,
            "environments": {"production": {"enabled": True, **production}},
        }

    rollout = {
        "rollout": {
            "coverage": 10_000,
            "weights": [{"variant": "off", "weight": 50}, {"variant": "on", "weight": 50}],
        }
    }
    rule = {
        "id": "eu",
        "when": {"attribute": "country", "op": "in", "values": list(TARGETED)},
        "serve": {"variant": "on"},
    }
    return {
        "schemaVersion": 1,
        "environment": "production",
        "version": 1,
        "generatedAt": "2026-01-01T00:00:00Z",
        "flags": [
            flag("exp", "experiment", {"rules": [], "fallthrough": rollout}),
            flag("target", "permission", {"rules": [rule], "fallthrough": {"variant": "off"}}),
        ],
        "segments": [],
    }
