"""``for_each_variant_combination``: runs a scenario once per combination of flag variants."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from ..client import TripwireClient
from ..errors import TripwireError
from .create_test_client import create_test_client

VariantCombination = Dict[str, str]
"""One combination: flag key → the variant it is pinned to."""

FlagVariantChoice = Union[Sequence[str], Mapping[str, Sequence[str]]]
"""Flag keys (all their variants in ``config``) or flag key → the variants to try."""


def _resolve_choices(
    flags: FlagVariantChoice, config: Optional[Mapping[str, Any]]
) -> List[Tuple[str, Sequence[str]]]:
    if isinstance(flags, Mapping):
        return list(flags.items())
    by_key = {flag["key"]: flag for flag in (config or {}).get("flags", [])}
    choices: List[Tuple[str, Sequence[str]]] = []
    for key in flags:
        if key not in by_key:
            raise TripwireError(
                "TRIPWIRE_INVALID_OPTIONS",
                f"for_each_variant_combination: no flag {key!r} in config",
            )
        choices.append((key, [variant["key"] for variant in by_key[key]["variants"]]))
    return choices


def list_variant_combinations(
    choices: Sequence[Tuple[str, Sequence[str]]],
) -> List[VariantCombination]:
    """Every combination (cartesian product) in a stable order: the first flag varies slowest."""
    combinations: List[VariantCombination] = [{}]
    for key, variants in choices:
        combinations = [
            {**partial, key: variant} for partial in combinations for variant in variants
        ]
    return combinations


def for_each_variant_combination(
    flags: FlagVariantChoice,
    scenario: Callable[[TripwireClient, VariantCombination], Any],
    *,
    config: Optional[Mapping[str, Any]] = None,
    **client_options: Any,
) -> List[VariantCombination]:
    """Calls ``scenario(client, combination)`` once per combination, one at a time, each with a
    fresh test client pinned to it (closed afterwards); returns the combinations run. A failing
    scenario raises AssertionError naming the combination, chained to the original error."""
    combinations = list_variant_combinations(_resolve_choices(flags, config))
    for combination in combinations:
        client = create_test_client(config=config, overrides=combination, **client_options)
        try:
            scenario(client, combination)
        except Exception as cause:
            raise AssertionError(f"scenario failed for {combination}: {cause}") from cause
        finally:
            client.close()
    return combinations
