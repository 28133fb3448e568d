"""Repeat exposures on the hot path: once the flag's log holds a unit's exposure, the client's
rollout memo gives the result's repeat twin (one lookup, no log read), and the exposure
contract still holds: a changed variant is a new exposure, a context with a recording span is
stamped on every call, a config change keeps the log, the memos stay bounded."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Dict, List

from fixtures import make_flag, make_snapshot
from otel_harness import OtelHarness
from tripwire import compile_config, create_client
from tripwire.client import TripwireClient
from tripwire.telemetry.unit_cache import ExposureLog

HASH_KEY = "0123456789abcdef-test"
CORE_FLAGS = compile_config(make_snapshot([make_flag()]), specialise=False)
VARIANT = "feature_flag.result.variant"


def _client(otel: OtelHarness, flag: Dict[str, Any], **options: Any) -> TripwireClient:
    return create_client(
        environment="production",
        hash_key=HASH_KEY,
        source={"type": "static", "config": make_snapshot([flag])},
        tracer=otel.tracer,
        logger=None,
        **options,
    )


def _unit_split_to(variant: str) -> str:
    return next(
        f"u{i}"
        for i in range(100)
        if CORE_FLAGS.evaluate("checkout", {"targetingKey": f"u{i}"}, False).variant == variant
    )


def _resolve(client: TripwireClient, context: Dict[str, Any]) -> Any:
    applied = client._store.applied
    assert applied is not None
    return applied.prepared[0]["checkout"](context)  # the client's boolean resolver


def _exposed(otel: OtelHarness) -> List[str]:
    return [str((s.attributes or {})[VARIANT]) for s in otel.spans("tripwire.exposure")]


def test_a_repeat_is_the_memos_twin_until_the_unit_switches_variant() -> None:
    otel = OtelHarness()
    client = _client(otel, make_flag(), exposure_reasons=["split", "targeting_match"])
    unit = {"targetingKey": _unit_split_to("off")}
    staff = {"targetingKey": unit["targetingKey"], "email": "a@corp.com"}
    assert _resolve(client, unit).repeat is False
    assert client.get_boolean_value("checkout", unit, True) is False
    assert _resolve(client, unit).repeat is True and _resolve(client, unit).variant == "off"
    client.get_boolean_value("checkout", unit, True)
    assert client.get_boolean_value("checkout", staff, False) is True  # a switch to "on"
    assert _resolve(client, unit).repeat is False  # the twin of "off" went with it
    client.get_boolean_value("checkout", unit, True)
    client.get_boolean_value("checkout", unit, True)
    assert _exposed(otel) == ["off", "on", "off"]


def test_a_switch_between_two_rollouts_drops_the_twin_in_the_other_ones_memo() -> None:
    flag = make_flag()
    rules = flag["environments"]["production"]["rules"]
    rules[0]["serve"] = {
        "rollout": {"coverage": 10_000, "weights": [{"variant": "on", "weight": 1}]}
    }
    otel = OtelHarness()
    client = _client(otel, flag)
    unit = {"targetingKey": _unit_split_to("off")}
    staff = {"targetingKey": unit["targetingKey"], "email": "a@corp.com"}
    for context in (unit, unit, staff, staff, unit, unit, staff, staff):
        client.get_boolean_value("checkout", context, False)
    assert _exposed(otel) == ["off", "on", "off", "on"]
    assert _resolve(client, staff).repeat is True and _resolve(client, unit).repeat is False


def test_a_repeat_in_a_context_with_a_recording_span_is_still_stamped() -> None:
    otel = OtelHarness()
    client = _client(otel, make_flag())
    unit = {"targetingKey": _unit_split_to("on")}
    client.get_boolean_value("checkout", unit, False)
    assert _resolve(client, unit).repeat is True
    with otel.tracer.start_as_current_span("request"):
        assert client.get_boolean_value("checkout", unit, False) is True
    (request,) = otel.spans("request")
    assert (request.attributes or {})["tripwire.variant.checkout"] == "on"
    assert _exposed(otel) == ["on"]


def test_after_a_config_change_the_log_still_holds_and_the_new_memos_get_the_twins() -> None:
    otel = OtelHarness()
    client = _client(otel, make_flag(), exposure_reasons=["split", "targeting_match"])
    unit = {"targetingKey": _unit_split_to("off")}
    staff = {"targetingKey": unit["targetingKey"], "email": "a@corp.com"}
    client.get_boolean_value("checkout", unit, True)
    before = client._recorder.units.log_for("checkout").memos
    client._receive(make_snapshot([make_flag(version=2)], version=2), "stream")
    assert client._recorder.units.log_for("checkout").memos is not before
    assert _resolve(client, unit).repeat is False  # a new memo
    client.get_boolean_value("checkout", unit, True)  # a repeat: the log kept the exposure
    assert _resolve(client, unit).repeat is True
    client.get_boolean_value("checkout", staff, False)  # the switch drops the new twin
    client.get_boolean_value("checkout", unit, True)
    assert _exposed(otel) == ["off", "on", "off"]


def test_the_clients_rollout_memo_stays_bounded_and_gives_the_allocation() -> None:
    otel = OtelHarness()
    client = _client(otel, make_flag())
    applied = client._store.applied
    assert applied is not None
    compiled = applied.engine.get_flag("checkout")
    assert compiled is not None and compiled.fallthrough.rollout is not None
    compiled.fallthrough.rollout.memo.capacity = 20  # the config's one rollout: 20 entries
    for _ in range(2):
        for i in range(150):
            context = {"targetingKey": f"unit-{i}"}
            expected = CORE_FLAGS.evaluate("checkout", context, False).value
            assert client.get_boolean_value("checkout", context, not expected) is expected
    memos = client._recorder.units.log_for("checkout").memos
    assert len(memos) == 1 and 0 < len(memos[0]) <= 20
    assert len(otel.spans("tripwire.exposure")) == 150


def test_a_twin_goes_in_only_while_the_log_holds_its_variant() -> None:
    # what a thread that switched the unit between another's expose and its remember_repeat
    # leaves: the log says "on", so the record of "off" must not become a repeat
    log = ExposureLog(100)
    off = SimpleNamespace(variant="off", repeat=False)
    off.twin = SimpleNamespace(variant="off", repeat=True, twin=None)
    memo: Dict[str, Any] = {"u": off}
    log.memos = (memo,)
    assert log.record("u", "off") is True
    assert log.record("u", "on") is True
    log.remember_repeat("u", off)
    assert memo["u"] is off
    assert log.record("u", "off") is True
    log.remember_repeat("u", off)
    assert memo["u"] is off.twin
    assert log.record("u", "on") is True and "u" not in memo  # the switch drops the twin
