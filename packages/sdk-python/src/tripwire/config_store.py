"""The last known good config: every delivered document is validated before it replaces it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple

from .evaluation.compile_config import compile_config
from .evaluation.compiled_config import CompiledConfig
from .schema.flags_file import expand_flags_file, is_flags_file
from .schema.validate import apply_config_patch, validate_config_patch, validate_config_snapshot
from .schema.validation_issue import ValidationIssue

NETWORK_ORIGINS = ("polling", "stream")
_MAX_REPORTED_ISSUES = 5


@dataclass(frozen=True)
class ConfigProblem:
    """A config the client could not use, or a source that failed; the applied one is kept."""

    code: str  # "TRIPWIRE_INVALID_CONFIG" | "TRIPWIRE_SOURCE_FAILED"
    origin: str
    message: str
    issues: Tuple[ValidationIssue, ...] = ()


@dataclass(frozen=True)
class ConfigChange:
    """A config that was applied."""

    origin: str
    version: int
    previous_version: Optional[int]
    changed_flags: Tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class AppliedConfig:
    snapshot: Mapping[str, Any]
    origin: str
    engine: CompiledConfig
    #: What the store's owner prepared from ``engine`` (``prepare``), applied with it at once.
    prepared: Any = None


def diff_flag_versions(before: Optional[Mapping[str, Any]], after: Mapping[str, Any]) -> List[str]:
    """Flag keys added, removed, or whose version differs between two snapshots."""
    old = {f["key"]: f["version"] for f in (before or {}).get("flags", [])}
    changed = [f["key"] for f in after["flags"] if old.get(f["key"], -1) != f["version"]]
    present = {f["key"] for f in after["flags"]}
    return changed + [key for key in old if key not in present]


class ConfigStore:
    """Validates each document (snapshot or patch), refuses other environments and older
    network versions, compiles what it accepts and keeps it; reports everything else."""

    def __init__(
        self,
        environment: str,
        on_change: Callable[[ConfigChange], None],
        on_problem: Callable[[ConfigProblem], None],
        prepare: Callable[[CompiledConfig], Any] = lambda engine: None,
    ) -> None:
        self._environment = environment
        self._prepare = prepare
        self._on_change = on_change
        self._on_problem = on_problem
        self._lock = threading.RLock()
        self.applied: Optional[AppliedConfig] = None

    def applied_version(self) -> Optional[int]:
        applied = self.applied
        return None if applied is None else int(applied.snapshot["version"])

    def receive(self, document: Any, origin: str) -> bool:
        """A snapshot (has ``schemaVersion``) or a patch (has ``removedFlags``)."""
        with self._lock:
            if (
                isinstance(document, Mapping)
                and "schemaVersion" not in document
                and "removedFlags" in document
            ):
                return self._patch(document, origin)
            return self._put(document, origin)

    def fail(self, error: BaseException, origin: str) -> None:
        self._on_problem(ConfigProblem("TRIPWIRE_SOURCE_FAILED", origin, str(error) or repr(error)))

    def _put(self, document: Any, origin: str) -> bool:
        # A hand-written flags file (local sources only) stands for a snapshot of this environment.
        if origin not in NETWORK_ORIGINS and is_flags_file(document):
            document, issues = expand_flags_file(document, environment=self._environment)
            if issues:
                return self._reject(origin, "flags file is invalid", issues)
        else:
            issues = validate_config_snapshot(document)
            if issues:
                return self._reject(origin, "config snapshot is invalid", issues)
        if document["environment"] != self._environment:
            message = (
                f"config is for environment '{document['environment']}', "
                f"this client evaluates '{self._environment}'"
            )
            return self._reject(origin, message)
        current = self.applied_version()
        is_network = origin in NETWORK_ORIGINS
        if current is not None and is_network and document["version"] < current:
            return self._reject(
                origin, f"config version {document['version']} is older than the applied {current}"
            )
        if (
            current == document["version"]
            and is_network
            and self.applied is not None
            and self.applied.origin != "bootstrap"
        ):
            return True
        return self._apply(document, origin)

    def _patch(self, document: Mapping[str, Any], origin: str) -> bool:
        issues = validate_config_patch(document)
        if issues:
            return self._reject(origin, "config patch is invalid", issues)
        applied = self.applied
        if applied is None:
            return False
        if document["version"] <= applied.snapshot["version"]:
            return True
        patched = apply_config_patch(applied.snapshot, document)
        issues = validate_config_snapshot(patched)
        if issues:
            return self._reject(
                origin, f"config patch {document['version']} leaves an invalid config", issues
            )
        return self._apply(patched, origin)

    def _apply(self, snapshot: Mapping[str, Any], origin: str) -> bool:
        engine = compile_config(snapshot)
        previous = self.applied
        self.applied = AppliedConfig(snapshot, origin, engine, self._prepare(engine))
        before = None if previous is None else previous.snapshot
        change = ConfigChange(
            origin=origin,
            version=int(snapshot["version"]),
            previous_version=None if before is None else int(before["version"]),
            changed_flags=tuple(diff_flag_versions(before, snapshot)),
        )
        self._on_change(change)
        return True

    def _reject(self, origin: str, message: str, issues: Sequence[ValidationIssue] = ()) -> bool:
        shown = list(issues[:_MAX_REPORTED_ISSUES])
        detail = "; ".join(issue.describe() for issue in shown)
        more = f" (+{len(issues) - len(shown)} more)" if len(issues) > len(shown) else ""
        text = f"{message} (from {origin}); keeping the applied config"
        if detail:
            text += f": {detail}{more}"
        self._on_problem(ConfigProblem("TRIPWIRE_INVALID_CONFIG", origin, text, tuple(issues)))
        return False
