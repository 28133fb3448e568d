"""The hot path: generated per-flag resolvers (flag_resolver.py) and the client's typed getters
(fast_path.py) give what the generic path gives, count exactly across threads, and keep the
attribution and exposure contract."""

from __future__ import annotations

import threading
from typing import Any, Dict, List

import pytest
from opentelemetry import baggage

from fixtures import make_flag, make_snapshot
from otel_harness import OtelHarness
from repo_files import load_vectors
from tripwire import compile_config, create_client, hash_unit
from tripwire.evaluation import flag_resolver
from tripwire.telemetry.unit_cache import UnitCache

HASH_KEY = "0123456789abcdef-test"
EVALUATION = load_vectors("evaluation.json")
CORE = compile_config(EVALUATION["config"], specialise=False)
CORE_FLAGS = compile_config(make_snapshot([make_flag()]), specialise=False)


def _vector_client() -> Any:
    client = create_client(
        environment="production",
        hash_key=HASH_KEY,
        source={"type": "static", "config": make_snapshot()},
        logger=None,
    )
    # The vector config holds flags that are broken on purpose, so it fails snapshot validation:
    # apply it as the store applies a validated one (compiled, then prepared for this client).
    client._store._apply(EVALUATION["config"], "bootstrap")
    return client


VECTOR_CLIENT = _vector_client()
GETTERS = {bool: "boolean", str: "string", int: "number", float: "number"}


@pytest.mark.parametrize("case", EVALUATION["cases"], ids=lambda c: c["name"])
def test_the_typed_getters_give_the_generic_paths_result_for_every_vector(
    case: Dict[str, Any],
) -> None:
    default = case["defaultValue"]
    kind = GETTERS.get(type(default), "object")
    details = getattr(VECTOR_CLIENT, f"get_{kind}_details")
    value = getattr(VECTOR_CLIENT, f"get_{kind}_value")
    expected = CORE.evaluate(case["flagKey"], case["context"], default)
    assert details(case["flagKey"], case["context"], default) == expected
    assert value(case["flagKey"], case["context"], default) == expected.value
    assert expected.value == case["expected"]["value"]


def test_vector_flags_of_scalar_types_take_the_hot_path() -> None:
    tables = VECTOR_CLIENT._store.applied.prepared
    assert {"exp.partial", "perm.beta", "dep.child"} <= set(tables[0])
    assert {"exp.checkout", "ops.operators"} <= set(tables[1]) and "exp.weighted" in tables[2]
    assert "broken.regex" not in tables[0] and "json.theme" not in set().union(*tables)


def test_the_hot_path_counts_every_evaluation_from_many_threads() -> None:
    client = create_client(
        environment="production",
        hash_key=HASH_KEY,
        source={"type": "static", "config": make_snapshot([make_flag()])},
        logger=None,
    )
    per_thread, started = 3000, threading.Barrier(6)
    values: List[bool] = []

    def evaluate(thread: int) -> None:
        started.wait()
        for i in range(per_thread):
            values.append(client.get_boolean_value("checkout", {"targetingKey": f"{i}"}, False))

    threads = [threading.Thread(target=evaluate, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = {(c.variant, c.reason): c.total for c in client._recorder.evaluations.entries()}
    assert entries == {
        ("on", "split"): values.count(True),
        ("off", "split"): values.count(False),
    }
    assert sum(entries.values()) == 6 * per_thread


def test_a_context_with_nothing_to_stamp_does_not_hide_a_later_span_or_scope() -> None:
    otel = OtelHarness()
    client = create_client(
        environment="production",
        hash_key=HASH_KEY,
        source={"type": "static", "config": make_snapshot([make_flag()])},
        tracer=otel.tracer,
        logger=None,
    )
    unit = {"targetingKey": "user-5"}
    variant = client.get_boolean_details("checkout", unit, False).variant
    client.get_boolean_details("checkout", unit, False)  # a repeat in the root context
    with otel.tracer.start_as_current_span("GET /a"):
        client.get_boolean_details("checkout", {"targetingKey": "user-6"}, False)
        client.get_boolean_details("checkout", unit, False)  # a repeat, stamped over user-6
    with client.with_assignments():
        client.get_boolean_details("checkout", unit, False)
        assert baggage.get_baggage("tripwire.assignments") == f"checkout:{variant}"
    (span,) = otel.spans("GET /a")
    assert (span.attributes or {})["tripwire.variant.checkout"] == variant
    assert (span.attributes or {})["tripwire.unit.id"] == hash_unit("user-5", HASH_KEY)
    assert len(otel.spans("tripwire.exposure")) == 2  # user-5's first, user-6's first


def test_the_unit_cache_keeps_recent_units_and_exposures_and_stays_bounded() -> None:
    cache = UnitCache(HASH_KEY, capacity=10)
    hot = cache.entry_for("hot")
    assert cache.record_exposure("hot", "checkout", "on")
    for i in range(100):
        cache.entry_for(f"cold-{i}")
        assert cache.record_exposure(f"cold-{i}", "checkout", "on")
        assert cache.entry_for("hot") is hot  # seen within the last capacity / 2 units
        assert not cache.record_exposure("hot", "checkout", "on")  # and so is its exposure
        assert cache.entries.size() <= 10 and cache.log_for("checkout").size() <= 10
    assert cache.peek("cold-0") is None and cache.peek("cold-99") is not None
    assert cache.exposed_variants("cold-0") == () and cache.exposed_variants("hot") == (
        ("checkout", "on"),
    )
    assert cache.record_exposure("cold-0", "checkout", "on")  # dropped: exposed again
    assert cache.record_exposure("hot", "checkout", "off")  # another variant: exposed
    assert cache.id_for("cold-0") == hash_unit("cold-0", HASH_KEY)


def test_config_text_never_becomes_resolver_source() -> None:
    hostile = "x')) or __import__('os')._exit(3) or (('"
    flag = make_flag()
    flag["environments"]["production"]["rules"] = [
        {
            "id": "hostile",
            "when": {"attribute": hostile, "op": "in", "values": [hostile, "\n    return 1"]},
            "serve": {"variant": "on"},
        }
    ]
    config = compile_config(make_snapshot([flag]))
    assert config.get_flag("checkout").resolver_code is not None  # type: ignore[union-attr]
    matched = config.evaluate("checkout", {"targetingKey": "u", hostile: hostile}, False)
    assert (matched.variant, matched.reason) == ("on", "targeting_match")
    missed = config.evaluate("checkout", {"targetingKey": "u", hostile: "return 1"}, False)
    assert missed.reason == "split"


def test_conditions_nested_too_deep_to_inline_keep_the_generic_resolver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Validation allows 16 levels and the generator inlines MAX_DEPTH (40): lower it to see
    # the fallback.
    monkeypatch.setattr(flag_resolver, "MAX_DEPTH", 3)
    condition: Dict[str, Any] = {"attribute": "plan", "op": "equals", "values": ["pro"]}
    for _ in range(3):
        condition = {"not": {"not": condition}}
    flag = make_flag()
    flag["environments"]["production"]["rules"][0]["when"] = condition
    config = compile_config(make_snapshot([flag]))
    compiled = config.get_flag("checkout")
    assert compiled is not None and compiled.broken is None and compiled.resolver_code is None
    assert config.evaluate("checkout", {"targetingKey": "u", "plan": "pro"}, False).variant == "on"
    assert config.evaluate("checkout", {"targetingKey": "u"}, False).reason == "split"


def test_a_unit_switching_variants_is_exposed_at_each_switch_through_the_hot_path() -> None:
    otel = OtelHarness()
    client = create_client(
        environment="production",
        hash_key=HASH_KEY,
        source={"type": "static", "config": make_snapshot([make_flag()])},
        tracer=otel.tracer,
        logger=None,
        exposure_reasons=["split", "targeting_match"],
    )
    unit = next(  # a unit the split gives "off", so the staff rule's "on" is a switch
        f"u{i}"
        for i in range(100)
        if CORE_FLAGS.evaluate("checkout", {"targetingKey": f"u{i}"}, False).variant == "off"
    )
    staff = {"targetingKey": unit, "email": "a@corp.com"}
    for context in (
        {"targetingKey": unit},
        staff,
        staff,
        {"targetingKey": unit},
        {"targetingKey": unit},
    ):
        client.get_boolean_value("checkout", context, False)
    spans = otel.spans("tripwire.exposure")
    assert [(s.attributes or {})["feature_flag.result.variant"] for s in spans] == [
        "off",
        "on",
        "off",
    ]


def test_an_unhashable_unit_value_on_the_exposure_path_neither_raises_nor_exposes() -> None:
    otel = OtelHarness()
    client = create_client(
        environment="production",
        hash_key=HASH_KEY,
        source={"type": "static", "config": make_snapshot([make_flag(recordExposures=True)])},
        tracer=otel.tracer,
        logger=None,
    )
    client.get_boolean_value("checkout", {"targetingKey": "u", "email": "a@corp.com"}, False)
    # the staff rule serves "on" (an exposure of this flag) to a unit value that is a list
    context = {"targetingKey": ["u"], "email": "a@corp.com"}
    assert client.get_boolean_value("checkout", context, False) is True
    assert len(otel.spans("tripwire.exposure")) == 1
