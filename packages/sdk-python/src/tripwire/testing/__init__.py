"""Testing helpers for host code: a real client over an in-memory config with overrides."""

from .create_test_client import FlagOverride, apply_overrides, create_test_client
from .for_each_variant_combination import (
    FlagVariantChoice,
    VariantCombination,
    for_each_variant_combination,
    list_variant_combinations,
)

__all__ = [
    "FlagOverride",
    "FlagVariantChoice",
    "VariantCombination",
    "apply_overrides",
    "create_test_client",
    "for_each_variant_combination",
    "list_variant_combinations",
]
