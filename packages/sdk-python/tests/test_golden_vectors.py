"""Every golden vector in test/vectors, read from the shared files."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from repo_files import VECTORS_DIR, load_vectors
from tripwire.evaluation.bucket import bucket_unit
from tripwire.evaluation.murmur3 import murmur3

MURMUR = load_vectors("murmur3.json")
BUCKETING = load_vectors("bucketing.json")


def test_every_vector_file_is_spec_version_1() -> None:
    files = sorted(VECTORS_DIR.glob("*.json"))
    assert files, "no vector files found"
    assert {load_vectors(f.name)["specVersion"] for f in files} == {1}


@pytest.mark.parametrize("case", MURMUR["cases"], ids=lambda c: repr(c["input"])[:40])
def test_murmur3_matches_the_vector(case: Dict[str, Any]) -> None:
    assert murmur3(case["input"], case["seed"]) == case["hash"]


@pytest.mark.parametrize("case", BUCKETING["cases"], ids=lambda c: f"{c['salt']}/{c['unitKey']}")
def test_bucket_of_a_unit_matches_the_vector(case: Dict[str, Any]) -> None:
    assert murmur3(case["hashInput"]) == case["hash"]
    assert (
        bucket_unit(salt=case["salt"], seed=case["seed"], unit_key=case["unitKey"])
        == case["bucket"]
    )
