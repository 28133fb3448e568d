"""The evaluation golden vectors (test/vectors/evaluation.json), through the compiled config:
its generated per-flag resolvers and the generic ``resolve_flag`` alike."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from repo_files import load_vectors
from tripwire.evaluation.compile_config import compile_config

EVALUATION = load_vectors("evaluation.json")
CONFIGS = {
    "generated": compile_config(EVALUATION["config"]),
    "generic": compile_config(EVALUATION["config"], specialise=False),
}


@pytest.mark.parametrize("path", list(CONFIGS))
@pytest.mark.parametrize("case", EVALUATION["cases"], ids=lambda c: c["name"])
def test_evaluation_matches_the_vector(case: Dict[str, Any], path: str) -> None:
    result = CONFIGS[path].evaluate(case["flagKey"], case["context"], case["defaultValue"])
    got: Dict[str, Any] = {"value": result.value, "reason": result.reason}
    for name, field in (
        ("variant", "variant"),
        ("errorCode", "error_code"),
        ("flagVersion", "flag_version"),
    ):
        if getattr(result, field) is not None:
            got[name] = getattr(result, field)
    assert got == case["expected"]
    assert (result.error_message is None) == ("errorCode" not in case["expected"])
