"""Paths of files the tests share with the rest of the repository (golden vectors, the Node SDK)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]
VECTORS_DIR = REPO_ROOT / "test" / "vectors"


def load_vectors(name: str) -> Any:
    """A golden vector file from test/vectors, parsed."""
    with open(VECTORS_DIR / name, encoding="utf-8") as handle:
        return json.load(handle)
