"""Exposure spans, attribution, baggage, conversions and metrics through a real OTel SDK, each
test run twice: evaluating through ``assign`` (the generic path) and ``get_boolean_details``
(the typed getters' hot path, fast_path.py)."""

from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest
from opentelemetry import baggage, context
from opentelemetry.baggage.propagation import W3CBaggagePropagator

from fixtures import make_flag, make_snapshot
from otel_harness import OtelHarness
from tripwire import create_client, hash_unit

HASH_KEY = "0123456789abcdef-test"


@pytest.fixture
def otel() -> OtelHarness:
    return OtelHarness()


_GETTER = {"getter": "assign"}


@pytest.fixture(autouse=True, params=["assign", "get_boolean_details"])
def getter(request: pytest.FixtureRequest) -> Iterator[str]:
    _GETTER["getter"] = request.param
    yield request.param
    _GETTER["getter"] = "assign"


def _assign(client: Any, flag_key: str, context: Dict[str, Any], default: bool) -> Any:
    """The evaluation through the getter this run of the test uses."""
    return getattr(client, _GETTER["getter"])(flag_key, context, default)


def _client(otel: OtelHarness, **options: Any) -> Any:
    flags = [make_flag(), make_flag("banner", kind="release")]
    return create_client(
        environment="production",
        hash_key=HASH_KEY,
        source={"type": "static", "config": make_snapshot(flags, version=3)},
        tracer=otel.tracer,
        meter=otel.meter,
        logger=None,
        **options,
    )


def test_a_first_exposure_emits_one_span_with_the_node_sdks_attributes(otel: OtelHarness) -> None:
    client = _client(otel)
    result = _assign(client, "checkout", {"targetingKey": "user-1"}, False)
    (span,) = otel.spans("tripwire.exposure")
    assert dict(span.attributes or {}) == {
        "feature_flag.key": "checkout",
        "feature_flag.result.variant": result.variant,
        "feature_flag.result.reason": "split",
        "feature_flag.provider.name": "tripwire",
        "feature_flag.set.id": "production",
        "tripwire.unit.kind": "targetingKey",
        "feature_flag.version": "1",
        "feature_flag.context.id": hash_unit("user-1", HASH_KEY),
    }
    assert span.kind.name == "INTERNAL"


def test_repeat_exposures_emit_no_span_but_a_new_variant_does(otel: OtelHarness) -> None:
    client = _client(otel)
    for _ in range(5):
        _assign(client, "checkout", {"targetingKey": "user-1"}, False)
    assert len(otel.spans("tripwire.exposure")) == 1
    _assign(
        client, "checkout", {"targetingKey": "user-1", "email": "a@corp.com"}, False
    )  # rule: on
    variants = [
        (s.attributes or {})["feature_flag.result.variant"] for s in otel.spans("tripwire.exposure")
    ]
    assert len(variants) == (1 if variants[0] == "on" else 2)
    _assign(client, "checkout", {"targetingKey": "user-2"}, False)
    assert len(otel.spans("tripwire.exposure")) == len(variants) + 1


def test_only_exposure_reasons_emit_exposures(otel: OtelHarness) -> None:
    client = _client(otel)
    _assign(client, "missing", {"targetingKey": "user-1"}, False)
    _assign(client, "checkout", {}, False)  # no unit: targeting_key_missing
    assert otel.spans("tripwire.exposure") == []
    everything = _client(OtelHarness(), exposure_reasons=["error"])
    assert _assign(everything, "missing", {"targetingKey": "u"}, False).variant is None


def test_a_flags_record_exposures_overrides_the_clients_exposure_reasons() -> None:
    otel = OtelHarness()
    flags = [
        make_flag("quiet", recordExposures=False),
        make_flag("ruled", kind="release", recordExposures=True),
    ]
    client = create_client(
        environment="production",
        hash_key=HASH_KEY,
        source={"type": "static", "config": make_snapshot(flags)},
        tracer=otel.tracer,
        logger=None,
        exposure_reasons=["split", "targeting_match"],
    )
    for i in range(20):
        _assign(client, "quiet", {"targetingKey": f"u-{i}"}, False)
    _assign(client, "quiet", {"targetingKey": "a", "email": "a@corp.com"}, False)
    _assign(client, "ruled", {"targetingKey": "b", "email": "b@corp.com"}, False)
    spans = otel.spans("tripwire.exposure")
    assert [
        (
            (s.attributes or {})["feature_flag.key"],
            (s.attributes or {})["feature_flag.result.reason"],
        )
        for s in spans
    ] == [("ruled", "targeting_match")]


def test_an_assignment_is_stamped_on_the_active_span_and_its_local_root(otel: OtelHarness) -> None:
    client = _client(otel)
    with (
        otel.tracer.start_as_current_span("GET /checkout"),
        otel.tracer.start_as_current_span("handler"),
    ):
        variant = _assign(client, "checkout", {"targetingKey": "user-9"}, False).variant
    spans = {s.name: dict(s.attributes or {}) for s in otel.spans()}
    unit_id = hash_unit("user-9", HASH_KEY)
    for name in ("GET /checkout", "handler"):
        assert spans[name]["tripwire.variant.checkout"] == variant
        assert spans[name]["tripwire.unit.id"] == unit_id


def test_with_assignments_carries_them_in_w3c_baggage_to_downstream_services(
    otel: OtelHarness,
) -> None:
    client = _client(otel)
    upstream = baggage.set_baggage("tripwire.assignments", "pricing:b,checkout:stale")
    token = context.attach(baggage.set_baggage("tenant", "acme", upstream))
    try:
        with client.with_assignments():
            variant = _assign(client, "checkout", {"targetingKey": "user-3"}, False).variant
            carrier: Dict[str, str] = {}
            W3CBaggagePropagator().inject(carrier)
    finally:
        context.detach(token)
    received = W3CBaggagePropagator().extract(carrier)
    assert baggage.get_baggage("tripwire.unit", received) == hash_unit("user-3", HASH_KEY)
    assert baggage.get_baggage("tripwire.assignments", received) == f"pricing:b,checkout:{variant}"
    assert baggage.get_baggage("tenant", received) == "acme"
    downstream = OtelHarness()
    downstream.tracer.start_span("GET /price", context=received).end()
    (span,) = downstream.spans("GET /price")
    attributes = dict(span.attributes or {})
    assert attributes["tripwire.variant.checkout"] == variant
    assert attributes["tripwire.variant.pricing"] == "b"
    assert attributes["tripwire.unit.id"] == hash_unit("user-3", HASH_KEY)


def test_untrusted_baggage_is_ignored_by_the_span_processor() -> None:
    downstream = OtelHarness()
    ctx = baggage.set_baggage("tripwire.unit", "not-hex!")
    ctx = baggage.set_baggage("tripwire.assignments", "ok:yes,bad key:x,:novalue,x:y z", ctx)
    downstream.tracer.start_span("op", context=ctx).end()
    attributes = dict(downstream.spans("op")[0].attributes or {})
    assert attributes == {"tripwire.variant.ok": "yes"}


def test_track_records_a_conversion_attributed_to_the_unit(otel: OtelHarness) -> None:
    client = _client(otel)
    variant = _assign(client, "checkout", {"targetingKey": "buyer"}, False).variant
    client.track("purchase", unit_key="buyer", value=42.5)
    client.track("purchase", context={"targetingKey": "buyer"}, value=float("inf"))
    first, second = otel.spans("tripwire.conversion")
    assert dict(first.attributes or {}) == {
        "tripwire.conversion.event": "purchase",
        "feature_flag.set.id": "production",
        "tripwire.conversion.value": 42.5,
        "tripwire.unit.id": hash_unit("buyer", HASH_KEY),
        "tripwire.variant.checkout": variant,
    }
    assert "tripwire.conversion.value" not in (second.attributes or {})


def test_track_without_a_unit_uses_the_baggage_unit(otel: OtelHarness) -> None:
    client = _client(otel)
    unit_id = hash_unit("someone", HASH_KEY)
    token = context.attach(baggage.set_baggage("tripwire.unit", unit_id))
    try:
        client.track("signup")
    finally:
        context.detach(token)
    assert otel.spans("tripwire.conversion")[0].attributes["tripwire.unit.id"] == unit_id  # type: ignore[index]


def test_evaluation_and_exposure_counters_use_the_node_metric_names(otel: OtelHarness) -> None:
    client = _client(otel, exposure_reasons=["split", "targeting_match"])
    for user in ("a", "b", "a"):
        _assign(client, "checkout", {"targetingKey": user, "email": "x@corp.com"}, False)
    _assign(client, "missing", {"targetingKey": "a"}, False)
    evaluations = otel.metric_points("tripwire.sdk.evaluations")
    assert {
        "value": 3,
        "feature_flag.set.id": "production",
        "feature_flag.key": "checkout",
        "feature_flag.result.reason": "targeting_match",
        "feature_flag.result.variant": "on",
    } in evaluations
    assert {
        "value": 1,
        "feature_flag.set.id": "production",
        "feature_flag.key": "missing",
        "feature_flag.result.reason": "error",
    } in evaluations
    exposures = otel.metric_points("tripwire.sdk.exposures")
    assert [p["value"] for p in exposures] == [2]
    assert otel.metric_points("tripwire.sdk.config.version") == [
        {"value": 3, "feature_flag.set.id": "production"}
    ]
    assert otel.metric_points("tripwire.sdk.config.age")[0]["value"] > 0
    client.close()
    assert otel.metric_points("tripwire.sdk.evaluations") == []
