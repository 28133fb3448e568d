"""The OpenFeature provider through the official openfeature-sdk: values, upper-case reasons,
variants, error codes, flag metadata and events."""

from __future__ import annotations

import threading
import uuid
from typing import Any, Callable, Iterator, List, Tuple

import pytest
from openfeature import api
from openfeature.client import OpenFeatureClient
from openfeature.evaluation_context import EvaluationContext
from openfeature.event import EventDetails, ProviderEvent
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import Reason

from fixtures import Document, ManualSource, make_flag, make_snapshot
from tripwire import TripwireClient, create_client
from tripwire.openfeature import TripwireProvider

HASH_KEY = "0123456789abcdef-test"
STAFF = EvaluationContext(targeting_key="u1", attributes={"email": "a@corp.com"})


def _release(key: str, flag_type: str, values: List[Any], *, version: int = 1) -> Document:
    """A release flag of ``flag_type`` serving its second variant to everyone."""
    variants = [{"key": f"v{i}", "value": value} for i, value in enumerate(values)]
    return make_flag(
        key,
        kind="release",
        type=flag_type,
        variants=variants,
        defaultVariant="v0",
        version=version,
        environments={
            "production": {"enabled": True, "rules": [], "fallthrough": {"variant": "v1"}}
        },
    )


def _flags(version: int = 1) -> List[Document]:
    return [
        make_flag(version=version),
        _release("theme", "string", ["light", "dark"]),
        _release("limit", "number", [10, 25]),
        _release("ratio", "number", [0.5, 0.75]),
        _release("layout", "json", [{"cols": 1}, {"cols": 3, "tags": ["a"]}]),
    ]


class EventLog:
    """OpenFeature runs handlers on a thread pool: ``wait`` blocks until ``count`` events
    arrived (the deadline is only a hang guard, never a timing assertion)."""

    def __init__(self, client: OpenFeatureClient, *events: ProviderEvent) -> None:
        self.seen: List[Tuple[str, EventDetails]] = []
        self._condition = threading.Condition()
        for event in events:
            client.add_handler(event, self._handler(event.value))

    def _handler(self, name: str) -> Callable[[EventDetails], None]:
        def add(details: EventDetails) -> None:
            with self._condition:
                self.seen.append((name, details))
                self._condition.notify_all()

        return add

    def wait(self, count: int) -> List[Tuple[str, EventDetails]]:
        with self._condition:
            assert self._condition.wait_for(lambda: len(self.seen) >= count, timeout=10)
            return list(self.seen)

    def names(self, count: int) -> List[str]:
        return [name for name, _ in self.wait(count)]


def _tripwire(source: Any) -> TripwireClient:
    return create_client(environment="production", hash_key=HASH_KEY, source=source, logger=None)


@pytest.fixture
def source() -> ManualSource:
    return ManualSource()


@pytest.fixture
def client(source: ManualSource) -> Iterator[Tuple[OpenFeatureClient, TripwireClient]]:
    tripwire = _tripwire(source)
    source.deliver(make_snapshot(_flags()))
    domain = f"test-{uuid.uuid4()}"
    api.set_provider_and_wait(TripwireProvider(tripwire, owns_client=True), domain=domain)
    yield api.get_client(domain), tripwire
    api.shutdown()


def test_resolves_each_type_with_upper_case_reasons_and_variants(client: Any) -> None:
    of, _ = client
    ctx = EvaluationContext(targeting_key="u1")
    staff = of.get_boolean_details("checkout", False, STAFF)
    assert (staff.value, staff.variant, staff.reason) == (True, "on", "TARGETING_MATCH")
    assert staff.error_code is None
    split = of.get_boolean_details("checkout", False, EvaluationContext(targeting_key="u2"))
    assert split.reason == Reason.SPLIT and split.variant in ("on", "off")
    assert split.value is (split.variant == "on")
    theme = of.get_string_details("theme", "none", ctx)
    assert (theme.value, theme.variant, theme.reason) == ("dark", "v1", "STATIC")
    limit = of.get_integer_details("limit", 0, ctx)
    assert (limit.value, type(limit.value), limit.variant) == (25, int, "v1")
    ratio = of.get_float_details("ratio", 0.0, ctx)
    assert (ratio.value, ratio.variant) == (0.75, "v1")
    assert of.get_float_value("limit", 0.0, ctx) == 25.0
    assert of.get_object_value("layout", {}, ctx) == {"cols": 3, "tags": ["a"]}


def test_the_same_unit_gets_the_same_variant_as_the_tripwire_client(client: Any) -> None:
    of, tripwire = client
    for unit in ("u2", "u3", "u4", "u5"):
        direct = tripwire.assign("checkout", {"targetingKey": unit}, False)
        via = of.get_boolean_details("checkout", False, EvaluationContext(targeting_key=unit))
        assert (via.value, via.variant) == (direct.value, direct.variant)


def test_an_unknown_flag_is_flag_not_found_with_the_default(client: Any) -> None:
    of, _ = client
    details = of.get_string_details("nope", "fallback", EvaluationContext(targeting_key="u1"))
    assert (details.value, details.reason, details.error_code) == (
        "fallback",
        Reason.ERROR,
        ErrorCode.FLAG_NOT_FOUND,
    )
    assert details.error_message and "nope" in details.error_message


@pytest.mark.parametrize(
    ("method", "flag", "default"),
    [
        ("get_string_details", "checkout", "x"),
        ("get_boolean_details", "theme", False),
        ("get_integer_details", "ratio", 1),
        ("get_float_details", "theme", 1.5),
        ("get_object_details", "limit", {"a": 1}),
    ],
)
def test_a_value_of_another_type_is_type_mismatch_with_the_default(
    client: Any, method: str, flag: str, default: Any
) -> None:
    of, _ = client
    details = getattr(of, method)(flag, default, EvaluationContext(targeting_key="u1"))
    assert (details.value, details.reason, details.error_code) == (
        default,
        Reason.ERROR,
        ErrorCode.TYPE_MISMATCH,
    )
    assert details.variant is None and flag in (details.error_message or "")


def test_flag_metadata_names_the_flag_set_version_and_hashed_unit(client: Any) -> None:
    of, tripwire = client
    details = of.get_boolean_details("checkout", False, STAFF)
    assert details.flag_metadata == {
        "flagSetId": "production",
        "version": "1",
        "contextId": tripwire.hash_unit("u1"),
    }
    anonymous = of.get_string_details("theme", "none", EvaluationContext())
    assert "contextId" not in anonymous.flag_metadata
    assert anonymous.flag_metadata["flagSetId"] == "production"


def test_emits_configuration_changed_with_the_changed_flags(client: Any, source: Any) -> None:
    of, _ = client
    log = EventLog(of, ProviderEvent.PROVIDER_CONFIGURATION_CHANGED)
    killed = make_flag(version=2)
    killed["environments"]["production"]["enabled"] = False
    source.deliver({"version": 2, "flags": [killed], "segments": [], "removedFlags": []})
    [(name, event)] = log.wait(1)
    assert (name, event.flags_changed) == ("PROVIDER_CONFIGURATION_CHANGED", ["checkout"])
    details = of.get_boolean_details("checkout", True, STAFF)
    assert (details.value, details.reason, details.flag_metadata["version"]) == (
        False,
        "DISABLED",
        "2",
    )


def test_goes_stale_on_a_source_failure_and_ready_when_it_recovers(
    client: Any, source: Any
) -> None:
    of, _ = client
    log = EventLog(of, ProviderEvent.PROVIDER_STALE, ProviderEvent.PROVIDER_READY)
    assert log.names(1) == ["PROVIDER_READY"]  # a handler added when READY runs at once (5.3.3)
    source.fail(ConnectionError("refused"))
    source.fail(ConnectionError("refused again"))
    assert log.names(2) == ["PROVIDER_READY", "PROVIDER_STALE"]
    assert log.wait(2)[1][1].message == "refused"
    source.listener.on_recover()
    assert log.names(3) == ["PROVIDER_READY", "PROVIDER_STALE", "PROVIDER_READY"]


def test_initialize_fails_without_a_config_and_recovers_on_the_first_one() -> None:
    source = ManualSource()
    domain = f"test-{uuid.uuid4()}"
    provider = TripwireProvider(_tripwire(source), ready_timeout=0.01, owns_client=True)
    api.set_provider(provider, domain=domain)
    of = api.get_client(domain)
    try:
        details = of.get_boolean_details("checkout", False, STAFF)
        assert (details.value, details.error_code) == (False, ErrorCode.PROVIDER_NOT_READY)
        log = EventLog(of, ProviderEvent.PROVIDER_READY, ProviderEvent.PROVIDER_ERROR)
        assert log.names(1) == ["PROVIDER_ERROR"]  # the status after a failed initialize
        source.deliver(make_snapshot(_flags()))
        assert log.names(2) == ["PROVIDER_ERROR", "PROVIDER_READY"]
        assert of.get_boolean_value("checkout", False, STAFF) is True
    finally:
        api.shutdown()
