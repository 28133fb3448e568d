"""``^(a+)+$`` against runs of ``a`` ending in ``b`` takes exponential time on a backtracking
engine (Python's ``re`` included). The evaluation runs in a child process killed after a
generous 60 s, so a regression fails instead of hanging the suite; the assertions are on the
results, not on timing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fixtures import make_flag, make_snapshot

SCRIPT = """
import json, sys
from tripwire.evaluation.compile_config import compile_config
config = compile_config(json.loads(sys.stdin.read()))
values = ['a' * 28 + 'b', 'a' * 4095 + 'b', 'a' * 4096, 'a' * 10000 + 'b']
print(json.dumps([config.evaluate('redos', {'v': v}, False).value for v in values]))
"""


def test_matches_evaluates_a_catastrophic_pattern_without_stalling() -> None:
    rule = {
        "id": "r",
        "when": {"attribute": "v", "op": "matches", "values": ["^(a+)+$"]},
        "serve": {"variant": "on"},
    }
    flag = make_flag("redos", kind="release")
    flag["environments"]["production"]["rules"] = [rule]
    flag["environments"]["production"]["fallthrough"] = {"variant": "off"}
    source = str(Path(__file__).resolve().parents[1] / "src")
    result = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {source!r})\n{SCRIPT}"],
        input=json.dumps(make_snapshot([flag])),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    # 28 a + b and 4095 a + b do not match; 4096 a do; 10,000 a + b is past the 4096 cap.
    assert json.loads(result.stdout) == [False, False, True, False]
