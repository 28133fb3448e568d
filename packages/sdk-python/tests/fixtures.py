"""Config snapshots for tests: a valid one to start from, and invalid variations of it."""

from __future__ import annotations

import copy
import time
from typing import Any, Callable, Dict, List, Mapping, Optional

from repo_files import load_vectors
from tripwire.sources.config_source import ConfigListener

Document = Dict[str, Any]


def make_flag(key: str = "checkout", *, version: int = 1, **overrides: Any) -> Document:
    """A valid 50/50 boolean experiment in ``production`` with one targeting rule."""
    flag: Document = {
        "key": key,
        "kind": "experiment",
        "type": "boolean",
        "variants": [{"key": "off", "value": False}, {"key": "on", "value": True}],
        "defaultVariant": "off",
        "salt": key,
        "metadata": {"owner": "team-a", "createdAt": "2026-01-01T00:00:00Z"},
        "environments": {
            "production": {
                "enabled": True,
                "rules": [
                    {
                        "id": "staff",
                        "when": {"attribute": "email", "op": "ends_with", "values": ["@corp.com"]},
                        "serve": {"variant": "on"},
                    }
                ],
                "fallthrough": {
                    "rollout": {
                        "coverage": 10_000,
                        "weights": [
                            {"variant": "off", "weight": 1},
                            {"variant": "on", "weight": 1},
                        ],
                    }
                },
            }
        },
        "version": version,
    }
    flag.update(overrides)
    return flag


def make_snapshot(
    flags: Optional[List[Document]] = None,
    *,
    version: int = 1,
    segments: Optional[List[Document]] = None,
) -> Document:
    return {
        "schemaVersion": 1,
        "environment": "production",
        "version": version,
        "generatedAt": "2026-01-01T00:00:00Z",
        "flags": [make_flag()] if flags is None else flags,
        "segments": segments or [],
    }


def _variation(change: Callable[[Document], Any]) -> Document:
    document = make_snapshot(
        [
            make_flag(),
            make_flag("banner", prerequisites=[{"flag": "checkout", "variants": ["on"]}]),
        ],
        segments=[{"key": "beta", "included": ["u1"], "excluded": [], "version": 1}],
    )
    change(document)
    return document


def _rule(document: Document) -> Document:
    rule: Document = document["flags"][0]["environments"]["production"]["rules"][0]
    return rule


def invalid_snapshots() -> List[Document]:
    """One document per kind of problem, each checked by both validators."""
    changes: List[Callable[[Document], Any]] = [
        lambda d: d.update(schemaVersion=2),
        lambda d: d.update(environment="bad key!"),
        lambda d: d.update(version=-1),
        lambda d: d.update(generatedAt="yesterday"),
        lambda d: d.update(extra=True),
        lambda d: d["flags"][0].pop("salt"),
        lambda d: d["flags"][0].update(kind="other"),
        lambda d: d["flags"][0].update(defaultVariant="nope"),
        lambda d: d["flags"][0]["variants"].append({"key": "on", "value": True}),
        lambda d: d["flags"][0]["variants"][0].update(value="not a bool"),
        lambda d: d["flags"][1].update(key="checkout"),
        lambda d: _rule(d).update(when={"attribute": "x", "op": "bogus", "values": [1]}),
        lambda d: _rule(d).update(when={"attribute": "x", "op": "lt", "values": [1, 2]}),
        lambda d: _rule(d).update(when={"attribute": "x", "op": "lt", "values": ["1"]}),
        lambda d: _rule(d).update(when={"attribute": "x", "op": "semver_gt", "values": ["v1"]}),
        lambda d: _rule(d).update(when={"attribute": "x", "op": "matches", "values": ["(a"]}),
        lambda d: _rule(d).update(when={"attribute": "x", "op": "exists", "values": [1]}),
        lambda d: _rule(d).update(when={"segment": "ghost"}),
        lambda d: _rule(d).update(when={"all": []}),
        lambda d: _rule(d).update(serve={"variant": "missing"}),
        lambda d: _rule(d).update(id="bad id"),
        lambda d: d["flags"][0].update(prerequisites=[{"flag": "banner", "variants": ["on"]}]),
        lambda d: d["flags"][1].update(prerequisites=[{"flag": "checkout", "variants": ["x"]}]),
        lambda d: d["flags"][0]["metadata"].update(expiresAt="2025-01-01T00:00:00Z"),
        lambda d: d["flags"][0]["environments"]["production"]["fallthrough"]["rollout"].update(
            weights=[{"variant": "on", "weight": 0}]
        ),
        lambda d: d["flags"][0]["environments"]["production"]["fallthrough"]["rollout"].update(
            coverage=10_001
        ),
        lambda d: d["segments"][0].update(when={"segment": "beta"}),
        lambda d: d["segments"].append(copy.deepcopy(d["segments"][0])),
        lambda d: d["flags"][0].update(guardrails=[{"id": "g", "metric": "conversion"}]),
        lambda d: d["flags"][0]["variants"][0].update(name="x" * 300),
        lambda d: d["flags"].append("not a flag"),
        lambda d: d["flags"][0]["environments"].update({"bad key": {}}),
    ]
    return [_variation(change) for change in changes] + [load_vectors("evaluation.json")["config"]]


class ManualSource:
    """A source the test drives: ``deliver`` and ``fail`` call the listener directly."""

    def __init__(self, origin: str = "stream") -> None:
        self.origin = origin
        self.listener: Optional[ConfigListener] = None
        self.closed = False

    def start(self, listener: ConfigListener) -> None:
        self.listener = listener

    def close(self) -> None:
        self.closed = True

    def deliver(self, document: Mapping[str, Any]) -> None:
        assert self.listener is not None
        self.listener.on_config(document, None)

    def fail(self, error: BaseException) -> None:
        assert self.listener is not None
        self.listener.on_error(error)


def wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Polls ``condition`` every 10 ms until it holds or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()
