"""Defaults shared with @tripwire/sdk: exposure reasons, no exposure work without an OTel SDK,
the flags-file shorthand, and what a local client may leave out."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from typing import Any, Dict, List

import pytest

from fixtures import make_flag, make_snapshot
from node_bridge import run_node
from otel_harness import OtelHarness
from tripwire import ConfigProblem, TripwireError, create_client
from tripwire.schema.flags_file import expand_flags_file, is_flags_file

HASH_KEY = "0123456789abcdef-test"
STAFF = {"targetingKey": "u1", "email": "a@corp.com"}


def _exposures(otel: OtelHarness, flags: List[Dict[str, Any]], **options: Any) -> int:
    client = create_client(
        environment="production",
        hash_key=HASH_KEY,
        source={"type": "static", "config": make_snapshot(flags)},
        tracer=otel.tracer,
        logger=None,
        **options,
    )
    client.assign("checkout", STAFF, False)  # the rule: targeting_match
    client.assign("checkout", {"targetingKey": "u2"}, False)  # the 50/50 split
    return len(otel.spans("tripwire.exposure"))


def test_only_splits_are_exposures_by_default_as_in_the_node_sdk() -> None:
    assert _exposures(OtelHarness(), [make_flag()]) == 1
    both = ["split", "targeting_match"]
    assert _exposures(OtelHarness(), [make_flag()], exposure_reasons=both) == 2
    assert _exposures(OtelHarness(), [make_flag()], exposure_reasons=[]) == 0


def test_a_flags_record_exposures_overrides_the_client_reasons() -> None:
    assert _exposures(OtelHarness(), [make_flag(recordExposures=True)]) == 2
    assert _exposures(OtelHarness(), [make_flag(recordExposures=False)]) == 0


NO_SDK_SCRIPT = """
    from fixtures import make_snapshot
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from tripwire import create_client
    from tripwire.telemetry.unit_cache import UnitCache

    calls = []
    original = UnitCache.entry_for
    UnitCache.entry_for = lambda self, key: calls.append(key) or original(self, key)
    client = create_client(environment="production", hash_key="0123456789abcdef-test",
                           source={"type": "static", "config": make_snapshot()}, logger=None)
    values = [client.get_boolean_value("checkout", {"targetingKey": f"u{i}"}, False)
              for i in range(20)]
    before = len(calls)
    trace.set_tracer_provider(TracerProvider())
    client.get_boolean_value("checkout", {"targetingKey": "u1"}, False)
    print(before, len(calls), len(set(values)))
"""


def test_without_an_otel_sdk_evaluation_pays_no_exposure_work() -> None:
    # A fresh interpreter: the global tracer provider must be the API's proxy (never set).
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(NO_SDK_SCRIPT)],
        capture_output=True,
        text=True,
        cwd=str(__import__("pathlib").Path(__file__).parent),
        timeout=60,
        check=True,
    )
    assert completed.stdout.split() == ["0", "1", "2"]  # no HMAC until an SDK is registered


FLAGS_FILES: List[Dict[str, Any]] = [
    {
        "flags": {
            "checkout-flow": {"variants": ["old", "new"], "split": [50, 50]},
            "new-nav": {
                "variants": [False, True],
                "rules": {
                    "when": {"attribute": "beta", "op": "equals", "values": True},
                    "serve": True,
                },
            },
        }
    },
    {
        "version": 7,
        "flags": {
            "banner": {
                "variants": {"control": "none", "promo": "winter-sale"},
                "split": {"promo": 10, "control": 90},
                "rules": [
                    {"when": {"all": [{"attribute": "country", "op": "in", "values": "NL"}]},
                     "serve": "promo"},
                    {"id": "staff", "when": {"not": {"attribute": "p", "op": "exists"}},
                     "serve": "none"},
                ],
                "kind": "experiment", "enabled": False, "unit": "accountId",
                "owner": "growth", "description": "winter banner", "default": "promo",
            },
            "2": {"variants": {"2": 2, "1": 1.5, "b": 3}, "rules": {"when": {"attribute": "n",
                  "op": "gt", "values": 1}, "serve": 2.0}},
            "limits": {"variants": [1, 1.5, 2.0, -0.0]},
            "blob": {"variants": [{"a": [1, 2.0]}, None, ["x"]], "rules": {"when": {
                     "attribute": "p", "op": "exists"}, "serve": [  "x"]}},
            "odd": {"variants": ["has space", "ok"]},
        },
    },
    {"flags": {"a": {"variants": []}}},
    {"flags": {"a": {"variants": ["x", 1]}}},
    {"flags": {"a": {"variants": ["x"], "split": {"y": 1}}}},
    {"flags": {"a": {"variants": ["x"], "split": [1, 2]}}},
    {"flags": {"a": {"variants": ["x", "y"], "rules": [{"when": {}, "serve": "z"}]}}},
    {"flags": {"a": {"variants": ["x"], "rules": {"when": {}}}}},
    {"flags": {"a": {"variants": {"bad key": 1}}}},
    {"flags": {"a": "not a flag"}},
    {"flags": {"a": {"variants": "x"}}},
    {"flags": {"a": {"variants": ["x"], "rules": {"when": {"attribute": "p", "op": "nope"},
                                                  "serve": "x"}}}},
]  # fmt: skip


def test_flags_files_expand_exactly_as_the_schema_package_expands_them() -> None:
    expected = run_node(
        "import { expandFlagsFile } from '@tripwire/schema';\n"
        "console.log(JSON.stringify(input.map((doc) =>"
        " expandFlagsFile(doc, { environment: 'development' }))));",
        FLAGS_FILES,
    )
    for document, node in zip(FLAGS_FILES, expected):
        snapshot, issues = expand_flags_file(document, environment="development")
        assert (not issues) == node["ok"], (document, issues, node)
        if node["ok"]:
            assert snapshot == node["value"]
            continue
        first = node["errors"][0]
        if first["instancePath"].startswith("/flags/a"):  # a shorthand problem: same words
            assert issues[0].instance_path == first["instancePath"]
            assert issues[0].message == first["message"]
        else:  # past the shorthand: the snapshot validators agree on where
            assert any(i.instance_path.startswith("/flags/0/environments") for i in issues)


def test_a_flags_file_is_told_from_a_snapshot() -> None:
    assert is_flags_file({"flags": {}})
    assert not is_flags_file({"schemaVersion": 1, "flags": {}})
    assert not is_flags_file({"flags": []})
    assert not is_flags_file(None)


def _logger(records: List[logging.LogRecord]) -> logging.Logger:
    logger = logging.getLogger(f"tripwire-test-{len(records)}-{id(records)}")
    logger.propagate = False

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger.addHandler(Keep())
    return logger


def test_a_local_client_defaults_to_development_and_a_random_hash_key_with_a_warning() -> None:
    records: List[logging.LogRecord] = []
    flags_file = {"flags": {"new-nav": {"variants": [False, True], "split": [0, 1]}}}
    clients = [
        create_client(source={"type": "static", "config": flags_file}, logger=_logger(records))
        for _ in range(2)
    ]
    assert [c.environment for c in clients] == ["development", "development"]
    assert all(c.get_boolean_value("new-nav", {"targetingKey": "u"}, False) for c in clients)
    assert clients[0].hash_unit("u") != clients[1].hash_unit("u")  # one key per client
    assert len(records) == 2 and "no hash_key given" in records[0].getMessage()
    quiet: List[logging.LogRecord] = []
    create_client(
        source={"type": "static", "config": flags_file}, hash_key=HASH_KEY, logger=_logger(quiet)
    )
    assert quiet == []


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"hash_key": HASH_KEY}, "environment"),
        ({"environment": "production"}, "hash_key"),
    ],
)
def test_a_network_client_must_name_its_environment_and_hash_key(
    options: Dict[str, Any], named: str
) -> None:
    source = {"type": "stream", "base_url": "http://127.0.0.1:9"}
    with pytest.raises(TripwireError, match=named):
        create_client(source=source, logger=None, **options)


def test_a_flags_file_from_the_network_is_refused() -> None:
    problems: List[ConfigProblem] = []
    client = create_client(
        environment="production", hash_key=HASH_KEY, source={"type": "static", "config": {}},
        logger=None,
    )  # fmt: skip
    client.on("error", problems.append)
    client._receive({"flags": {"a": {"variants": [True]}}}, "stream")
    assert problems and "config snapshot is invalid" in problems[0].message
    client._receive({"flags": {"a": {"variants": [True]}}}, "file")  # a local source: expanded
    assert len(problems) == 1
    assert client.get_boolean_value("a", {"targetingKey": "u"}, False) is True
