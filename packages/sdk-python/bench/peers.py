"""The peers of evaluate.py: GrowthBook, UnleashClient, LaunchDarkly (TestData) and
OpenFeature's InMemoryProvider, each offline with the flags of bench_flags.py, each driven
through its documented per-user evaluation call with contexts built before timing."""

from __future__ import annotations

import json
import logging
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List

from bench_flags import COUNTRIES, TARGETED, USER_COUNT, USERS, Subject, country_of


@dataclass
class Contender:
    name: str
    experiment: Subject
    targeting: Subject
    close: Callable[[], None] = lambda: None


def set_up_growthbook() -> Contender:
    """The synchronous ``GrowthBook`` class is one user's view: ``set_attributes`` switches the
    user (what a per-request instance would do, without constructing one per call)."""
    from growthbook import GrowthBook

    features = {
        "exp": {
            "defaultValue": False,
            "rules": [
                {
                    "key": "exp",
                    "seed": "exp",
                    "hashAttribute": "id",
                    "coverage": 1,
                    "variations": [False, True],
                    "weights": [0.5, 0.5],
                }
            ],
        },
        "target": {
            "defaultValue": False,
            "rules": [{"condition": {"country": {"$in": list(TARGETED)}}, "force": True}],
        },
    }
    gb = GrowthBook(features=features)
    users = [{"id": key} for key in USERS]
    located = [{"id": key, "country": country_of(i)} for i, key in enumerate(USERS)]

    def experiment(i: int) -> bool:
        gb.set_attributes(users[i % USER_COUNT])
        return gb.is_on("exp")

    def targeting(i: int) -> bool:
        gb.set_attributes(located[i % USER_COUNT])
        return gb.is_on("target")

    return Contender("GrowthBook set_attributes + is_on", experiment, targeting, gb.destroy)


def set_up_unleash() -> Contender:
    """Bootstrapped from a toggles file, ``initialize_client`` never called: no network."""
    from UnleashClient import UnleashClient
    from UnleashClient.cache import FileCache

    def feature(name: str, strategy: Dict[str, Any]) -> Dict[str, Any]:
        return {"name": name, "enabled": True, "strategies": [strategy], "variants": []}

    toggles = {
        "version": 1,
        "features": [
            feature(
                "exp",
                {
                    "name": "flexibleRollout",
                    "parameters": {"rollout": "50", "stickiness": "userId", "groupId": "exp"},
                    "constraints": [],
                },
            ),
            feature(
                "target",
                {
                    "name": "default",
                    "parameters": {},
                    "constraints": [
                        {"contextName": "country", "operator": "IN", "values": list(TARGETED)}
                    ],
                },
            ),
        ],
    }
    directory = tempfile.mkdtemp(prefix="tripwire-bench-unleash-")
    toggles_file = Path(directory, "toggles.json")
    toggles_file.write_text(json.dumps(toggles))
    cache = FileCache("bench", directory=directory)
    cache.bootstrap_from_file(toggles_file)
    client = UnleashClient(
        url="http://127.0.0.1:9/api",  # never contacted: no initialize_client, no metrics
        app_name="bench",
        disable_metrics=True,
        disable_registration=True,
        cache=cache,
    )
    users = [{"userId": key} for key in USERS]
    located = [
        {"userId": key, "properties": {"country": country_of(i)}} for i, key in enumerate(USERS)
    ]
    return Contender(
        "UnleashClient is_enabled",
        lambda i: client.is_enabled("exp", users[i % USER_COUNT]),
        lambda i: client.is_enabled("target", located[i % USER_COUNT]),
        client.destroy,
    )


def set_up_launchdarkly() -> Contender:
    """TestData as the data source, events off. TestData's builder has no percentage
    rollouts, so the experiment's builder adds the fallthrough rollout to the flag it builds
    (the same JSON as the Node bench's preconfigured flag)."""
    from ldclient import Context, LDClient
    from ldclient.config import Config
    from ldclient.integrations.test_data import FlagBuilder, TestData

    class RolloutFlag(FlagBuilder):
        def _build(self, version: int) -> Dict[str, Any]:
            flag: Dict[str, Any] = super()._build(version)
            flag["salt"] = self._key
            flag["fallthrough"] = {
                "rollout": {
                    "variations": [
                        {"variation": 0, "weight": 50_000},
                        {"variation": 1, "weight": 50_000},
                    ]
                }
            }
            return flag

    logging.getLogger("ldclient").setLevel(logging.WARNING)
    td = TestData.data_source()
    td.update(RolloutFlag("exp").variations(False, True).off_variation(0))
    td.update(
        td.flag("target")
        .boolean_flag()
        .fallthrough_variation(False)
        .if_match("country", *TARGETED)
        .then_return(True)
    )
    client = LDClient(
        Config(
            "bench-sdk-key", update_processor_class=td, send_events=False, diagnostic_opt_out=True
        )
    )
    users = [Context.create(key) for key in USERS]
    located = [
        Context.builder(key).set("country", country_of(i)).build() for i, key in enumerate(USERS)
    ]
    return Contender(
        "LaunchDarkly variation",
        lambda i: client.variation("exp", users[i % USER_COUNT], False),
        lambda i: client.variation("target", located[i % USER_COUNT], False),
        client.close,
    )


def set_up_openfeature() -> Contender:
    """The InMemoryProvider has no bucketing: its evaluator splits by CRC-32 (C code, cheaper
    than any hash written in Python) and targets by a set lookup."""
    from openfeature import api
    from openfeature.evaluation_context import EvaluationContext
    from openfeature.flag_evaluation import FlagResolutionDetails, Reason
    from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider

    targeted = frozenset(TARGETED)

    def answer(flag: InMemoryFlag[bool], variant: str) -> FlagResolutionDetails[bool]:
        return FlagResolutionDetails(
            flag.variants[variant], variant=variant, reason=Reason.TARGETING_MATCH
        )

    def split(flag: InMemoryFlag[bool], ctx: EvaluationContext) -> FlagResolutionDetails[bool]:
        bucket = zlib.crc32(str(ctx.targeting_key).encode()) % 100
        return answer(flag, "on" if bucket < 50 else "off")

    def target(flag: InMemoryFlag[bool], ctx: EvaluationContext) -> FlagResolutionDetails[bool]:
        return answer(flag, "on" if ctx.attributes.get("country") in targeted else "off")

    variants = {"on": True, "off": False}
    provider = InMemoryProvider(
        {
            "exp": InMemoryFlag("off", variants, context_evaluator=split),
            "target": InMemoryFlag("off", variants, context_evaluator=target),
        }
    )
    api.set_provider_and_wait(provider, domain="bench-in-memory")
    client = api.get_client("bench-in-memory")
    users = [EvaluationContext(targeting_key=key) for key in USERS]
    located = [
        EvaluationContext(targeting_key=key, attributes={"country": country_of(i)})
        for i, key in enumerate(USERS)
    ]
    return Contender(
        "OpenFeature InMemoryProvider",
        lambda i: client.get_boolean_value("exp", False, users[i % USER_COUNT]),
        lambda i: client.get_boolean_value("target", False, located[i % USER_COUNT]),
        api.shutdown,
    )


PEERS: List[Callable[[], Contender]] = [
    set_up_growthbook,
    set_up_unleash,
    set_up_launchdarkly,
    set_up_openfeature,
]
__all__ = ["COUNTRIES", "PEERS", "Contender"]
