"""The local-file and static sources, through a client."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, List

from fixtures import make_flag, make_snapshot, wait_for
from tripwire import ConfigProblem, create_client
from tripwire.sources import SOURCE_TYPES

HASH_KEY = "0123456789abcdef-test"


def _write(path: Path, document: Any) -> None:
    """Replaces the file by rename, as deploy tools do."""
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(document) if not isinstance(document, str) else document)
    os.replace(scratch, path)


def test_the_file_source_follows_edits_and_keeps_the_last_good_file(tmp_path: Path) -> None:
    path = tmp_path / "flags.json"
    _write(path, make_snapshot(version=1))
    client = create_client(
        environment="production",
        hash_key=HASH_KEY,
        source={"type": "file", "path": str(path), "interval_s": 0.02},
        logger=None,
    )
    problems: List[ConfigProblem] = []
    client.on("error", problems.append)
    assert client.ready(timeout=2).origin == "file"
    killed = make_flag(version=2)
    killed["environments"]["production"]["enabled"] = False
    _write(path, make_snapshot([killed], version=2))
    assert wait_for(lambda: client.status().version == 2)
    _write(path, "{ not json")
    assert wait_for(lambda: len(problems) == 1)
    assert "invalid JSON" in problems[0].message and client.status().version == 2
    _write(path, make_snapshot(version=1))  # a local file may go back in version
    assert wait_for(lambda: client.status().version == 1)
    client.close()


def test_a_missing_file_is_reported_once_and_picked_up_when_it_appears(tmp_path: Path) -> None:
    path = tmp_path / "later.json"
    client = create_client(
        environment="production",
        hash_key=HASH_KEY,
        source={"type": "file", "path": str(path), "interval_s": 0.02},
        logger=None,
    )
    problems: List[ConfigProblem] = []
    client.on("error", problems.append)
    problem = client.status().last_problem
    assert problem is not None and problem.code == "TRIPWIRE_SOURCE_FAILED"
    time.sleep(0.1)
    assert problems == [], "not reported again while still missing"
    _write(path, make_snapshot(version=7))
    assert wait_for(lambda: client.status().version == 7)
    client.close()


def test_the_file_source_without_watch_reads_once(tmp_path: Path) -> None:
    path = tmp_path / "flags.json"
    _write(path, make_snapshot(version=1))
    client = create_client(
        environment="production",
        hash_key=HASH_KEY,
        source={"type": "file", "path": str(path), "watch": False},
        logger=None,
    )
    _write(path, make_snapshot(version=2))
    time.sleep(0.1)
    assert client.status().version == 1
    client.close()


def test_every_source_type_is_registered_in_one_table() -> None:
    assert {"file", "static"} <= set(SOURCE_TYPES)
