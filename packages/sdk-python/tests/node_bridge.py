"""Runs a snippet of TypeScript in Node against the repository's own packages, for tests that
compare the Python SDK with @tripwire/sdk and @tripwire/schema byte for byte."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from repo_files import REPO_ROOT


def run_node(module_source: str, payload: Any = None) -> Any:
    """Evaluates an ES module that reads JSON ``input`` from stdin and prints JSON; returns it
    parsed. ``input`` is bound to the parsed payload."""
    prelude = (
        "import { readFileSync as __read } from 'node:fs';\n"
        "const input = JSON.parse(__read(0, 'utf8'));\n"
    )
    completed = subprocess.run(
        ["node", "--conditions=@tripwire/source", "--import", "tsx", "--input-type=module", "-e",
         prelude + module_source],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        raise AssertionError(f"node failed:\n{completed.stderr}")
    return json.loads(completed.stdout)
