"""The client: options, last known good config, never raising, threads and asyncio."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Dict, List

import pytest

from fixtures import ManualSource, make_flag, make_snapshot
from tripwire import ConfigProblem, TripwireError, create_client

HASH_KEY = "0123456789abcdef-test"


def _client(source: Any = None, **options: Any) -> Any:
    return create_client(
        environment="production",
        hash_key=HASH_KEY,
        source=source if source is not None else {"type": "static", "config": make_snapshot()},
        logger=None,
        **options,
    )


def test_returns_the_default_with_provider_not_ready_before_any_config() -> None:
    client = _client(ManualSource())
    result = client.assign("checkout", {"targetingKey": "u1"}, False)
    assert (result.value, result.reason, result.error_code) == (
        False,
        "error",
        "provider_not_ready",
    )


def test_evaluates_a_static_config_and_reports_it_ready() -> None:
    client = _client()
    ready = client.ready(timeout=1)
    assert (ready.ready, ready.origin, ready.version, ready.timed_out) == (True, "static", 1, False)
    assert (
        client.get_boolean_value("checkout", {"targetingKey": "x", "email": "a@corp.com"}, False)
        is True
    )
    details = client.get_boolean_details(
        "checkout", {"targetingKey": "x", "email": "a@corp.com"}, False
    )
    assert (details.variant, details.reason, details.flag_version) == ("on", "targeting_match", 1)


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"hash_key": "short"}, "hash_key"),
        ({"environment": "bad env"}, "environment"),
        ({"source": {"type": "carrier-pigeon"}}, "source.type"),
        ({"source": {"type": "file"}}, "source.path"),
        ({"exposure_reasons": ["sometimes"]}, "exposure_reasons"),
        ({"unit_cache_size": 1}, "unit_cache_size"),
        ({"bootstrap": {"schemaVersion": 1}}, "bootstrap"),
    ],
)
def test_invalid_options_raise_a_tripwire_error_naming_the_option(
    options: Dict[str, Any], fragment: str
) -> None:
    arguments: Dict[str, Any] = {
        "environment": "production",
        "hash_key": HASH_KEY,
        "source": {"type": "static", "config": make_snapshot()},
    }
    arguments.update(options)
    with pytest.raises(TripwireError) as raised:
        create_client(**arguments)
    assert raised.value.code == "TRIPWIRE_INVALID_OPTIONS"
    assert fragment in str(raised.value)


class HostileContext(dict):  # type: ignore[type-arg]
    def get(self, *_args: Any) -> Any:
        raise RuntimeError("boom")


def test_never_raises_into_host_code_on_hostile_or_wrong_input() -> None:
    client = _client()
    hostile = client.assign("checkout", HostileContext(targetingKey="u"), False)
    assert (hostile.value, hostile.error_code) == (False, "general")
    not_a_mapping = client.assign("checkout", "user-1", False)
    assert not_a_mapping.error_code == "invalid_context"
    assert client.get_string_value("checkout", {"targetingKey": "u"}, "fallback") == "fallback"
    assert client.get_number_value("missing", {"targetingKey": "u"}, 3) == 3
    client.track(None, value=float("nan"))


def test_keeps_the_last_known_good_config_when_a_delivery_is_invalid(
    caplog: pytest.LogCaptureFixture,
) -> None:
    source = ManualSource()
    client = create_client(environment="production", hash_key=HASH_KEY, source=source)
    problems: List[ConfigProblem] = []
    client.on("error", problems.append)
    source.deliver(make_snapshot(version=1))
    broken = make_snapshot(version=2)
    broken["flags"][0]["defaultVariant"] = "nope"
    with caplog.at_level(logging.WARNING, logger="tripwire"):
        source.deliver(broken)
        source.deliver(broken)
    assert client.status().version == 1
    assert [p.code for p in problems] == ["TRIPWIRE_INVALID_CONFIG"] * 2
    assert problems[0].issues[0].instance_path == "/flags/0/defaultVariant"
    assert len(caplog.records) == 1, "one log line per distinct problem"
    assert (
        client.get_boolean_value("checkout", {"targetingKey": "u", "email": "a@corp.com"}, False)
        is True
    )


def test_refuses_a_config_for_another_environment_and_an_older_network_version() -> None:
    source = ManualSource(origin="stream")
    client = _client(source)
    source.deliver(make_snapshot(version=5))
    other = make_snapshot(version=6)
    other["environment"] = "staging"
    source.deliver(other)
    source.deliver(make_snapshot(version=4))
    assert client.status().version == 5
    assert client.status().last_problem is not None
    assert "older than the applied 5" in client.status().last_problem.message


def test_applies_a_patch_that_kills_a_flag_and_reports_the_change() -> None:
    source = ManualSource()
    client = _client(source)
    changes: List[Any] = []
    client.on("change", changes.append)
    source.deliver(make_snapshot(version=1))
    killed = make_flag(version=2)
    killed["environments"]["production"]["enabled"] = False
    source.deliver({"version": 2, "flags": [killed], "segments": [], "removedFlags": []})
    result = client.assign("checkout", {"targetingKey": "u", "email": "a@corp.com"}, True)
    assert (result.variant, result.reason) == ("off", "disabled")
    assert [(c.version, c.changed_flags) for c in changes] == [
        (1, ("checkout",)),
        (2, ("checkout",)),
    ]
    assert source.listener is not None and source.listener.applied_version() == 2  # type: ignore[attr-defined]


def test_a_patch_without_a_base_config_is_not_applied() -> None:
    source = ManualSource()
    client = _client(source)
    source.deliver({"version": 2, "flags": [], "segments": [], "removedFlags": ["checkout"]})
    assert client.status().version is None


def test_a_source_failure_marks_the_config_stale_until_it_recovers() -> None:
    source = ManualSource()
    client = _client(source)
    recovered: List[Any] = []
    client.on("recover", recovered.append)
    source.deliver(make_snapshot())
    source.fail(ConnectionError("refused"))
    assert client.status().stale and client.status().last_problem.code == "TRIPWIRE_SOURCE_FAILED"
    source.listener.on_recover()  # type: ignore[union-attr]
    assert not client.status().stale
    assert recovered == [{"origin": "stream"}]


def test_evaluates_the_bootstrap_until_the_source_delivers() -> None:
    source = ManualSource()
    client = _client(source, bootstrap=make_snapshot(version=1))
    assert (
        client.get_boolean_value("checkout", {"targetingKey": "u", "email": "a@corp.com"}, False)
        is True
    )
    waited = client.ready(timeout=0.05)
    assert (waited.ready, waited.timed_out, waited.origin) == (True, True, "bootstrap")
    source.deliver(make_snapshot(version=3))
    assert client.ready(timeout=0.05).origin == "stream"


def test_ready_async_waits_without_blocking_the_event_loop() -> None:
    source = ManualSource()
    client = _client(source)

    async def scenario() -> Any:
        loop = asyncio.get_running_loop()
        loop.call_later(
            0.05, lambda: threading.Thread(target=source.deliver, args=(make_snapshot(),)).start()
        )
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        ticker = asyncio.ensure_future(tick())
        result = await client.ready_async(timeout=5)
        ticker.cancel()
        return result, ticks

    result, ticks = asyncio.run(scenario())
    assert result.ready and not result.timed_out
    assert ticks > 1, "the loop kept running while ready_async waited"
    timed_out = asyncio.run(_client(ManualSource()).ready_async(timeout=0.01))
    assert timed_out.timed_out and not timed_out.ready


def test_evaluates_consistently_from_many_threads_while_configs_change() -> None:
    source = ManualSource()
    client = _client(source)
    source.deliver(make_snapshot(version=1))
    errors: List[BaseException] = []
    per_thread = 1500

    def evaluate(thread: int) -> None:
        try:
            for i in range(per_thread):
                result = client.assign("checkout", {"targetingKey": f"u{thread}-{i}"}, False)
                assert result.reason in ("split", "disabled"), result
        except BaseException as error:  # noqa: BLE001 - collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=evaluate, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for version in range(2, 30):
        flag = make_flag(version=version)
        flag["environments"]["production"]["enabled"] = version % 2 == 0
        source.deliver(make_snapshot([flag], version=version))
    for t in threads:
        t.join()
    assert errors == []
    counted = sum(c.total for c in client._recorder.evaluations.entries())
    assert counted == 6 * per_thread


def test_close_is_idempotent_and_closes_the_source() -> None:
    source = ManualSource()
    client = _client(source)
    client.close()
    client.close()
    assert source.closed and client.status().closed
    assert client.ready(timeout=1).timed_out is False
