"""The ``matches`` golden vectors (test/vectors/regex.json): same acceptance and results as Node."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from repo_files import load_vectors
from tripwire.evaluation.regex import MAX_INPUT_LENGTH, RegexError, compile_regex
from tripwire.schema.check_condition import describe_bad_value

REGEX = load_vectors("regex.json")


def _expand(value: Any) -> str:
    if isinstance(value, str):
        return value
    return str(value["repeat"]) * int(value["times"]) + str(value.get("then", ""))


def test_the_input_cap_is_the_vectors() -> None:
    assert (REGEX["specVersion"], REGEX["maxInputLength"]) == (1, MAX_INPUT_LENGTH)


@pytest.mark.parametrize("case", REGEX["cases"], ids=lambda c: c["name"])
def test_regex_matches_the_vector(case: Dict[str, Any]) -> None:
    source = _expand(case["pattern"])
    if "refused" in case:
        with pytest.raises(RegexError):
            compile_regex(source)
        assert describe_bad_value(source, "regex") is not None
        return
    assert describe_bad_value(source, "regex") is None
    regex = compile_regex(source)
    for value, expected in case["tests"]:
        assert regex.search(_expand(value)) is expected, value
