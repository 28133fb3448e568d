"""tripwire.testing: test clients with overrides, and runs over every variant combination."""

from __future__ import annotations

import copy
from typing import Any, List

import pytest

from fixtures import make_flag, make_snapshot
from otel_harness import OtelHarness
from tripwire import TripwireClient, TripwireError
from tripwire.testing import (
    apply_overrides,
    create_test_client,
    for_each_variant_combination,
    list_variant_combinations,
)

STAFF = {"targetingKey": "u1", "email": "a@corp.com"}


def _config() -> Any:
    banner = make_flag(
        "banner",
        kind="release",
        type="string",
        variants=[{"key": "blue", "value": "blue"}, {"key": "red", "value": "red"}],
        defaultVariant="blue",
        prerequisites=[{"flag": "checkout", "variants": ["on"]}],
        environments={
            "production": {"enabled": True, "rules": [], "fallthrough": {"variant": "red"}}
        },
    )
    return make_snapshot([make_flag(), banner])


def test_a_value_override_creates_a_flag_in_an_empty_test_environment() -> None:
    client = create_test_client(
        overrides={"theme": {"value": "dark"}, "limit": {"value": 3}, "layout": {"value": [1]}}
    )
    assert client.environment == "test"
    theme = client.assign("theme", {"targetingKey": "u"}, "light")
    assert (theme.value, theme.variant, theme.reason) == ("dark", "override", "static")
    assert client.get_number_value("limit", {}, 0) == 3
    assert client.assign("layout", {}, []).value == [1]
    missing = client.assign("other", {}, "x")
    assert (missing.value, missing.error_code) == ("x", "flag_not_found")


def test_a_variant_override_pins_a_config_flag_and_leaves_the_config_untouched() -> None:
    config = _config()
    before = copy.deepcopy(config)
    client = create_test_client(config=config, overrides={"checkout": "off"})
    assert config == before
    staff = client.assign("checkout", STAFF, True)  # the staff rule is gone
    assert (staff.value, staff.variant, staff.reason) == (False, "off", "static")
    for unit in ("u2", "u3", "u4"):
        assert client.get_boolean_value("checkout", {"targetingKey": unit}, True) is False


def test_a_pinned_flag_drops_its_prerequisites() -> None:
    unpinned = create_test_client(config=_config(), overrides={"checkout": "off"})
    failed = unpinned.assign("banner", STAFF, "none")  # checkout is not 'on': default variant
    assert (failed.value, failed.reason) == ("blue", "disabled")
    pinned = create_test_client(config=_config(), overrides={"checkout": "off", "banner": "red"})
    assert pinned.assign("banner", STAFF, "none").value == "red"


@pytest.mark.parametrize(
    ("config", "overrides", "fragment"),
    [
        (None, {"checkout": "on"}, "overrides.checkout: the config has no flag 'checkout'"),
        (_config(), {"checkout": "maybe"}, "overrides.checkout: no variant 'maybe' (has off, on)"),
        (None, {"checkout": 3}, "overrides.checkout: a variant key or {'value': …}"),
        ({**_config(), "flags": [{"key": "x"}]}, None, "the config is invalid"),
    ],
)
def test_a_bad_override_or_config_raises_a_tripwire_error_naming_it(
    config: Any, overrides: Any, fragment: str
) -> None:
    with pytest.raises(TripwireError) as raised:
        create_test_client(config=config, overrides=overrides)
    assert raised.value.code == "TRIPWIRE_INVALID_OPTIONS"
    assert fragment in raised.value.message


def test_pinned_results_are_not_exposures_but_unpinned_splits_are() -> None:
    otel = OtelHarness()
    client = create_test_client(
        config=_config(), overrides={"banner": "blue"}, tracer=otel.tracer, meter=otel.meter
    )
    client.assign("banner", {"targetingKey": "u9"}, "none")
    assert otel.spans("tripwire.exposure") == []
    split = client.assign("checkout", {"targetingKey": "u9"}, False)
    assert split.reason == "split"
    assert len(otel.spans("tripwire.exposure")) == 1


def test_apply_overrides_takes_the_environment_from_the_argument_or_the_config() -> None:
    assert apply_overrides(_config())["environment"] == "production"
    staged = apply_overrides(_config(), {"checkout": "on"}, environment="staging")
    (checkout,) = [f for f in staged["flags"] if f["key"] == "checkout"]
    assert staged["environment"] == "staging"
    assert checkout["environments"]["staging"]["fallthrough"] == {"variant": "on"}
    assert "production" in checkout["environments"]


def test_list_variant_combinations_varies_the_first_flag_slowest() -> None:
    assert list_variant_combinations([("a", ["x", "y"]), ("b", ["1", "2"])]) == [
        {"a": "x", "b": "1"},
        {"a": "x", "b": "2"},
        {"a": "y", "b": "1"},
        {"a": "y", "b": "2"},
    ]
    assert list_variant_combinations([]) == [{}]


def test_runs_a_scenario_once_per_combination_each_with_a_fresh_client() -> None:
    seen: List[Any] = []
    clients: List[TripwireClient] = []

    def scenario(client: TripwireClient, combination: Any) -> None:
        clients.append(client)
        seen.append(
            (
                combination,
                client.get_boolean_value("checkout", STAFF, False),
                client.get_string_value("banner", STAFF, "none"),
            )
        )

    ran = for_each_variant_combination(["checkout", "banner"], scenario, config=_config())
    assert seen == [
        ({"checkout": "off", "banner": "blue"}, False, "blue"),
        ({"checkout": "off", "banner": "red"}, False, "red"),
        ({"checkout": "on", "banner": "blue"}, True, "blue"),
        ({"checkout": "on", "banner": "red"}, True, "red"),
    ]
    assert ran == [combination for combination, _, _ in seen]
    assert len({id(client) for client in clients}) == 4


def test_chosen_variants_and_a_failing_scenario_name_the_combination() -> None:
    def scenario(client: TripwireClient, combination: Any) -> None:
        assert client.get_string_value("banner", STAFF, "none") == "blue", "not blue"

    with pytest.raises(AssertionError, match=r"scenario failed for \{'banner': 'red'\}: not blue"):
        for_each_variant_combination({"banner": ["blue", "red"]}, scenario, config=_config())
    with pytest.raises(TripwireError, match="no flag 'nope' in config"):
        for_each_variant_combination(["nope"], scenario, config=_config())
