"""The Python SDK against @tripwire/sdk and @tripwire/schema, run in Node on the same inputs."""

from __future__ import annotations

import random
from typing import Any, Dict, List, Tuple

from node_bridge import run_node
from tripwire.evaluation.js_number import format_js_number
from tripwire.evaluation.murmur3 import murmur3
from tripwire.schema import telemetry
from tripwire.schema.validate import validate_config_snapshot
from tripwire.telemetry.hash_unit import hash_unit


def _random_text(rng: random.Random, length: int) -> str:
    alphabet = "abcXYZ019-_. éü中文😀\u0000\ud800\udfff"
    return "".join(rng.choice(alphabet) for _ in range(length))


def _hash_cases() -> List[Tuple[str, str]]:
    rng = random.Random(16)
    keys = ["k" * 16, "a-very-long-hash-key-" * 20, "clé-secrète-ünïcode-🔑", "x" * 64, "y" * 65]
    units = ["", "user-1", "42", "é", "😀", "\ud800", "u" * 55, "u" * 56, "u" * 64, "v" * 5000]
    units += [_random_text(rng, rng.randrange(0, 200)) for _ in range(150)]
    return [(unit, key) for key in keys for unit in units]


def test_unit_ids_are_byte_identical_to_the_node_sdk() -> None:
    cases = _hash_cases()
    expected = run_node(
        "import { hashUnit } from '@tripwire/sdk';\n"
        "console.log(JSON.stringify(input.map(([u, k]) => hashUnit(u, k))));",
        cases,
    )
    assert [hash_unit(unit, key) for unit, key in cases] == expected


def test_murmur3_matches_the_node_sdk_on_random_unicode() -> None:
    rng = random.Random(3)
    inputs = [_random_text(rng, rng.randrange(0, 40)) for _ in range(300)]
    expected = run_node(
        "import { murmur3 } from '@tripwire/sdk';\n"
        "console.log(JSON.stringify(input.map((s) => murmur3(s))));",
        inputs,
    )
    assert [murmur3(text) for text in inputs] == expected


def test_numbers_format_as_javascript_formats_them() -> None:
    rng = random.Random(5)
    numbers: List[Any] = [0, 1, -1, 1.5, 1e21, 1e20, 1e-7, 1e-6, 0.1 + 0.2, 2**53, 2**60, 5e-324]
    numbers += [rng.uniform(-1e25, 1e25) for _ in range(100)]
    numbers += [rng.uniform(-1e-5, 1e-5) for _ in range(100)]
    numbers += [rng.randrange(-(10**12), 10**12) for _ in range(50)]
    expected = run_node("console.log(JSON.stringify(input.map(String)));", numbers)
    assert [format_js_number(n) for n in numbers] == expected


def _node_telemetry_names() -> Dict[str, Any]:
    result: Dict[str, Any] = run_node(
        "import * as s from '@tripwire/schema';\n"
        "import { PROVIDER_NAME } from '@tripwire/sdk';\n"
        "const names = ['FlagAttributes', 'TripwireAttributes', 'SpanNames', 'BaggageKeys',"
        " 'MetricNames', 'FLAG_EVALUATION_EVENT', 'EvaluationReasons', 'EvaluationErrorCodes',"
        " 'FLAG_KEY_PATTERN', 'SCHEMA_VERSION'];\n"
        "console.log(JSON.stringify({ ...Object.fromEntries(names.map((n) => [n, s[n]])),"
        " PROVIDER_NAME }));"
    )
    return result


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def test_telemetry_names_match_the_schema_package() -> None:
    node = _node_telemetry_names()
    for group in (
        "FlagAttributes",
        "TripwireAttributes",
        "SpanNames",
        "BaggageKeys",
        "MetricNames",
    ):
        cls = getattr(telemetry, group)
        mine = {_camel(k): v for k, v in vars(cls).items() if not k.startswith("_")}
        assert mine == node[group], group
    assert node["FLAG_EVALUATION_EVENT"] == telemetry.FLAG_EVALUATION_EVENT
    assert list(telemetry.EVALUATION_REASONS) == node["EvaluationReasons"]
    assert list(telemetry.EVALUATION_ERROR_CODES) == node["EvaluationErrorCodes"]
    assert node["FLAG_KEY_PATTERN"] == telemetry.FLAG_KEY_PATTERN
    assert node["SCHEMA_VERSION"] == telemetry.SCHEMA_VERSION
    assert node["PROVIDER_NAME"] == telemetry.PROVIDER_NAME


def test_snapshot_validation_rejects_what_the_schema_package_rejects_at_the_same_paths() -> None:
    from fixtures import invalid_snapshots

    documents = invalid_snapshots()
    expected = run_node(
        "import { validateConfigSnapshot } from '@tripwire/schema';\n"
        "console.log(JSON.stringify(input.map((d) => {\n"
        "  const r = validateConfigSnapshot(d);\n"
        "  return r.ok ? [] : [...new Set(r.errors.map((e) => e.instancePath))].sort();\n"
        "})));",
        documents,
    )
    mine = [sorted({i.instance_path for i in validate_config_snapshot(d)}) for d in documents]
    # Node adds a union-level "must match a schema in anyOf" for some unions; every path
    # Python names is one Node names, and both accept and reject the same documents.
    assert [bool(paths) for paths in mine] == [bool(paths) for paths in expected]
    assert all(set(m) <= set(e) for m, e in zip(mine, expected)), list(zip(mine, expected))
    assert all(expected), "every fixture is invalid"
