"""Polling and stream sources against a local stub of the delivery routes."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

import pytest

from delivery_stub import DeliveryStub, sse
from fixtures import make_flag, make_snapshot, wait_for
from tripwire import ConfigProblem, ConfigSource, PollingSource, StreamSource, create_client
from tripwire.client import TripwireClient
from tripwire.sources import SseParser, compute_backoff_delay

HASH_KEY = "0123456789abcdef-test"
SDK_KEY = "sdk-production-key"
STAFF = {"targetingKey": "u1", "email": "a@corp.com"}


@pytest.fixture
def stub() -> Iterator[DeliveryStub]:
    server = DeliveryStub()
    yield server
    server.close()


def _client(source: Any, problems: List[ConfigProblem], **options: Any) -> TripwireClient:
    client = create_client(
        environment="production",
        hash_key=HASH_KEY,
        sdk_key=SDK_KEY,
        source=source,
        logger=None,
        **options,
    )
    client.on("error", problems.append)
    return client


def _killed(version: int) -> Dict[str, Any]:
    flag = make_flag(version=2)
    flag["environments"]["production"]["enabled"] = False  # what a kill writes
    return make_snapshot([flag], version=version)


def _kill_patch(version: int) -> Dict[str, Any]:
    flags = _killed(version)["flags"]
    return {"version": version, "flags": flags, "segments": [], "removedFlags": []}


def test_polling_sends_the_sdk_key_and_if_none_match_and_a_304_keeps_the_config(
    stub: DeliveryStub,
) -> None:
    problems: List[ConfigProblem] = []
    source = {"type": "polling", "base_url": stub.base_url, "interval_s": 0.05}
    with _client(source, problems) as client:
        assert client.ready(timeout=5).origin == "polling"
        assert wait_for(lambda: len(stub.requests_to("/sdk/v1/config")) >= 3)
        first, second = stub.requests_to("/sdk/v1/config")[:2]
        assert first["authorization"] == f"Bearer {SDK_KEY}"
        assert "if-none-match" not in first
        assert second["if-none-match"] == stub.etag
        assert client.get_boolean_value("checkout", STAFF, False) is True
        stub.snapshot = make_snapshot([make_flag(version=2)], version=2)
        assert wait_for(lambda: client.status().version == 2)
    assert problems == []


def test_polling_keeps_the_last_good_config_on_a_bad_payload_or_status(
    stub: DeliveryStub,
) -> None:
    problems: List[ConfigProblem] = []
    source = {"type": "polling", "base_url": stub.base_url, "interval_s": 0.05}
    with _client(source, problems) as client:
        assert client.ready(timeout=5).version == 1
        stub.snapshot = make_snapshot(version=2)
        stub.config_body = b'{"schemaVersion": 1, "flags": [tru'
        assert wait_for(lambda: any("invalid JSON" in p.message for p in problems))
        stub.config_status = 503
        assert wait_for(lambda: any("answered 503" in p.message for p in problems))
        assert client.status().version == 1 and client.status().stale
        assert client.get_boolean_value("checkout", STAFF, False) is True
        stub.config_status, stub.config_body = 200, None
        assert wait_for(lambda: client.status().version == 2 and not client.status().stale)


def test_the_stream_applies_put_then_a_kill_patch(stub: DeliveryStub) -> None:
    problems: List[ConfigProblem] = []
    with _client({"type": "stream", "base_url": stub.base_url}, problems) as client:
        assert client.ready(timeout=5).origin == "stream"
        headers = stub.requests_to("/sdk/v1/stream")[0]
        assert headers["accept"] == "text/event-stream"
        assert headers["authorization"] == f"Bearer {SDK_KEY}"
        assert "last-event-id" not in headers
        assert client.get_boolean_value("checkout", STAFF, False) is True
        stub.send(b": ping\n\n")
        stub.send(sse("patch", _kill_patch(2), 2))
        assert wait_for(lambda: client.get_boolean_value("checkout", STAFF, True) is False)
        assert client.get_boolean_details("checkout", STAFF, True).reason == "disabled"
    assert problems == []


def test_the_stream_reconnects_after_a_drop_with_last_event_id(stub: DeliveryStub) -> None:
    problems: List[ConfigProblem] = []
    source = {"type": "stream", "base_url": stub.base_url, "backoff": {"base_s": 0.02}}
    with _client(source, problems) as client:
        assert wait_for(lambda: stub.open_streams() == 1)
        stub.send(sse("patch", _kill_patch(3), 3))
        assert wait_for(lambda: client.status().version == 3)
        stub.drop()
        assert wait_for(lambda: len(stub.requests_to("/sdk/v1/stream")) == 2)
        assert stub.requests_to("/sdk/v1/stream")[1]["last-event-id"] == "3"
        assert wait_for(lambda: not client.status().stale)
    assert any("ended" in p.message for p in problems)


def test_a_bad_stream_event_keeps_the_last_good_config(stub: DeliveryStub) -> None:
    problems: List[ConfigProblem] = []
    with _client({"type": "stream", "base_url": stub.base_url}, problems) as client:
        assert client.ready(timeout=5).version == 1
        stub.send(sse("put", "{not json", 4))
        bad = make_snapshot(version=5)
        bad["flags"][0]["defaultVariant"] = "missing"
        stub.send(sse("put", bad, 5))
        assert wait_for(lambda: len(problems) == 2)
        assert "invalid JSON" in problems[0].message
        assert problems[1].code == "TRIPWIRE_INVALID_CONFIG"
        assert client.status().version == 1
        assert client.get_boolean_value("checkout", STAFF, False) is True


def test_a_patch_that_does_not_apply_resyncs_from_the_config_endpoint(
    stub: DeliveryStub,
) -> None:
    problems: List[ConfigProblem] = []
    with _client({"type": "stream", "base_url": stub.base_url}, problems) as client:
        assert client.ready(timeout=5).version == 1
        stub.snapshot = _killed(7)  # what the config endpoint now serves
        broken = dict(_kill_patch(6))
        broken["removedSegments"] = ["beta"]
        broken["flags"] = [make_flag("banner", prerequisites=[{"flag": "x", "variants": ["on"]}])]
        stub.send(sse("patch", broken, 6))
        assert wait_for(lambda: client.status().version == 7)
        assert len(stub.requests_to("/sdk/v1/config")) == 1


def test_a_failing_stream_backs_off_and_falls_back_to_polling(stub: DeliveryStub) -> None:
    stub.stream_status = 503
    problems: List[ConfigProblem] = []
    source = {
        "type": "stream",
        "base_url": stub.base_url,
        "backoff": {"base_s": 0.01, "max_s": 0.05},
        "fallback_after_failures": 2,
        "fallback_poll_interval_s": 0.05,
    }
    with _client(source, problems) as client:
        assert client.ready(timeout=5).version == 1
        assert wait_for(lambda: len(stub.requests_to("/sdk/v1/stream")) >= 3)
        assert any("answered 503" in p.message for p in problems)
        stub.stream_status = 200
        assert wait_for(lambda: stub.open_streams() == 1)
        polls = len(stub.requests_to("/sdk/v1/config"))
        stub.send(sse("patch", _kill_patch(2), 2))
        assert wait_for(lambda: client.status().version == 2)
        threading.Event().wait(0.2)
        assert len(stub.requests_to("/sdk/v1/config")) <= polls + 1  # the poller stopped


def test_bootstrap_is_served_until_the_network_replaces_it(stub: DeliveryStub) -> None:
    stub.stream_status = 503
    problems: List[ConfigProblem] = []
    source = {"type": "stream", "base_url": stub.base_url, "fallback_after_failures": 100}
    bootstrap = _killed(1)
    with _client(source, problems, bootstrap=bootstrap) as client:
        assert client.status().origin == "bootstrap"
        assert client.get_boolean_value("checkout", STAFF, True) is False
        stub.stream_status = 200
        assert client.ready(timeout=5).origin == "stream"
        assert client.get_boolean_value("checkout", STAFF, False) is True


def test_close_stops_the_threads_and_drops_the_connection(stub: DeliveryStub) -> None:
    before = set(threading.enumerate())
    client = _client({"type": "stream", "base_url": stub.base_url}, [])
    assert client.ready(timeout=5).ready
    client.close()
    assert wait_for(lambda: stub.open_streams() == 0)
    assert wait_for(lambda: set(threading.enumerate()) <= before)


class _Recorder:
    def __init__(self) -> None:
        self.errors: List[BaseException] = []
        self.configs: List[Optional[str]] = []

    def on_config(self, document: Mapping[str, Any], version: Optional[str]) -> None:
        self.configs.append(version)

    def on_error(self, error: BaseException) -> None:
        self.errors.append(error)


def test_sources_work_with_a_plain_listener_and_report_the_delivery_version(
    stub: DeliveryStub,
) -> None:
    polling, stream = _Recorder(), _Recorder()
    sources: List[Tuple[ConfigSource, _Recorder]] = [
        (PollingSource(f"{stub.base_url}/sdk/v1/config"), polling),
        (StreamSource(f"{stub.base_url}/sdk/v1/stream", f"{stub.base_url}/sdk/v1/config"), stream),
    ]
    for source, listener in sources:
        source.start(listener)
    assert wait_for(lambda: polling.configs == [stub.etag] and stream.configs == ["1"])
    for source, _ in sources:
        source.close()
    assert polling.errors == [] and stream.errors == []


def test_unreachable_servers_and_idle_links_are_reported_not_raised() -> None:
    listener = _Recorder()
    source = StreamSource(
        "http://127.0.0.1:9/sdk/v1/stream",
        "http://127.0.0.1:9/sdk/v1/config",
        backoff_base_s=0.01,
        backoff_max_s=0.02,
    )
    source.start(listener)
    assert wait_for(lambda: len(listener.errors) >= 3)
    source.close()
    assert all("127.0.0.1:9" in str(error) for error in listener.errors)


def test_backoff_is_exponential_with_equal_jitter_and_capped() -> None:
    delays = [
        compute_backoff_delay(attempt=n, base_s=0.5, max_s=30, random=r)
        for n in range(10)
        for r in (0.0, 0.999)
    ]
    assert delays[:6] == [0.25, 0.49975, 0.5, 0.9995, 1.0, 1.999]
    assert all(15 <= d < 30 for d in delays[-4:])
    assert compute_backoff_delay(attempt=500, base_s=1, max_s=60, random=0.5) == 45


def test_the_sse_parser_follows_the_whatwg_rules() -> None:
    events: List[Any] = []
    retries: List[int] = []
    parser = SseParser(events.append, retries.append)
    for chunk in [
        "id: 4\r",
        '\nevent: put\r\ndata: {"a":\n',
        "data: 1}\r\r",
        ": ping\n",
        "retry: 250\nretry: x\nid: a\0b\ndata",
        ": tail\n\nevent: patch\n\n",
    ]:
        parser.push(chunk)
    assert [(e.type, e.data, e.last_event_id) for e in events] == [
        ("put", '{"a":\n1}', "4"),
        ("message", "tail", "4"),
    ]
    assert retries == [250]


def test_reconnects_count_attempts_into_the_backoff_and_honour_a_retry_floor(
    stub: DeliveryStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: List[Dict[str, float]] = []

    def record(**options: float) -> float:
        asked.append(options)
        return 0.001

    monkeypatch.setattr("tripwire.sources.stream_source.compute_backoff_delay", record)
    stub.stream_status = 503
    source = StreamSource(
        f"{stub.base_url}/sdk/v1/stream",
        f"{stub.base_url}/sdk/v1/config",
        backoff_base_s=0.25,
        backoff_max_s=8,
        fallback_after_failures=100,
        random=lambda: 0.75,
    )
    listener = _Recorder()
    source.start(listener)
    assert wait_for(lambda: len(asked) >= 3)
    stub.stream_status = 200
    assert wait_for(lambda: stub.open_streams() == 1)
    stub.send(b"retry: 2000\n\n")
    stub.drop()  # a healthy connection that ends: the count restarts, the floor holds
    assert wait_for(lambda: any(a["base_s"] == 2.0 for a in asked))
    source.close()
    first = asked[:3]
    assert [a["attempt"] for a in first] == [0, 1, 2]
    assert all(a["base_s"] == 0.25 and a["max_s"] == 8 and a["random"] == 0.75 for a in first)
    assert next(a for a in asked if a["base_s"] == 2.0)["attempt"] == 0


def test_asyncio_code_awaits_the_stream_and_threads_evaluate_through_patches(
    stub: DeliveryStub,
) -> None:
    problems: List[ConfigProblem] = []
    with _client({"type": "stream", "base_url": stub.base_url}, problems) as client:
        ready = asyncio.run(client.ready_async(timeout=5))
        assert (ready.ready, ready.origin) == (True, "stream")
        seen: List[Any] = []
        stop = threading.Event()

        def evaluate() -> None:
            while not stop.is_set():
                seen.append(client.get_boolean_details("checkout", STAFF, False).reason)

        workers = [threading.Thread(target=evaluate) for _ in range(8)]
        for worker in workers:
            worker.start()
        for version in range(2, 12):
            flags = _killed(version)["flags"] if version % 2 else [make_flag(version=version)]
            patch = {"version": version, "flags": flags, "segments": [], "removedFlags": []}
            stub.send(sse("patch", patch, version))
        assert wait_for(lambda: client.status().version == 11)
        stop.set()
        for worker in workers:
            worker.join()
    assert seen and set(seen) <= {"targeting_match", "disabled"} and problems == []
